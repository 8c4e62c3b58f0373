"""A local MusicBrainz web service (the part the pipeline uses), over HTTP on 127.0.0.1.

    python -m spotify_enrichment_dev.musicbrainz_emulator --port P --catalogue FILE
        [--rate-limit R] [--burst B] [--fail-every N] [--fail-status S] [--latency-ms MS]
        [--stall-every N --stall-ms MS] [--retry-after S]

- `GET /ws/2/url?resource=URL[&resource=URL...]&inc=artist-rels&fmt=json`: one resource: the URL entity
  `{id, resource, relations: [{type: "free streaming", "target-type": "artist", direction, artist}]}` or
  404; several: `{"url-count", "url-offset": 0, "urls": [...]}` listing only the URLs it knows (as
  musicbrainz-server since PR #3483); more than MAX_RESOURCES: 400.
- `GET /ws/2/artist/{mbid}?inc=genres+tags&fmt=json`: the artist (`genres`/`tags` only when asked), or 404.
- Rate: a token bucket of `--burst` requests refilled at `--rate-limit` per second (MusicBrainz counts
  an average per client); over it: 503. No `User-Agent`, or a library's default one: 403.
- Faults: every Nth request answers `--fail-status` (default 503); `--latency-ms` on every answer;
  every Nth request stalls `--stall-ms` (a hanging server).
- `GET /_stats`, `POST /_stats/reset`: counts (requests by endpoint, 503s, 403s, requests without a
  User-Agent, how often each Spotify ID and each MBID was asked about).

Catalogue: JSONL, one line per Spotify artist MusicBrainz links: `{"spotifyId": "...", "artist": {id,
name, sort-name, type, country, disambiguation, life-span, genres: [{id, name, count, disambiguation}],
tags: [{name, count}]}}` (the demo generator writes `musicbrainz_catalogue.jsonl`)."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger(__name__)

MAX_RESOURCES = 100
SPOTIFY_ARTIST_URL = "https://open.spotify.com/artist/"
# User-Agents that MusicBrainz treats as anonymous: library defaults name no application.
BLOCKED_AGENT_PREFIXES = ("python-requests/", "python-urllib/", "curl/", "Java/", "Go-http-client/")


@dataclass(frozen=True)
class MusicBrainzConfig:
    rate_limit: float = 1.0
    burst: float = 1.0
    fail_every: int = 0
    fail_status: int = 503
    latency_ms: int = 0
    stall_every: int = 0
    stall_ms: int = 0
    retry_after: int | None = None


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: tuple[tuple[str, str], ...] = ()


def load_catalogue(paths: Sequence[Path]) -> dict[str, dict[str, Any]]:
    """`{spotify artist ID: MusicBrainz artist}` from the catalogue files; a bad line names its file."""
    links: dict[str, dict[str, Any]] = {}
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                links[str(entry["spotifyId"])] = dict(entry["artist"])
                str(entry["artist"]["id"])
            except (ValueError, KeyError, TypeError) as error:
                raise SystemExit(
                    f"musicbrainz emulator: {path}:{number}: not a catalogue line ({error})"
                ) from None
    return links


class MusicBrainzState:
    def __init__(self, config: MusicBrainzConfig, links: dict[str, dict[str, Any]]) -> None:
        self.config = config
        self.links = links
        self.artists = {artist["id"]: artist for artist in links.values()}
        self.url_ids = {
            artist_id: f"{index:08x}-0000-4000-8000-{index:012x}" for index, artist_id in enumerate(links)
        }
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests = 0
            self.by_endpoint: Counter[str] = Counter()
            self.by_status: Counter[int] = Counter()
            self.without_user_agent = 0
            self.spotify_ids: Counter[str] = Counter()
            self.mbids: Counter[str] = Counter()
            self.tokens = self.config.burst
            self.refilled = time.monotonic()

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.requests,
                "by_endpoint": dict(self.by_endpoint),
                "by_status": {str(status): count for status, count in self.by_status.items()},
                "refused_503": self.by_status.get(503, 0),
                "forbidden_403": self.by_status.get(403, 0),
                "without_user_agent": self.without_user_agent,
                "spotify_ids_requested": dict(self.spotify_ids),
                "mbids_requested": dict(self.mbids),
            }

    def admit(self, user_agent: str | None) -> tuple[Answer | None, float]:
        """Count the request; a refusal (403 User-Agent, 503 rate, injected fault) or None, and the
        stall to apply."""
        config = self.config
        with self.lock:
            self.requests += 1
            number = self.requests
            if not user_agent:
                self.without_user_agent += 1
            if not user_agent or user_agent.startswith(BLOCKED_AGENT_PREFIXES) or "/" not in user_agent:
                return _error(403, "Requests without a meaningful User-Agent are blocked."), 0.0
            now = time.monotonic()
            if config.rate_limit > 0:
                self.tokens = min(config.burst, self.tokens + (now - self.refilled) * config.rate_limit)
                self.refilled = now
                if self.tokens < 1:
                    return self._refused(), 0.0
                self.tokens -= 1
            if config.fail_every and number % config.fail_every == 0:
                if config.fail_status == 503:
                    return self._refused(), 0.0
                return _error(config.fail_status, "Injected fault"), 0.0
            stall = config.stall_ms / 1000 if config.stall_every and number % config.stall_every == 0 else 0.0
            return None, stall

    def _refused(self) -> Answer:
        headers = (
            (("Retry-After", str(self.config.retry_after)),) if self.config.retry_after is not None else ()
        )
        return _error(
            503,
            "Your requests are exceeding the allowable rate limit. Please see "
            "https://wiki.musicbrainz.org/XMLWebService for more information.",
            headers,
        )

    def finished(self, endpoint: str, status: int) -> None:
        with self.lock:
            self.by_endpoint[endpoint] += 1
            self.by_status[status] += 1

    def url_lookup(self, query: dict[str, list[str]]) -> Answer:
        resources = query.get("resource", [])
        if not resources:
            return _error(400, "Missing resource parameter")
        if len(resources) > MAX_RESOURCES:
            return _error(400, f"At most {MAX_RESOURCES} resource parameters are allowed")
        with_relations = "artist-rels" in " ".join(query.get("inc", [])).replace("+", " ").split()
        entities = []
        for resource in resources:
            artist_id = (
                resource.removeprefix(SPOTIFY_ARTIST_URL) if resource.startswith(SPOTIFY_ARTIST_URL) else None
            )
            with self.lock:
                if artist_id is not None:
                    self.spotify_ids[artist_id] += 1
            if artist_id is None or artist_id not in self.links:
                continue
            entities.append(self._url_entity(artist_id, with_relations))
        if len(resources) == 1:
            return Answer(200, entities[0]) if entities else _error(404, "Not Found")
        return Answer(200, {"url-count": len(entities), "url-offset": 0, "urls": entities})

    def _url_entity(self, artist_id: str, with_relations: bool) -> dict[str, Any]:
        entity: dict[str, Any] = {"id": self.url_ids[artist_id], "resource": SPOTIFY_ARTIST_URL + artist_id}
        if with_relations:
            artist = self.links[artist_id]
            short = {
                key: artist.get(key)
                for key in ("id", "name", "sort-name", "type", "country", "disambiguation")
            }
            entity["relations"] = [
                {
                    "type": "free streaming",
                    "type-id": "769085a1-c2f7-4c24-a532-2375a77693bd",
                    "target-type": "artist",
                    "direction": "backward",
                    "ended": False,
                    "artist": short,
                }
            ]
        return entity

    def artist_lookup(self, mbid: str, query: dict[str, list[str]]) -> Answer:
        with self.lock:
            self.mbids[mbid] += 1
        artist = self.artists.get(mbid)
        if artist is None:
            return _error(404, "Not Found")
        includes = set(" ".join(query.get("inc", [])).replace("+", " ").split())
        body = {key: value for key, value in artist.items() if key not in ("genres", "tags")}
        for include in ("genres", "tags"):
            if include in includes:
                body[include] = artist.get(include, [])
        return Answer(200, body)


def _error(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    return Answer(
        status,
        {"error": message, "help": "For usage, please see: https://musicbrainz.org/development/mmd"},
        headers,
    )


class MusicBrainzHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "MusicBrainzEmulator/1.0"
    server: MusicBrainzServer

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        state = self.server.state
        if url.path.startswith("/_stats"):
            if method == "POST" and url.path == "/_stats/reset":
                state.reset()
            self._send(Answer(200, state.snapshot()))
            return
        endpoint = "other"
        answer = _error(500, "Internal server error")
        try:
            if state.config.latency_ms:
                time.sleep(state.config.latency_ms / 1000)
            endpoint, answer = self._route(method, url.path, parse_qs(url.query))
        except Exception:
            logger.exception("musicbrainz emulator failed on %s %s", method, url.path)
        finally:
            state.finished(endpoint, answer.status)
        self._send(answer)

    def _route(self, method: str, path: str, query: dict[str, list[str]]) -> tuple[str, Answer]:
        state = self.server.state
        if path == "/ws/2/url":
            endpoint = "url"
        elif path.startswith("/ws/2/artist/"):
            endpoint = "artist"
        else:
            return "other", _error(404, "Not Found")
        if method != "GET":
            return endpoint, _error(405, "Method not allowed")
        refusal, stall = state.admit(self.headers.get("User-Agent"))
        if refusal is not None:
            return endpoint, refusal
        if stall:
            time.sleep(stall)
        if query.get("fmt", ["xml"])[0] != "json":
            return endpoint, _error(406, "This emulator answers fmt=json only")
        if endpoint == "url":
            return endpoint, state.url_lookup(query)
        return endpoint, state.artist_lookup(path.removeprefix("/ws/2/artist/"), query)

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
        logger.debug("%s %s", self.address_string(), format % args)


class MusicBrainzServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], state: MusicBrainzState) -> None:
        super().__init__(address, MusicBrainzHandler)
        self.state = state

    @property
    def port(self) -> int:
        return int(self.server_address[1])


def build_argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m spotify_enrichment_dev.musicbrainz_emulator",
        description="A local MusicBrainz web service: URL and artist lookups, rate limit, User-Agent rule.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    parser.add_argument("--port-file", type=Path, help="write the bound port here once listening")
    parser.add_argument(
        "--catalogue", type=Path, action="append", default=[], help="catalogue JSONL (repeatable)"
    )
    parser.add_argument("--rate-limit", type=float, default=1.0, help="requests per second (0: no limit)")
    parser.add_argument("--burst", type=float, default=1.0, help="requests admitted at once above the rate")
    parser.add_argument("--retry-after", type=int, help="send Retry-After (seconds) with 503 answers")
    parser.add_argument("--fail-every", type=int, default=0, help="every Nth request answers --fail-status")
    parser.add_argument("--fail-status", type=int, default=503)
    parser.add_argument("--latency-ms", type=int, default=0, help="delay of every answer")
    parser.add_argument("--stall-every", type=int, default=0, help="every Nth request stalls --stall-ms")
    parser.add_argument("--stall-ms", type=int, default=0)
    parser.add_argument("--verbose", action="store_true")
    return parser


def _stop_on_sigterm(signal_number: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_argument_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if arguments.verbose else logging.WARNING, stream=sys.stderr)
    config = MusicBrainzConfig(
        rate_limit=arguments.rate_limit,
        burst=max(1.0, arguments.burst),
        fail_every=arguments.fail_every,
        fail_status=arguments.fail_status,
        latency_ms=arguments.latency_ms,
        stall_every=arguments.stall_every,
        stall_ms=arguments.stall_ms,
        retry_after=arguments.retry_after,
    )
    links = load_catalogue(arguments.catalogue)
    server = MusicBrainzServer((arguments.host, arguments.port), MusicBrainzState(config, links))
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    if arguments.port_file is not None:
        partial = arguments.port_file.with_name(arguments.port_file.name + ".partial")
        partial.write_text(str(server.port), encoding="utf-8")
        partial.replace(arguments.port_file)
    print(
        f"musicbrainz emulator listening on http://{arguments.host}:{server.port} ({len(links)} links)",
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
