"""BigQuery remote function: Spotify artist IDs in, landing records (JSON strings) out.

Deployed as a Cloud Run function (entry point `enrich_artists_remote`) and declared in BigQuery as
`RETURNS STRING REMOTE WITH CONNECTION ... OPTIONS (endpoint, max_batching_rows = 50)`; the
BigQuery implementation of `enrich_artists` calls it once per artist of the worklist.

Protocol (https://cloud.google.com/bigquery/docs/remote-functions): BigQuery POSTs
`{"requestId", "caller", "sessionUser", "userDefinedContext", "calls": [[artist_id], ...]}` and
expects `{"replies": [...]}` with one reply per call, in the same order, and status 200; on failure a
non-200 status with `{"errorMessage": "..."}`. BigQuery retries 408, 429, 500, 503 and 504.

Replies, one JSON string per call (JSON null for a NULL argument):
- the artist's landing record (keys of `records.LandingRecord`; status `ok` or `not_found`, so an
  unknown artist is recorded and not asked again by backfill);
- `{"failed": reason}` when the artist failed after the fetcher's bounded retries (the run records a
  failure, and the next runs ask again after the backoff);
- `{"stop": "rate_limit" | "quota", "retryNotBefore": "YYYY-MM-DDTHH:MM:SSZ" | null, "message": ...}`
  for the artists not asked because Spotify stopped the run (a Retry-After over
  SPOTIFY_MAX_WAIT_SECONDS, QUOTA_EXCEEDED). The process remembers the stop: until retryNotBefore
  every later call of the same query gets the same reply without a request to Spotify. The stop is a
  reply, not an HTTP 429: BigQuery would retry a 429 for minutes, not hours, and then fail the whole
  query, losing the answers of every batch before; this way the query ends, the answers are kept and
  the run records retryNotBefore for the next run.
Failures: a malformed call or artist ID is 400 (not retried: the worklist only sends valid IDs);
rejected credentials are 502 (not retried: the secret must be fixed). The client secret and tokens
never appear in a reply or an error message.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import flask
import functions_framework

from spotify_enrichment.artist_ids import is_valid_artist_id
from spotify_enrichment.client import SpotifyClient
from spotify_enrichment.errors import BadInputError, LandingError, SettingsError
from spotify_enrichment.fetcher import FetchResult, fetch_artists
from spotify_enrichment.landing import OWNER
from spotify_enrichment.loader import load_landing
from spotify_enrichment.settings import Settings, load_settings
from spotify_enrichment.warehouse_bigquery import BigQueryWarehouse

logger = logging.getLogger(__name__)

# Above BigQuery's own batches (max_batching_rows = 50 in the CREATE FUNCTION); a bigger request
# means the function was declared without the option and would run past Cloud Run's timeout.
MAX_CALLS_PER_REQUEST = 1000
_MAX_ERROR_MESSAGE_CHARS = 1000  # BigQuery wants errorMessage under 1 KB


class BadRemoteCallError(ValueError):
    """The request body is not a BigQuery remote-function call of one artist ID per row."""


@dataclass(frozen=True)
class RemoteReply:
    """What the handler answers: an HTTP status and a JSON body."""

    status: int
    body: dict[str, Any]


def parse_calls(payload: object) -> list[str | None]:
    """The artist ID of each call, in order (None for a NULL argument); raises BadRemoteCallError."""
    if not isinstance(payload, dict) or not isinstance(payload.get("calls"), list):
        raise BadRemoteCallError('request body must be a JSON object with a "calls" array')
    calls: list[object] = payload["calls"]
    if len(calls) > MAX_CALLS_PER_REQUEST:
        raise BadRemoteCallError(
            f"{len(calls)} calls in one request (at most {MAX_CALLS_PER_REQUEST}); "
            "declare the function with OPTIONS (max_batching_rows = 50)"
        )
    artist_ids: list[str | None] = []
    for index, call in enumerate(calls):
        if not isinstance(call, list) or len(call) != 1:
            raise BadRemoteCallError(
                f"call {index} must be a one-argument list [artist_id], got {call!r:.80}"
            )
        argument = call[0]
        if argument is None:
            artist_ids.append(None)
        elif isinstance(argument, str) and is_valid_artist_id(argument):
            artist_ids.append(argument)
        else:
            raise BadRemoteCallError(
                f"call {index}: {argument!r:.80} is not a Spotify artist ID (22 base62 characters)"
            )
    return artist_ids


@dataclass(frozen=True)
class SpotifyStop:
    """Spotify stopped a run (rate limit or quota); `retry_not_before` None: it said not how long."""

    reason: str
    message: str
    retry_not_before: datetime | None

    def reply(self) -> dict[str, Any]:
        until = self.retry_not_before
        return {
            "stop": self.reason,
            "retryNotBefore": until.strftime("%Y-%m-%dT%H:%M:%SZ") if until else None,
            "message": self.message[:_MAX_ERROR_MESSAGE_CHARS],
        }


class StopMemory:
    """The last stop of this process, so later batches of the same query send nothing to Spotify
    before the moment it named (a stop without a moment holds for `_UNTIMED_STOP_SECONDS`)."""

    def __init__(self) -> None:
        self._stop: SpotifyStop | None = None
        self._until: datetime | None = None

    def remember(self, stop: SpotifyStop, now: datetime) -> None:
        self._stop = stop
        self._until = stop.retry_not_before or now + timedelta(seconds=_UNTIMED_STOP_SECONDS)

    def current(self, now: datetime) -> SpotifyStop | None:
        if self._stop is None or self._until is None or now >= self._until:
            return None
        return self._stop


# A quota stop without Retry-After: the rest of the query asks nothing; the next run tries again.
_UNTIMED_STOP_SECONDS = 600.0


def _json_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def replies_for(
    artist_ids: list[str | None], result: FetchResult, stop: SpotifyStop | None = None
) -> list[str | None]:
    """One reply per call: the landing record, `{"failed": reason}`, the stop, or None (NULL input)."""
    replies: list[str | None] = []
    for artist_id in artist_ids:
        outcome = result.outcomes.get(artist_id) if artist_id is not None else None
        if artist_id is None:
            replies.append(None)
        elif outcome is not None and outcome.record is not None:
            replies.append(_json_text(outcome.record))
        elif outcome is not None and outcome.status == "failed":
            replies.append(_json_text({"failed": (outcome.reason or "unknown")[:_MAX_ERROR_MESSAGE_CHARS]}))
        elif stop is not None:
            replies.append(_json_text(stop.reply()))
        else:
            replies.append(_json_text({"failed": "no answer from the fetcher"}))
    return replies


def answer_calls(
    payload: object,
    settings: Settings,
    client: SpotifyClient | None = None,
    stops: StopMemory | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> RemoteReply:
    """The whole protocol without HTTP: parse, fetch, reply or fail with the right status."""
    try:
        artist_ids = parse_calls(payload)
    except BadRemoteCallError as error:
        return _failure(400, str(error))
    wanted = sorted({artist_id for artist_id in artist_ids if artist_id is not None})
    if not wanted:
        return RemoteReply(200, {"replies": [None] * len(artist_ids)})
    stops = stops if stops is not None else StopMemory()
    earlier = stops.current(now())
    if earlier is not None:
        logger.info(
            "answered %d calls with the earlier stop (%s); nothing sent", len(artist_ids), earlier.reason
        )
        return RemoteReply(
            200, {"replies": [None if a is None else _json_text(earlier.reply()) for a in artist_ids]}
        )
    result = fetch_artists(wanted, settings, client=client)
    if result.stop_reason == "auth":
        return _failure(502, f"Spotify rejected the credentials: {result.message}")
    stop = None
    if result.throttled:
        moment = now()
        retry_after = result.retry_after_seconds
        stop = SpotifyStop(
            str(result.stop_reason),
            f"Spotify stopped the run ({result.stop_reason}): {result.message}",
            moment + timedelta(seconds=float(retry_after)) if retry_after else None,
        )
        stops.remember(stop, moment)
    replies = replies_for(artist_ids, result, stop)
    failed = sum(1 for outcome in result.outcomes.values() if outcome.status == "failed")
    logger.info(
        "answered %d calls (%d artists): %d records, %d failed",
        len(artist_ids),
        len(wanted),
        sum(1 for reply in replies if reply is not None),
        failed,
    )
    return RemoteReply(200, {"replies": replies})


def _failure(status: int, message: str) -> RemoteReply:
    logger.warning("remote call failed with %d: %s", status, message)
    return RemoteReply(status, {"errorMessage": message[:_MAX_ERROR_MESSAGE_CHARS]})


class _SharedClient:
    """One Spotify client per process, so its token and connections serve every request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings: Settings | None = None
        self._client: SpotifyClient | None = None

    def get(self) -> tuple[Settings, SpotifyClient]:
        with self._lock:
            if self._settings is None or self._client is None:
                self._settings = load_settings()
                self._client = SpotifyClient(self._settings)
            return self._settings, self._client


_shared_client = _SharedClient()
_stops = StopMemory()
# One request at a time per instance: the client's pacing window and stop flag are shared, and the
# deployment runs one instance with concurrency 1 anyway.
_request_lock = threading.Lock()


def answer_load_calls(payload: object, bigquery_client: Callable[[], Any]) -> RemoteReply:
    """`spotify_landing_load(landing_uri, lake_dataset, dry_run, owner)`: run the load step
    (`loader.load_landing` with the BigQuery warehouse) for each call and reply with its LoadSummary
    as JSON. A bad argument or an unreadable landing location is 400 (not retried: nothing was loaded
    twice, the next run loads what is still waiting)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("calls"), list):
        return _failure(400, 'request body must be a JSON object with a "calls" array')
    replies: list[str] = []
    for index, call in enumerate(payload["calls"]):
        if not (
            isinstance(call, list)
            and len(call) == 4
            and all(isinstance(arg, str) for arg in (call[0], call[1], call[3]))
            and isinstance(call[2], bool)
            and OWNER.fullmatch(call[3])
        ):
            return _failure(
                400, f"call {index} must be [landing_uri, lake_dataset, dry_run, owner], got {call!r:.80}"
            )
        landing_uri, dataset, dry_run, owner = call
        try:
            if not landing_uri.startswith("gs://"):
                raise BadInputError(f"landing_uri {landing_uri!r:.80} must be gs://BUCKET[/PREFIX]")
            warehouse = BigQueryWarehouse(bigquery_client(), dataset)
            replies.append(load_landing(landing_uri, warehouse, dry_run=dry_run, owner=owner).to_json())
        except (BadInputError, LandingError) as error:
            return _failure(400, str(error))
    return RemoteReply(200, {"replies": replies})


@functions_framework.http
def load_landing_remote(request: flask.Request) -> flask.Response:
    """Cloud Run function entry point of `spotify_landing_load` (--target load_landing_remote)."""
    from google.cloud import bigquery  # noqa: PLC0415

    try:
        with _request_lock:
            reply = answer_load_calls(request.get_json(silent=True), bigquery.Client)
    except Exception:
        logger.exception("load call crashed")
        reply = _failure(500, "internal error in the landing load function; see its logs")
    return flask.make_response(flask.jsonify(reply.body), reply.status)


@functions_framework.http
def enrich_artists_remote(request: flask.Request) -> flask.Response:
    """Cloud Run function entry point (functions-framework --target enrich_artists_remote)."""
    payload = request.get_json(silent=True)
    try:
        settings, client = _shared_client.get()
        with _request_lock:
            reply = answer_calls(payload, settings, client, _stops)
    except SettingsError as error:
        reply = _failure(502, f"function misconfigured: {error}")
    except Exception:
        # A 500 is retried by BigQuery: right for a transient fault, and the message stays generic
        # because an exception's text might carry request details.
        logger.exception("remote call crashed")
        reply = _failure(500, "internal error in the Spotify enrichment function; see its logs")
    return flask.make_response(flask.jsonify(reply.body), reply.status)
