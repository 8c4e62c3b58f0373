"""Fetch Spotify artist objects for a list of artist IDs and land them as JSONL.

Public API (other modules code against this; keep it stable):

`fetch_to_landing(artist_ids, landing_uri, settings, *, run_id=None, progress=None, owner=None,
                 api_regime=None) -> FetchSummary`
    Validates and de-duplicates the IDs (malformed ones are reported by value, never sent),
    recovers partial files of crashed runs under `landing_uri` (their answers are landed), skips
    artists whose answers already wait in `spotify/landing/` (not loaded yet), fetches the rest
    (batch / single / auto per `settings.api_mode`; in auto, `api_regime="single"` from the run history
    sends no batch request, and with nothing known one batch request probes the endpoint before any
    other is sent), writes every answer to a partial file before the next request goes out (on GCS
    within `FLUSH_EVERY_SECONDS`) and finalizes it atomically as
    `{landing_uri}/spotify/landing/{YYYYMMDDTHHMMSSZ}_{token}_artist_enrichment.jsonl` (a random token
    per run: see `landing`). The partial folder and its run marker are created before the first
    request, so an unwritable landing location fails before anything is fetched.
    Never raises for Spotify trouble: auth failure, quota, an over-long Retry-After, Spotify
    unreachable (the run's circuit breaker, see `client.UnreachableBreaker`) or the run time limit
    (SPOTIFY_MAX_RUN_SECONDS) end the run with `stop_reason` and `exit_code` set and everything fetched
    so far landed. Raises `SettingsError`/`BadInputError` only for unusable arguments, `LandingError`
    when the store fails (naming the location).

`FetchSummary` (a `run_summary.RunSummary`): requested, ok, not_found, failed, invalid (counts), invalid_ids,
    failed_ids, failed_reasons ({id: reason}), skipped (not asked because the run stopped),
    recovered (artists not asked because an earlier run's answer waits in a landing file the loader
    has not taken yet, including partial files of crashed runs, which are landed first; they count
    in ok / not_found too), recovered_files (landing files made from crashed runs' partials), file (landing
    URI or None when nothing landed), seconds, api_mode ("batch" | "single", the mode the run ended
    in), stop_reason (None | "auth" | "quota" | "rate_limit" | "time_limit" | "unreachable" |
    "all_failed": nothing stopped the run but every artist it asked failed), retry_after_seconds,
    message, exit_code (0 done, 2 bad input (malformed IDs), 3 auth, 4 stopped by rate limit, quota or
    the run time limit, 5 Spotify unreachable or every artist asked failed), requests, rate_limited
    (count of 429 answers), run_id, started_at, api_regime (what the run knows at its end of the
    credentials' regime: "single", "batch" or None; `runs.run_record` stores it). `.to_json()` gives one
    JSON line (with `run`: the run record's counts).

`FetchProgress` (dataclass) passed to the `progress` callback: done, total, ok, not_found, failed,
    requests, rate_limited, seconds, artists_per_second, api_mode.

`fetch_artists(artist_ids, settings, *, client=None, run_id=None) -> FetchResult`
    The same fetching in memory, nothing landed (for the BigQuery remote function). Returns
    `FetchResult` with `outcomes: dict[artist_id, ArtistOutcome]` for every input value (valid or
    not), plus stop_reason / retry_after_seconds / message. `ArtistOutcome` has artist_id,
    status ("ok" | "not_found" | "failed" | "invalid" | "skipped"), record (LandingRecord for ok
    and not_found, else None), reason (for failed / invalid / skipped). `stop_reason` "quota" or
    "rate_limit" means Spotify throttled us (answer 429/503 and let the caller retry later);
    "auth" means credentials are wrong; "unreachable" and "time_limit" mean the run gave up (the
    artists not answered are "skipped"). Pass a long-lived `SpotifyClient(settings)` as `client` to
    reuse its token and connections across calls.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from spotify_enrichment.artist_ids import ArtistIdSplit, split_artist_ids
from spotify_enrichment.client import MAX_IDS_PER_BATCH, SpotifyClient, UnreachableBreaker
from spotify_enrichment.contract import RecordType, json_line
from spotify_enrichment.errors import (
    BadInputError,
    LandingError,
    RateLimitStop,
    RequestFailedError,
    RunTimeLimitStop,
    SpotifyAuthError,
    SpotifyForbiddenError,
    SpotifyRequestError,
    SpotifyUnreachableError,
    StopRequestedError,
    UnexpectedResponseError,
)
from spotify_enrichment.landing import (
    LocalStore,
    PartialLanding,
    free_landing_name,
    landed_statuses,
    open_store,
    recover_partials,
)
from spotify_enrichment.records import ARTIST_ENRICHMENT, RUN_ID_REGEX, ApiMode, LandingRecord
from spotify_enrichment.run_summary import RunSummary
from spotify_enrichment.settings import Settings
from spotify_enrichment.transform import (
    artist_to_record,
    not_found_record,
    utc_timestamp,
)

logger = logging.getLogger(__name__)

OutcomeStatus = Literal["ok", "not_found", "failed", "invalid", "skipped"]
StopReason = Literal["auth", "quota", "rate_limit", "time_limit", "unreachable", "all_failed"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_AUTH = 3
EXIT_STOPPED = 4
EXIT_UNREACHABLE = 5

# Answers reach the partial file before the scheduler sends the next request (a kill -9 then loses at
# most the requests in flight). A local folder takes one small write per answer; on GCS, where a write
# is an upload, answers are flushed at least every FLUSH_EVERY_SECONDS or FLUSH_EVERY_RECORDS answers.
FLUSH_EVERY_RECORDS = MAX_IDS_PER_BATCH
FLUSH_EVERY_SECONDS = 1.0
# The scheduler wakes at least this often (run time limit, flushes, heartbeat) even when no answer comes.
TICK_SECONDS = 1.0


@dataclass(frozen=True)
class ArtistOutcome:
    artist_id: str
    status: OutcomeStatus
    record: LandingRecord | None = None
    reason: str | None = None


@dataclass
class FetchProgress:
    done: int
    total: int
    ok: int
    not_found: int
    failed: int
    requests: int
    rate_limited: int
    seconds: float
    artists_per_second: float
    api_mode: ApiMode


@dataclass
class FetchResult:
    """In-memory result of `fetch_artists`: one outcome per distinct input value."""

    outcomes: dict[str, ArtistOutcome]
    api_mode: ApiMode
    stop_reason: StopReason | None = None
    retry_after_seconds: float | None = None
    message: str = ""
    requests: int = 0
    rate_limited: int = 0
    seconds: float = 0.0

    @property
    def throttled(self) -> bool:
        """Spotify rate-limited or quota-stopped the run: the caller should retry later."""
        return self.stop_reason in ("quota", "rate_limit")


@dataclass
class FetchSummary(RunSummary):
    not_found: int = 0
    api_mode: ApiMode = "batch"
    stop_reason: StopReason | None = None  # type: ignore[assignment]
    retry_after_seconds: float | None = None
    rate_limited: int = 0
    # What the run knows at its end of the credentials' API regime: "single" once the batch endpoint
    # was refused (or remembered so), "batch" once it answered; None when nothing was learned.
    api_regime: ApiMode | None = None


@dataclass(frozen=True)
class _Work:
    artist_ids: list[str]
    batch: bool


@dataclass
class _WorkDone:
    outcomes: list[ArtistOutcome] = field(default_factory=list)
    follow_up: list[_Work] = field(default_factory=list)
    stop: Exception | None = None


def _batches(artist_ids: list[str]) -> list[_Work]:
    return [
        _Work(artist_ids[start : start + MAX_IDS_PER_BATCH], batch=True)
        for start in range(0, len(artist_ids), MAX_IDS_PER_BATCH)
    ]


def _singles(artist_ids: Iterable[str]) -> list[_Work]:
    return [_Work([artist_id], batch=False) for artist_id in artist_ids]


class _FetchRun:
    """One pass over a work list with a pool of worker threads; the caller's thread schedules work,
    receives outcomes (`on_outcomes`) and reports progress. A subclass fetching another resource of
    the Web API (tracks) names it and overrides `_get_several`, `_get_one` and `_record`."""

    RESOURCE = "artists"  # the Web API path: GET /{RESOURCE}?ids=, GET /{RESOURCE}/{id}
    ITEM = "artist"
    ITEMS = "artists"  # what the run's messages call its items
    NOT_FOUND_STATUSES: frozenset[int] = frozenset({404})

    def __init__(
        self,
        client: SpotifyClient,
        run_id: str,
        on_outcomes: Callable[[list[ArtistOutcome]], None],
        progress: Callable[[FetchProgress], None] | None,
        *,
        started: float | None = None,
        on_tick: Callable[[], None] | None = None,
        api_regime: ApiMode | None = None,
    ) -> None:
        self.client = client
        self.settings = client.settings
        self.run_id = run_id
        self.on_outcomes = on_outcomes
        self.progress = progress
        self.on_tick = on_tick
        # `api_regime`: what earlier runs learned about these credentials. In auto mode with nothing
        # known, one batch request probes the endpoint before any other is sent.
        auto = self.settings.api_mode == "auto"
        remembered_single = auto and api_regime == "single"
        self.api_mode: ApiMode = (
            "single" if self.settings.api_mode == "single" or remembered_single else "batch"
        )
        self.api_regime: ApiMode | None = api_regime if auto else None
        self._mode_lock = threading.Lock()
        self.stop_error: Exception | None = None
        # Per run, so runs sharing one client neither stop each other nor inherit a tripped breaker.
        self.stop = threading.Event()
        self.breaker = UnreachableBreaker(self.settings)
        self.counts = {"ok": 0, "not_found": 0, "failed": 0, "skipped": 0}
        self.total = 0
        self.started = time.monotonic()
        self.deadline = (self.started if started is None else started) + self.settings.max_run_seconds

    # --- worker side -------------------------------------------------------------------------

    def _switch_to_single(self) -> None:
        with self._mode_lock:
            self.api_regime = "single"
            if self.api_mode == "single":
                return
            self.api_mode = "single"
        logger.warning(
            "GET /%s?ids= answered 403 (batch endpoint closed to Development Mode apps): "
            "switching to single-%s calls for the rest of this run",
            self.RESOURCE,
            self.ITEM,
        )

    def _get_several(self, ids: list[str]) -> list[Any]:
        return self.client.get_several_artists(ids, stop=self.stop, breaker=self.breaker)

    def _get_one(self, item_id: str) -> Any:
        return self.client.get_artist(item_id, stop=self.stop, breaker=self.breaker)

    def _record(self, artist_id: str, artist: object, api_mode: ApiMode) -> ArtistOutcome:
        enriched_at = utc_timestamp()
        if artist is None:
            record = not_found_record(
                artist_id=artist_id, enriched_at=enriched_at, api_mode=api_mode, run_id=self.run_id
            )
            return ArtistOutcome(artist_id, "not_found", record)
        try:
            record = artist_to_record(
                artist, artist_id=artist_id, enriched_at=enriched_at, api_mode=api_mode, run_id=self.run_id
            )
        except UnexpectedResponseError as error:
            return ArtistOutcome(artist_id, "failed", reason=str(error))
        return ArtistOutcome(artist_id, "ok", record)

    def _process(self, work: _Work) -> _WorkDone:
        try:
            if work.batch:
                return self._process_batch(work)
            return self._process_single(work.artist_ids[0])
        except (RateLimitStop, SpotifyAuthError, SpotifyUnreachableError) as error:
            return _WorkDone(stop=error)
        except StopRequestedError:
            return _WorkDone(
                outcomes=[ArtistOutcome(i, "skipped", reason="run stopped") for i in work.artist_ids]
            )
        except (RequestFailedError, UnexpectedResponseError) as error:
            logger.warning("%d artists failed, to be asked again next run: %s", len(work.artist_ids), error)
            return _WorkDone(
                outcomes=[ArtistOutcome(i, "failed", reason=str(error)) for i in work.artist_ids]
            )
        except Exception as error:  # a bug must not lose the other answers of the run
            logger.exception("unexpected error while fetching %d artists", len(work.artist_ids))
            reason = f"internal error: {type(error).__name__}: {error}"
            return _WorkDone(outcomes=[ArtistOutcome(i, "failed", reason=reason) for i in work.artist_ids])

    def _process_batch(self, work: _Work) -> _WorkDone:
        ids = work.artist_ids
        try:
            artists = self._get_several(ids)
        except SpotifyRequestError as error:
            if error.status == 403:
                if self.settings.api_mode == "auto":
                    self._switch_to_single()
                    return _WorkDone(follow_up=_singles(ids))
                raise SpotifyForbiddenError(
                    f"GET /{self.RESOURCE}?ids= answered 403 ({error.api_message}); this app may not use "
                    "the batch endpoint (Development Mode): set SPOTIFY_API_MODE=auto or single"
                ) from None
            if error.status == 400 and len(ids) > 1:
                middle = len(ids) // 2
                logger.info(
                    "batch of %d answered 400 (%s): splitting to find the ID", len(ids), error.api_message
                )
                return _WorkDone(follow_up=[_Work(ids[:middle], True), _Work(ids[middle:], True)])
            return _WorkDone(outcomes=[ArtistOutcome(i, "failed", reason=str(error)) for i in ids])
        if self.api_regime is None:
            self.api_regime = "batch"
        return _WorkDone(
            outcomes=[self._record(i, artist, "batch") for i, artist in zip(ids, artists, strict=True)]
        )

    def _process_single(self, artist_id: str) -> _WorkDone:
        try:
            artist = self._get_one(artist_id)
        except SpotifyRequestError as error:
            if error.status in self.NOT_FOUND_STATUSES:
                return _WorkDone(outcomes=[self._record(artist_id, None, "single")])
            if error.status == 403:
                raise SpotifyForbiddenError(
                    f"GET /{self.RESOURCE}/{{id}} answered 403 ({error.api_message}); check that the app "
                    "behind SPOTIFY_CLIENT_ID may use the Web API"
                ) from None
            return _WorkDone(outcomes=[ArtistOutcome(artist_id, "failed", reason=str(error))])
        return _WorkDone(outcomes=[self._record(artist_id, artist, "single")])

    # --- scheduler side ----------------------------------------------------------------------

    def _report_progress(self) -> None:
        if self.progress is None:
            return
        seconds = time.monotonic() - self.started
        done = self.counts["ok"] + self.counts["not_found"] + self.counts["failed"]
        stats = self.client.stats
        self.progress(
            FetchProgress(
                done=done,
                total=self.total,
                ok=self.counts["ok"],
                not_found=self.counts["not_found"],
                failed=self.counts["failed"],
                requests=stats.requests,
                rate_limited=stats.rate_limited,
                seconds=seconds,
                artists_per_second=done / seconds if seconds > 0 else 0.0,
                api_mode=self.api_mode,
            )
        )

    def _deliver(self, outcomes: list[ArtistOutcome]) -> None:
        for outcome in outcomes:
            self.counts[outcome.status] += 1
        self.on_outcomes(outcomes)

    def _in_flight_limit(self) -> int:
        if self.api_mode == "single":
            return self.settings.concurrency
        if self.settings.api_mode == "auto" and self.api_regime is None:
            return 1  # the probe: the rest wait for its answer
        return self.settings.batch_concurrency

    def execute(self, artist_ids: list[str]) -> None:
        self.total = len(artist_ids)
        if not artist_ids:
            return
        self._schedule(artist_ids)
        self._report_progress()

    def _schedule(self, artist_ids: list[str]) -> None:
        pending: deque[_Work] = deque(
            _singles(artist_ids) if self.api_mode == "single" else _batches(artist_ids)
        )
        workers = max(self.settings.concurrency, self.settings.batch_concurrency)
        in_flight: dict[Future[_WorkDone], _Work] = {}
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="spotify-fetch") as executor:
            try:
                self._run_pending(executor, pending, in_flight)
            except BaseException:
                # Ctrl-C, SIGTERM or a failing landing store: requests in flight end, no retry waits.
                self.stop.set()
                raise

    def _run_pending(
        self,
        executor: ThreadPoolExecutor,
        pending: deque[_Work],
        in_flight: dict[Future[_WorkDone], _Work],
    ) -> None:
        while pending or in_flight:
            self._check_deadline()
            while pending and self.stop_error is None and len(in_flight) < self._in_flight_limit():
                work = pending.popleft()
                if work.batch and self.api_mode == "single":
                    pending.extendleft(reversed(_singles(work.artist_ids)))
                    continue
                in_flight[executor.submit(self._process, work)] = work
            if self.stop_error is not None and pending:
                skipped = [i for work in pending for i in work.artist_ids]
                pending.clear()
                self._deliver([ArtistOutcome(i, "skipped", reason="run stopped") for i in skipped])
            if not in_flight:
                break
            timeout = min(TICK_SECONDS, max(self.deadline - time.monotonic(), 0.01))
            done, _ = wait(in_flight, timeout=timeout, return_when=FIRST_COMPLETED)
            for future in done:
                work = in_flight.pop(future)
                result = future.result()
                if result.stop is not None:
                    self._stop_with(result.stop)
                    result.outcomes = [
                        ArtistOutcome(i, "skipped", reason="run stopped") for i in work.artist_ids
                    ]
                pending.extendleft(reversed(result.follow_up))
                if result.outcomes:
                    self._deliver(result.outcomes)
            if self.on_tick is not None:
                self.on_tick()
            self._report_progress()

    def _stop_with(self, error: Exception) -> None:
        """The first stop condition wins; requests in flight end, retry and pacing waits end at once."""
        if self.stop_error is None:
            self.stop_error = error
            self.stop.set()
            logger.warning("stopping the run: %s", error)

    def _check_deadline(self) -> None:
        if self.stop_error is None and time.monotonic() >= self.deadline:
            limit = self.settings.max_run_seconds
            self._stop_with(
                RunTimeLimitStop(
                    f"the run reached SPOTIFY_MAX_RUN_SECONDS={limit:g} and stopped; answers fetched so far "
                    "are kept; run again and only the rest is asked"
                )
            )

    @property
    def stop_reason(self) -> StopReason | None:
        if isinstance(self.stop_error, RateLimitStop):
            return "quota" if self.stop_error.quota_exceeded else "rate_limit"
        if isinstance(self.stop_error, SpotifyAuthError):
            return "auth"
        if isinstance(self.stop_error, SpotifyUnreachableError):
            return "unreachable"
        if isinstance(self.stop_error, RunTimeLimitStop):
            return "time_limit"
        return None

    @property
    def retry_after_seconds(self) -> float | None:
        return self.stop_error.retry_after_seconds if isinstance(self.stop_error, RateLimitStop) else None


RUN_ID_PATTERN = re.compile(RUN_ID_REGEX)


def checked_run_id(run_id: str | None) -> str:
    """A caller's run ID (it lands in every line and the warehouse), or a new UUID."""
    if run_id is None:
        return uuid.uuid4().hex
    if not RUN_ID_PATTERN.fullmatch(run_id):
        raise BadInputError(f"run_id {run_id!r} must be 1-128 characters of A-Z a-z 0-9 _ . : -")
    return run_id


def fetch_artists(
    artist_ids: Iterable[str],
    settings: Settings,
    *,
    client: SpotifyClient | None = None,
    run_id: str | None = None,
    progress: Callable[[FetchProgress], None] | None = None,
) -> FetchResult:
    """Fetch in memory, land nothing (see the module docstring)."""
    raw = list(artist_ids)
    split = split_artist_ids(raw)
    outcomes: dict[str, ArtistOutcome] = {
        value: ArtistOutcome(value, "invalid", reason="not a Spotify artist ID (22 base62 characters)")
        for value in split.invalid
    }
    own_client = client is None
    client = client or SpotifyClient(settings)
    requests_before, rate_limited_before = client.stats.requests, client.stats.rate_limited

    def keep(batch: list[ArtistOutcome]) -> None:
        for outcome in batch:
            outcomes[outcome.artist_id] = outcome

    run = _FetchRun(client, checked_run_id(run_id), keep, progress)
    try:
        run.execute(split.valid)
    finally:
        if own_client:
            client.close()
    return FetchResult(
        outcomes=outcomes,
        api_mode=run.api_mode,
        stop_reason=run.stop_reason,
        retry_after_seconds=run.retry_after_seconds,
        message=str(run.stop_error) if run.stop_error else "",
        requests=client.stats.requests - requests_before,
        rate_limited=client.stats.rate_limited - rate_limited_before,
        seconds=time.monotonic() - run.started,
    )


class _LandingBuffer:
    """Collects landing lines and flushes them to the partial file: at once for a local folder, every
    few answers or within `FLUSH_EVERY_SECONDS` on object storage (`flush_due`, called on every tick)."""

    def __init__(self, partial: PartialLanding, record_type: RecordType = ARTIST_ENRICHMENT) -> None:
        self.partial = partial
        self.record_type = record_type
        self.lines: list[str] = []
        self.last_flush = time.monotonic()
        self.max_delay = 0.0 if isinstance(partial.store, LocalStore) else FLUSH_EVERY_SECONDS

    def add(self, outcomes: list[ArtistOutcome]) -> None:
        self.lines.extend(json_line(self.record_type, o.record) for o in outcomes if o.record is not None)
        if len(self.lines) >= FLUSH_EVERY_RECORDS:
            self.flush()
        else:
            self.flush_due()

    def flush_due(self) -> None:
        if self.lines and time.monotonic() - self.last_flush >= self.max_delay:
            self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        self.partial.append(self.lines)
        self.lines = []
        self.last_flush = time.monotonic()


def fetch_to_landing(
    artist_ids: Iterable[str],
    landing_uri: str,
    settings: Settings,
    *,
    run_id: str | None = None,
    progress: Callable[[FetchProgress], None] | None = None,
    owner: str | None = None,
    api_regime: ApiMode | None = None,
    record_type: RecordType = ARTIST_ENRICHMENT,
    run_class: Callable[..., _FetchRun] = _FetchRun,
    split: Callable[[Iterable[str]], ArtistIdSplit] = split_artist_ids,
) -> FetchSummary:
    """Fetch and land (see the module docstring). `owner` names the warehouse in the landing file's
    name, so warehouses that share a landing location leave each other's files alone. `api_regime`
    is what earlier runs learned of these credentials (`single`: no batch request is sent). Another
    resource (tracks: `track_resolution`, searches: `track_search`) passes its record type, its
    `_FetchRun` subclass and, when its items are not Spotify IDs, how to tell the valid ones (`split`)."""
    started = time.monotonic()
    started_at = datetime.now(UTC)
    run_id = checked_run_id(run_id)
    split_ids = split(artist_ids)
    if split_ids.invalid:
        shown = ", ".join(repr(value) for value in split_ids.invalid[:20])
        more = f" and {len(split_ids.invalid) - 20} more" if len(split_ids.invalid) > 20 else ""
        logger.warning("%d malformed items are not sent: %s%s", len(split_ids.invalid), shown, more)
    store = open_store(landing_uri)
    recovered = recover_partials(store)
    recovered_status = landed_statuses(store, owner, record_type)
    worklist = [artist_id for artist_id in split_ids.valid if artist_id not in recovered_status]
    recovered_here = [artist_id for artist_id in split_ids.valid if artist_id in recovered_status]
    if recovered_here:
        logger.info(
            "%d artists already have answers in landing files not loaded yet; not asking again",
            len(recovered_here),
        )

    summary = FetchSummary(
        requested=len(split_ids.valid),
        invalid=len(split_ids.invalid),
        invalid_ids=list(split_ids.invalid),
        recovered=len(recovered_here),
        recovered_files=[part.file for part in recovered if part.file],
        run_id=run_id,
        started_at=started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    for artist_id in recovered_here:
        if recovered_status[artist_id] != "not_found":
            summary.ok += 1
        else:
            summary.not_found += 1

    partial = PartialLanding(store, free_landing_name(store, started_at, owner, record_type), run_id)
    if worklist:
        start_partial(partial)
    buffer = _LandingBuffer(partial, record_type)

    def land(outcomes: list[ArtistOutcome]) -> None:
        buffer.add(outcomes)
        for outcome in outcomes:
            if outcome.status == "failed":
                summary.failed_ids.append(outcome.artist_id)
                summary.failed_reasons[outcome.artist_id] = outcome.reason or "unknown"

    with SpotifyClient(settings) as client:

        def tick() -> None:
            buffer.flush_due()
            partial.heartbeat()

        run = run_class(client, run_id, land, progress, started=started, on_tick=tick, api_regime=api_regime)
        try:
            run.execute(worklist)
        finally:
            buffer.flush()
        summary.file = partial.finalize() if worklist else None
    _complete(summary, run)
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


def _complete(summary: FetchSummary, run: _FetchRun) -> None:
    """Add the run's counts to the summary (which already counts the recovered answers) and judge it."""
    summary.ok += run.counts["ok"]
    summary.not_found += run.counts["not_found"]
    summary.failed = run.counts["failed"]
    summary.skipped = run.counts["skipped"]
    summary.api_mode = run.api_mode
    summary.api_regime = run.api_regime
    summary.stop_reason = run.stop_reason
    summary.retry_after_seconds = run.retry_after_seconds
    summary.requests = run.client.stats.requests
    summary.rate_limited = run.client.stats.rate_limited
    answered = run.counts["ok"] + run.counts["not_found"]
    if summary.stop_reason is None and summary.failed and not answered:
        summary.stop_reason = "all_failed"
    summary.exit_code, summary.message = _verdict(summary, run.stop_error, run.ITEMS)


def start_partial(partial: PartialLanding) -> None:
    """Create the run's partial folder and marker before the first request: answers are never fetched
    for a location they cannot be written to."""
    try:
        partial.start()
    except LandingError as error:
        raise LandingError(
            f"the landing location {partial.store.root_uri} is not writable ({error}); nothing was asked "
            "from Spotify: make it writable or pass another landing URI"
        ) from error


def _verdict(summary: FetchSummary, stop_error: Exception | None, items: str = "artists") -> tuple[int, str]:
    landed = f"{summary.ok} ok, {summary.not_found} not_found landed"
    if summary.failed:
        landed += f"; {summary.failed} failed (asked again next run)"
    if summary.invalid:
        shown = ", ".join(summary.invalid_ids[:5]) + (" ..." if summary.invalid > 5 else "")
        landed += f"; {summary.invalid} malformed IDs not sent: {shown}"
    if summary.stop_reason == "auth":
        return EXIT_AUTH, f"{stop_error} ({landed}; {summary.skipped} not asked)"
    if summary.stop_reason == "unreachable":
        return EXIT_UNREACHABLE, f"{stop_error} ({landed}; {summary.skipped} not asked yet)"
    if summary.stop_reason == "all_failed":
        reason = next(iter(summary.failed_reasons.values()), "unknown")
        return EXIT_UNREACHABLE, (
            f"every one of the {summary.failed} {items} asked failed, none was answered (for example: "
            f"{reason}); check SPOTIFY_API_URL and SPOTIFY_ACCOUNTS_URL ({landed})"
        )
    if summary.stop_reason is not None:
        return EXIT_STOPPED, f"{stop_error} ({landed}; {summary.skipped} not asked yet)"
    if summary.invalid:
        return EXIT_BAD_INPUT, landed
    return EXIT_OK, landed
