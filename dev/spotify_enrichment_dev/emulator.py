"""A local Spotify Web API for tests, the demo and benchmarks: token endpoint, artist and track
endpoints, track search, both
quota modes, a rolling-window rate limit and fault injection, with request statistics at `/_stats`.

Run `python -m spotify_enrichment_dev.emulator --help` for the options. The accounts base URL is the
emulator root (`POST /api/token`); the API base URL is the root plus `/v1`.
"""

import argparse
import base64
import binascii
import json
import logging
import math
import os
import re
import secrets
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any, Literal, TypedDict
from urllib.parse import parse_qs, unquote, urlsplit

from spotify_enrichment.artist_ids import is_valid_artist_id
from spotify_enrichment_dev.catalogue import Catalogue, CatalogueError, SpotifyArtist, load_catalogues
from spotify_enrichment_dev.track_catalogue import TrackCatalogue, load_track_catalogues, search

logger = logging.getLogger(__name__)

QuotaMode = Literal["extended", "development"]
RequestKind = Literal["token", "batch", "single", "track_batch", "track_single", "search", "other"]

DEFAULT_CLIENT_ID = "emulator-client-id"
DEFAULT_CLIENT_SECRET = "emulator-client-secret"  # noqa: S105 - the documented default of a local fake
CLIENT_SECRET_ENV = "SPOTIFY_EMULATOR_CLIENT_SECRET"  # noqa: S105 - the name of a variable
REFRESH_TOKEN_ENV = "SPOTIFY_EMULATOR_REFRESH_TOKEN"  # noqa: S105 - the name of a variable
MAX_BATCH_IDS = 50
# GET /search `limit`: 1-10, default 5 (Spotify's OpenAPI spec since the February 2026 changes).
MAX_SEARCH_LIMIT = 10
DEFAULT_SEARCH_LIMIT = 5
DEVELOPMENT_WITHHELD_KEYS = ("followers", "popularity", "genres")
QUOTA_EXCEEDED_DEFAULT_RETRY_AFTER = 86_400
TOKEN_MEMORY_SECONDS = 3600.0


@dataclass(frozen=True)
class EmulatorConfig:
    """Behaviour of one emulator process; see `build_argument_parser` for the meaning of each field."""

    quota: QuotaMode = "extended"
    rate_limit: int = 0
    rate_window: float = 30.0
    retry_after: int | None = None
    omit_retry_after: bool = False
    fail_every: int = 0
    fail_status: int = 500
    latency_ms: int = 0
    token_ttl: float = 3600.0
    quota_exceeded_after: int | None = None
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    refresh_token: str | None = None
    # Well-formed IDs answered 400 `invalid id` all the same, as Spotify does for IDs it cannot parse.
    rejected_ids: frozenset[str] = frozenset()
    # Well-formed IDs whose every request (batch or single) is answered with a 5xx (`fail_status`).
    failing_ids: frozenset[str] = frozenset()


class EmulatorStats(TypedDict):
    """What `GET /_stats` returns. Counts cover every request since start or the last reset.

    `ids_requested` counts every artist ID as sent (a batch ID once per request, rejected requests
    included); `ids_answered` counts the IDs of requests that got the artist, `null` or 404 back.
    `by_kind` keys: token, batch, single, other; status keys are strings ("200", "429").
    """

    requests_total: int
    by_kind: dict[str, int]
    by_status: dict[str, int]
    by_kind_status: dict[str, dict[str, int]]
    tokens_issued: int
    artist_ids_requested_total: int
    ids_requested: dict[str, int]
    ids_answered: dict[str, int]
    max_concurrent_requests: int
    quota: str
    catalogue_size: int


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: status, JSON body and extra headers."""

    status: int
    body: Any
    headers: tuple[tuple[str, str], ...] = ()


def api_error(
    status: int, message: str, *, reason: str | None = None, headers: Sequence[tuple[str, str]] = ()
) -> Answer:
    """An answer with Spotify's ErrorObject body."""
    error: dict[str, Any] = {"status": status, "message": message}
    if reason is not None:
        error["reason"] = reason
    return Answer(status, {"error": error}, tuple(headers))


def unauthorized(message: str) -> Answer:
    challenge = f'Bearer realm="spotify", error="invalid_token", error_description="{message}"'
    return api_error(401, message, headers=(("WWW-Authenticate", challenge),))


class EmulatorState:
    """Tokens, rate-limit window, fault counters and statistics, shared by the request threads."""

    def __init__(
        self, config: EmulatorConfig, catalogue: Catalogue, tracks: TrackCatalogue | None = None
    ) -> None:
        self.config = config
        self.catalogue = catalogue
        self.tracks: TrackCatalogue = tracks or {}
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}
        self._reset_counters()

    def _reset_counters(self) -> None:
        self._window: deque[float] = deque()
        self._blocked_until = 0.0
        self._api_requests_admitted = 0
        self._in_flight = 0
        self._max_in_flight = 0
        self._requests_total = 0
        self._by_kind: Counter[str] = Counter()
        self._by_status: Counter[str] = Counter()
        self._by_kind_status: dict[str, Counter[str]] = {}
        self._tokens_issued = 0
        self._ids_requested: Counter[str] = Counter()
        self._ids_answered: Counter[str] = Counter()

    def reset(self) -> None:
        """Clear statistics and fault counters (rate window, fail-every and quota counts); keep tokens."""
        with self._lock:
            self._reset_counters()

    # --- statistics -------------------------------------------------------------------------------

    def request_started(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)

    def request_finished(self, kind: RequestKind, status: int) -> None:
        with self._lock:
            self._in_flight -= 1
            self._requests_total += 1
            self._by_kind[kind] += 1
            self._by_status[str(status)] += 1
            self._by_kind_status.setdefault(kind, Counter())[str(status)] += 1

    def ids_requested(self, artist_ids: Sequence[str]) -> None:
        with self._lock:
            self._ids_requested.update(artist_ids)

    def ids_answered(self, artist_ids: Sequence[str]) -> None:
        with self._lock:
            self._ids_answered.update(artist_ids)

    def snapshot(self) -> EmulatorStats:
        with self._lock:
            return {
                "requests_total": self._requests_total,
                "by_kind": dict(self._by_kind),
                "by_status": dict(self._by_status),
                "by_kind_status": {kind: dict(counts) for kind, counts in self._by_kind_status.items()},
                "tokens_issued": self._tokens_issued,
                "artist_ids_requested_total": sum(self._ids_requested.values()),
                "ids_requested": dict(self._ids_requested),
                "ids_answered": dict(self._ids_answered),
                "max_concurrent_requests": self._max_in_flight,
                "quota": self.config.quota,
                "catalogue_size": len(self.catalogue),
            }

    # --- tokens -----------------------------------------------------------------------------------

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = time.monotonic()
            # Expired tokens are remembered a while so that they get "expired", not "invalid", answers.
            forget_before = now - max(self.config.token_ttl, TOKEN_MEMORY_SECONDS)
            self._tokens = {known: expiry for known, expiry in self._tokens.items() if expiry > forget_before}
            self._tokens[token] = now + self.config.token_ttl
            self._tokens_issued += 1
        return token

    def check_token(self, authorization: str | None) -> Answer | None:
        """None when the bearer token is valid, else the 401 answer Spotify gives."""
        if not authorization or not authorization.startswith("Bearer "):
            return unauthorized("No token provided")
        token = authorization.removeprefix("Bearer ").strip()
        with self._lock:
            expiry = self._tokens.get(token)
        if expiry is None:
            return unauthorized("Invalid access token")
        if expiry <= time.monotonic():
            return unauthorized("The access token expired")
        return None

    # --- limits and faults ------------------------------------------------------------------------

    def admit_api_request(self) -> Answer | None:
        """None when an authorised API request may be served, else the 429 or injected failure."""
        config = self.config
        with self._lock:
            now = time.monotonic()
            if config.quota_exceeded_after is not None and self._api_requests_admitted >= (
                config.quota_exceeded_after
            ):
                retry_after = config.retry_after or QUOTA_EXCEEDED_DEFAULT_RETRY_AFTER
                return api_error(
                    429, "API quota exceeded", reason="QUOTA_EXCEEDED", headers=self._retry_after(retry_after)
                )
            if config.rate_limit > 0:
                refusal = self._rate_limit_refusal(now)
                if refusal is not None:
                    return refusal
                self._window.append(now)
            self._api_requests_admitted += 1
            if config.fail_every > 0 and self._api_requests_admitted % config.fail_every == 0:
                return api_error(config.fail_status, "Injected server error (--fail-every)")
        return None

    def _rate_limit_refusal(self, now: float) -> Answer | None:
        """Called under the lock. Only admitted requests fill the window, so a client that waits recovers.

        With --retry-after the limit blocks everything for that long and then forgives the window, so the
        header is truthful; without it Retry-After is the time until the oldest request leaves the window.
        """
        config = self.config
        if now < self._blocked_until:
            return self._too_many_requests(math.ceil(self._blocked_until - now))
        while self._window and self._window[0] <= now - config.rate_window:
            self._window.popleft()
        if self._blocked_until:
            self._blocked_until = 0.0
            self._window.clear()
        if len(self._window) < config.rate_limit:
            return None
        if config.retry_after is not None:
            self._blocked_until = now + config.retry_after
            return self._too_many_requests(config.retry_after)
        return self._too_many_requests(max(1, math.ceil(self._window[0] + config.rate_window - now)))

    def _too_many_requests(self, retry_after: int) -> Answer:
        return api_error(429, "API rate limit exceeded", headers=self._retry_after(retry_after))

    def _retry_after(self, seconds: int) -> tuple[tuple[str, str], ...]:
        return () if self.config.omit_retry_after else (("Retry-After", str(seconds)),)


class SpotifyApi:
    """The endpoints: pure functions of the request and the shared state."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def token(self, authorization: str | None, form: dict[str, list[str]]) -> Answer:
        config = self.state.config
        client_id, client_secret = _client_credentials(authorization, form)
        grant_type = _first(form, "grant_type")
        if grant_type is None:
            return _oauth_error("unsupported_grant_type", "grant_type parameter is missing")
        if grant_type not in {"client_credentials", "refresh_token"}:
            return _oauth_error(
                "unsupported_grant_type", "grant_type must be client_credentials or refresh_token"
            )
        if not (
            client_id is not None
            and client_secret is not None
            and secrets.compare_digest(client_id, config.client_id)
            and secrets.compare_digest(client_secret, config.client_secret)
        ):
            return _oauth_error("invalid_client", "Invalid client")
        if grant_type == "refresh_token":
            refresh_token = _first(form, "refresh_token")
            if refresh_token is None:
                return _oauth_error("invalid_request", "refresh_token must be supplied")
            if config.refresh_token is None or not secrets.compare_digest(
                refresh_token, config.refresh_token
            ):
                return _oauth_error("invalid_grant", "Invalid refresh token")
        body = {
            "access_token": self.state.issue_token(),
            "token_type": "Bearer",
            "expires_in": math.ceil(config.token_ttl),
        }
        if grant_type == "refresh_token":
            body["scope"] = ""
        return Answer(200, body, (("Cache-Control", "no-store"),))

    def several_artists(self, query: dict[str, list[str]]) -> Answer:
        if self.state.config.quota == "development":
            return api_error(403, "Forbidden")
        raw_ids = _first(query, "ids")
        if raw_ids is None or not raw_ids.strip():
            return api_error(400, "Missing required field: ids")
        artist_ids = raw_ids.split(",")
        if len(artist_ids) > MAX_BATCH_IDS:
            return api_error(400, "too many ids requested")
        if not all(self._accepted_id(artist_id) for artist_id in artist_ids):
            return api_error(400, "invalid id")
        if self.state.config.failing_ids.intersection(artist_ids):
            return self._injected_failure()
        self.state.ids_answered(artist_ids)
        return Answer(200, {"artists": [self._artist_or_none(artist_id) for artist_id in artist_ids]})

    def one_artist(self, artist_id: str) -> Answer:
        if not self._accepted_id(artist_id):
            return api_error(400, "invalid id")
        if artist_id in self.state.config.failing_ids:
            return self._injected_failure()
        self.state.ids_answered([artist_id])
        artist = self._artist_or_none(artist_id)
        if artist is None:
            return api_error(404, "Resource not found")
        return Answer(200, artist)

    def _injected_failure(self) -> Answer:
        return api_error(self.state.config.fail_status, "Injected server error (--fail-ids)")

    def _accepted_id(self, artist_id: str) -> bool:
        return is_valid_artist_id(artist_id) and artist_id not in self.state.config.rejected_ids

    def _artist_or_none(self, artist_id: str) -> dict[str, Any] | None:
        artist: SpotifyArtist | None = self.state.catalogue.get(artist_id)
        if artist is None:
            return None
        if self.state.config.quota == "development":
            return {key: value for key, value in artist.items() if key not in DEVELOPMENT_WITHHELD_KEYS}
        return dict(artist)

    def several_tracks(self, query: dict[str, list[str]]) -> Answer:
        # Removed for Development Mode apps with the February 2026 changes, as GET /artists?ids=.
        if self.state.config.quota == "development":
            return api_error(403, "Forbidden")
        raw_ids = _first(query, "ids")
        if raw_ids is None or not raw_ids.strip():
            return api_error(400, "Missing required field: ids")
        track_ids = raw_ids.split(",")
        if len(track_ids) > MAX_BATCH_IDS:
            return api_error(400, "too many ids requested")
        if not all(self._accepted_id(track_id) for track_id in track_ids):
            return api_error(400, "invalid id")
        if self.state.config.failing_ids.intersection(track_ids):
            return self._injected_failure()
        self.state.ids_answered(track_ids)
        return Answer(200, {"tracks": [self.state.tracks.get(track_id) for track_id in track_ids]})

    def one_track(self, track_id: str) -> Answer:
        if not self._accepted_id(track_id):
            return api_error(400, "invalid id")
        if track_id in self.state.config.failing_ids:
            return self._injected_failure()
        self.state.ids_answered([track_id])
        track = self.state.tracks.get(track_id)
        if track is None:
            return api_error(404, "Resource not found")
        return Answer(200, track)

    def search(self, query: dict[str, list[str]]) -> Answer:
        """`type=track` with the `track:"..."` and `artist:"..."` filters; other types are not emulated."""
        q, kind = _first(query, "q"), _first(query, "type")
        if not q:
            return api_error(400, "No search query")
        if kind != "track":
            return api_error(400, "the emulator searches type=track only")
        raw_limit = _first(query, "limit") or str(DEFAULT_SEARCH_LIMIT)
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_SEARCH_LIMIT:
            return api_error(400, "Invalid limit")
        limit = int(raw_limit)
        filters = dict(_SEARCH_FILTER.findall(q))
        items = search(
            self.state.tracks, filters.get("track", q if not filters else ""), filters.get("artist")
        )
        body = {
            "tracks": {
                "href": "https://api.spotify.com/v1/search",
                "limit": limit,
                "next": None,
                "offset": 0,
                "previous": None,
                "total": len(items),
                "items": items[:limit],
            }
        }
        return Answer(200, body)


_SEARCH_FILTER = re.compile(r'(track|artist):"([^"]*)"')


def _first(values: dict[str, list[str]], name: str) -> str | None:
    found = values.get(name)
    return found[0] if found else None


def _oauth_error(error: str, description: str) -> Answer:
    return Answer(400, {"error": error, "error_description": description})


def _client_credentials(
    authorization: str | None, form: dict[str, list[str]]
) -> tuple[str | None, str | None]:
    """Client id and secret from HTTP Basic auth, or from the form body as Spotify also accepts."""
    if authorization and authorization.startswith("Basic "):
        try:
            decoded = base64.b64decode(authorization.removeprefix("Basic ").strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        client_id, separator, client_secret = decoded.partition(":")
        return (client_id, client_secret) if separator else (None, None)
    return _first(form, "client_id"), _first(form, "client_secret")


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """Routes one HTTP request; keep-alive (HTTP/1.1) so clients can reuse connections."""

    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes; with Nagle on, keep-alive clients wait ~40 ms for each.
    disable_nagle_algorithm = True
    server_version = "SpotifyEmulator/1.0"
    server: "EmulatorServer"

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self._read_body()
        if url.path.startswith("/_stats"):
            self._send(self._stats(method, url.path))
            return
        state = self.server.state
        state.request_started()
        kind: RequestKind = "other"
        answer = api_error(500, "Internal server error")
        try:
            if self.server.latency_seconds:
                time.sleep(self.server.latency_seconds)
            kind, answer = self._route(method, url.path, url.query, body)
        except Exception:
            logger.exception("emulator failed on %s %s", method, url.path)
        finally:
            state.request_finished(kind, answer.status)
        self._send(answer)

    def _route(  # noqa: PLR0911 - one return per endpoint
        self, method: str, path: str, query: str, body: bytes
    ) -> tuple[RequestKind, Answer]:
        api = self.server.api
        if path == "/api/token":
            if method != "POST":
                return "token", api_error(405, "Method not allowed")
            form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
            return "token", api.token(self.headers.get("Authorization"), form)
        state = self.server.state
        # Spotify also accepts `/v1/artists/?ids=`, the form spotipy sends.
        if path in {"/v1/artists", "/v1/artists/"}:
            parameters = parse_qs(query)
            state.ids_requested(
                [artist_id for ids in parameters.get("ids", []) for artist_id in ids.split(",")]
            )
            return "batch", self._api_call(method, lambda: api.several_artists(parameters))
        if path.startswith("/v1/artists/"):
            artist_id = unquote(path.removeprefix("/v1/artists/"))
            state.ids_requested([artist_id])
            return "single", self._api_call(method, lambda: api.one_artist(artist_id))
        if path in {"/v1/tracks", "/v1/tracks/"}:
            parameters = parse_qs(query)
            state.ids_requested(
                [track_id for ids in parameters.get("ids", []) for track_id in ids.split(",")]
            )
            return "track_batch", self._api_call(method, lambda: api.several_tracks(parameters))
        if path.startswith("/v1/tracks/"):
            track_id = unquote(path.removeprefix("/v1/tracks/"))
            state.ids_requested([track_id])
            return "track_single", self._api_call(method, lambda: api.one_track(track_id))
        if path == "/v1/search":
            parameters = parse_qs(query)
            return "search", self._api_call(method, lambda: api.search(parameters))
        return "other", api_error(404, "Service not found")

    def _api_call(self, method: str, endpoint: Callable[[], Answer]) -> Answer:
        """Method, token, quota, rate limit and injected faults are checked before the endpoint runs."""
        if method != "GET":
            return api_error(405, "Method not allowed")
        state = self.server.state
        refusal = state.check_token(self.headers.get("Authorization")) or state.admit_api_request()
        return refusal if refusal is not None else endpoint()

    def _stats(self, method: str, path: str) -> Answer:
        state = self.server.state
        if method == "GET" and path == "/_stats":
            return Answer(200, state.snapshot())
        if method == "POST" and path == "/_stats/reset":
            state.reset()
            return Answer(200, state.snapshot())
        return api_error(404, "Unknown statistics path; use GET /_stats or POST /_stats/reset")

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, answer: Answer) -> None:
        payload = json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line holds no secret (tokens travel in headers), so it may be logged at debug level.
        logger.debug("%s %s", self.address_string(), format % args)


class EmulatorServer(ThreadingHTTPServer):
    """One thread per connection, daemon threads, so slow answers (--latency-ms) overlap."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], state: EmulatorState, latency_ms: int) -> None:
        super().__init__(address, EmulatorRequestHandler)
        self.state = state
        self.api = SpotifyApi(state)
        self.latency_seconds = latency_ms / 1000

    @property
    def port(self) -> int:
        return int(self.server_address[1])


def build_server(
    config: EmulatorConfig,
    catalogue: Catalogue,
    host: str = "127.0.0.1",
    port: int = 0,
    tracks: TrackCatalogue | None = None,
) -> EmulatorServer:
    """A bound, not yet serving, emulator server (port 0 picks a free port; see `.port`)."""
    return EmulatorServer((host, port), EmulatorState(config, catalogue, tracks), config.latency_ms)


def build_argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m spotify_enrichment_dev.emulator",
        description=(
            "Local Spotify Web API emulator. Accounts base URL: http://127.0.0.1:PORT (POST /api/token, "
            "client_credentials or refresh_token grant, HTTP Basic client auth). API base URL: "
            "http://127.0.0.1:PORT/v1 (GET /v1/artists?ids=..., GET /v1/artists/{id}, "
            "GET /v1/tracks?ids=..., "
            "GET /v1/tracks/{id}, GET /v1/search?type=track). "
            "GET /_stats returns request counts as JSON; POST /_stats/reset clears them together with "
            "the rate-limit window and the fail-every and quota counters."
        ),
        epilog=(
            "/_stats keys: requests_total, by_kind (token, batch, single, track_batch, track_single, search, "
            "other), by_status, by_kind_status, "
            "tokens_issued, artist_ids_requested_total, ids_requested (every ID sent, with counts, rejected "
            "requests included), ids_answered (IDs of requests answered with artist, null or 404), "
            "max_concurrent_requests, quota, catalogue_size."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 (default) picks a free one")
    parser.add_argument(
        "--port-file",
        type=Path,
        help="write the bound port to this file once the server accepts connections",
    )
    parser.add_argument(
        "--catalogue",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="artist catalogue: .jsonl (one artist object per line; a folder means its catalogue.jsonl, "
        "as scripts/generate_demo_data.py writes it), .json (artist object, list, "
        "{'artists': [...]} or {'items': [...]}) or .csv/.tsv (artists.csv or artists_37k.csv layout). "
        "Repeat for several files; later files win on the same ID. Without one, every ID is unknown.",
    )
    parser.add_argument(
        "--tracks",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="track catalogue for GET /v1/tracks?ids=, /v1/tracks/{id} and /v1/search?type=track: .jsonl "
        "(one track object per line, as the demo generator's tracks.jsonl) or a CSV (the real history's "
        "track_id, artist_ids, artist_names or MusicOSet's songs.csv). Repeat for several files.",
    )
    parser.add_argument(
        "--quota",
        choices=["extended", "development"],
        default="extended",
        help="extended (default): full artist objects; development: GET /v1/artists?ids= answers 403 "
        "and artist objects lack followers, popularity and genres",
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=0,
        metavar="N",
        help="API requests allowed per rolling window; more get 429 with Retry-After (0 = unlimited)",
    )
    parser.add_argument(
        "--rate-window",
        type=float,
        default=30.0,
        metavar="S",
        help="length of the rolling rate-limit window in seconds (default 30, as Spotify counts)",
    )
    parser.add_argument(
        "--retry-after",
        type=int,
        metavar="S",
        help="Retry-After seconds on 429. With it, tripping the rate limit blocks all API requests for S "
        "seconds and then clears the window; without it, Retry-After is the time until the oldest "
        "request leaves the window. Also the Retry-After of QUOTA_EXCEEDED (default 86400 there).",
    )
    parser.add_argument(
        "--omit-retry-after",
        action="store_true",
        help="send 429 answers without a Retry-After header (clients must back off on their own)",
    )
    parser.add_argument(
        "--quota-exceeded-after",
        type=int,
        metavar="N",
        help="after N admitted API requests, answer every API request 429 with reason QUOTA_EXCEEDED",
    )
    parser.add_argument(
        "--fail-every", type=int, default=0, metavar="N", help="answer every Nth API request with a 5xx"
    )
    parser.add_argument(
        "--fail-status", type=int, default=500, help="status of --fail-every failures (default 500)"
    )
    parser.add_argument(
        "--latency-ms", type=int, default=0, metavar="N", help="delay every request by N ms (concurrently)"
    )
    parser.add_argument(
        "--token-ttl", type=float, default=3600.0, metavar="S", help="access token lifetime (default 3600)"
    )
    parser.add_argument(
        "--client-id", default=DEFAULT_CLIENT_ID, help=f"accepted client id (default {DEFAULT_CLIENT_ID})"
    )
    parser.add_argument(
        "--client-secret",
        default=os.environ.get(CLIENT_SECRET_ENV, DEFAULT_CLIENT_SECRET),
        help=f"accepted client secret (default: ${CLIENT_SECRET_ENV}, else {DEFAULT_CLIENT_SECRET})",
    )
    parser.add_argument(
        "--refresh-token",
        default=os.environ.get(REFRESH_TOKEN_ENV),
        help=f"refresh token accepted by grant_type=refresh_token (default: ${REFRESH_TOKEN_ENV}; "
        "none: every refresh token gets 400 invalid_grant)",
    )
    parser.add_argument(
        "--reject-ids",
        default="",
        metavar="ID,ID",
        help="well-formed artist IDs to answer 400 'invalid id' all the same (batch and single calls)",
    )
    parser.add_argument(
        "--fail-ids",
        default="",
        metavar="ID,ID",
        help="well-formed artist or track IDs whose every request (batch or single) gets --fail-status",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser


def config_from_arguments(arguments: argparse.Namespace) -> EmulatorConfig:
    return EmulatorConfig(
        quota=arguments.quota,
        rate_limit=arguments.rate_limit,
        rate_window=arguments.rate_window,
        retry_after=arguments.retry_after,
        omit_retry_after=arguments.omit_retry_after,
        fail_every=arguments.fail_every,
        fail_status=arguments.fail_status,
        latency_ms=arguments.latency_ms,
        token_ttl=arguments.token_ttl,
        quota_exceeded_after=arguments.quota_exceeded_after,
        client_id=arguments.client_id,
        client_secret=arguments.client_secret,
        refresh_token=arguments.refresh_token,
        rejected_ids=frozenset(_rejected_ids(arguments.reject_ids)),
        failing_ids=frozenset(_rejected_ids(arguments.fail_ids)),
    )


def _rejected_ids(option: str) -> list[str]:
    return [artist_id.strip() for artist_id in option.split(",") if artist_id.strip()]


def _check_arguments(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> None:
    for option, value in (("--reject-ids", arguments.reject_ids), ("--fail-ids", arguments.fail_ids)):
        malformed = [artist_id for artist_id in _rejected_ids(value) if not is_valid_artist_id(artist_id)]
        if malformed:
            parser.error(f"{option} takes well-formed Spotify IDs; malformed: {', '.join(malformed)}")
    for name in ("rate_limit", "fail_every", "latency_ms"):
        if getattr(arguments, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be 0 or more")
    for name in ("retry_after", "quota_exceeded_after"):
        value = getattr(arguments, name)
        if value is not None and value < 0:
            parser.error(f"--{name.replace('_', '-')} must be 0 or more")
    if arguments.token_ttl <= 0:
        parser.error("--token-ttl must be more than 0")
    if arguments.rate_window <= 0:
        parser.error("--rate-window must be more than 0")
    if not 500 <= arguments.fail_status <= 599:
        parser.error("--fail-status must be a 5xx status")


def _stop_on_sigterm(signal_number: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_argument_parser()
    arguments = parser.parse_args(argv)
    _check_arguments(parser, arguments)
    logging.basicConfig(
        level=logging.DEBUG if arguments.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        catalogue = load_catalogues(arguments.catalogue)
        tracks = load_track_catalogues(arguments.tracks)
    except CatalogueError as error:
        print(f"spotify emulator: {error}", file=sys.stderr)
        return 2
    config = config_from_arguments(arguments)
    try:
        server = build_server(config, catalogue, arguments.host, arguments.port, tracks)
    except OSError as error:
        print(f"spotify emulator: cannot bind {arguments.host}:{arguments.port}: {error}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    if arguments.port_file is not None:
        partial = arguments.port_file.with_name(arguments.port_file.name + ".partial")
        partial.write_text(str(server.port), encoding="utf-8")
        partial.replace(arguments.port_file)
    print(
        f"spotify emulator listening on http://{arguments.host}:{server.port} "
        f"({len(catalogue)} artists{f', {len(tracks)} tracks' if tracks else ''}, {config.quota} quota)",
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
