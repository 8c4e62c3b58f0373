"""Ask MusicBrainz about Spotify artists; land the answers as `{ts}_{token}_{owner}_musicbrainz_artist.jsonl`.

`fetch_musicbrainz_to_landing(artist_ids, landing_uri, settings, *, run_id=None, owner=None)
    -> MusicBrainzSummary`
    The same landing path as the Spotify fetcher (`fetcher.fetch_to_landing`): malformed IDs are
    reported, never sent; partial files of crashed runs are landed first; artists whose answers wait in
    a landing file not loaded yet are not asked again; answers are flushed to the run's partial folder
    (created before the first request) and the landing file is written atomically at the end.
    Per URL lookup of up to `MAX_URLS_PER_REQUEST` Spotify artist URLs, each linked MusicBrainz artist is
    looked up once (`inc=genres+tags`); so a run sends about 1 + 1/100 requests per linked artist and
    1/100 per unlinked one. Outcomes: `ok`, `not_linked` (landed), `failed` (not landed: the next run
    asks again). A 403 (User-Agent blocked) stops the run (`stop_reason` "forbidden", exit 3); the
    run time limit (SPOTIFY_MAX_RUN_SECONDS) stops it too ("time_limit", exit 4)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from spotify_enrichment.artist_ids import split_artist_ids
from spotify_enrichment.contract import json_line
from spotify_enrichment.errors import (
    MusicBrainzForbiddenError,
    RequestFailedError,
    StopRequestedError,
    UnexpectedResponseError,
)
from spotify_enrichment.fetcher import (
    EXIT_AUTH,
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_UNREACHABLE,
    checked_run_id,
    start_partial,
)
from spotify_enrichment.landing import (
    PartialLanding,
    free_landing_name,
    landed_statuses,
    open_store,
    recover_partials,
)
from spotify_enrichment.musicbrainz_client import MAX_URLS_PER_REQUEST, MusicBrainzClient
from spotify_enrichment.records import MUSICBRAINZ_ARTIST, MusicBrainzRecord, MusicBrainzTag
from spotify_enrichment.run_summary import RunSummary
from spotify_enrichment.settings import Settings
from spotify_enrichment.transform import utc_timestamp

logger = logging.getLogger(__name__)

FLUSH_EVERY_SECONDS = 1.0
# URL lookups failing in a row, with no answer in the run, after which MusicBrainz counts as unreachable
# (each has had its retries): the run stops instead of failing every chunk the same way.
UNREACHABLE_AFTER_FAILED_LOOKUPS = 3
PROGRESS_EVERY_SECONDS = 5.0


@dataclass
class MusicBrainzSummary(RunSummary):
    """`RunSummary` with MusicBrainz's outcome `not_linked` and its 503 refusals (`refused`)."""

    not_linked: int = 0
    refused: int = 0

    NOT_FOUND_FIELD: ClassVar[str] = "not_linked"
    RATE_LIMITED_FIELD: ClassVar[str] = "refused"


def _by_votes(items: Any) -> list[MusicBrainzTag]:
    """Named votes (genres or tags) as `{name, count}`, most votes first, then by name."""
    votes = [
        MusicBrainzTag(name=item["name"], count=int(item.get("count") or 0))
        for item in items or []
        if isinstance(item, dict) and isinstance(item.get("name"), str)
    ]
    return sorted(votes, key=lambda vote: (-vote["count"], vote["name"]))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def artist_record(
    artist_id: str, artist: dict[str, Any], *, fetched_at: str, run_id: str
) -> MusicBrainzRecord:
    """The `ok` landing record of a Spotify artist linked to the MusicBrainz `artist` object."""
    life_span = artist.get("life-span") if isinstance(artist.get("life-span"), dict) else {}
    return MusicBrainzRecord(
        artistId=artist_id,
        musicbrainzId=artist["id"],
        status="ok",
        genres=[genre["name"] for genre in _by_votes(artist.get("genres"))],
        tags=_by_votes(artist.get("tags")),
        artistType=_text(artist.get("type")),
        country=_text(artist.get("country")),
        beginDate=_text(life_span.get("begin")),
        endDate=_text(life_span.get("end")),
        disambiguation=_text(artist.get("disambiguation")),
        fetchedAt=fetched_at,
        runId=run_id,
    )


def not_linked_record(artist_id: str, *, fetched_at: str, run_id: str) -> MusicBrainzRecord:
    return MusicBrainzRecord(
        artistId=artist_id,
        musicbrainzId=None,
        status="not_linked",
        genres=None,
        tags=None,
        artistType=None,
        country=None,
        beginDate=None,
        endDate=None,
        disambiguation=None,
        fetchedAt=fetched_at,
        runId=run_id,
    )


class _Run:
    """One pass over the worklist: URL lookups in chunks, then one artist lookup per linked MBID."""

    def __init__(
        self,
        client: MusicBrainzClient,
        partial: PartialLanding,
        summary: MusicBrainzSummary,
        progress: Callable[[MusicBrainzSummary], None] | None,
    ) -> None:
        self.client = client
        self.partial = partial
        self.summary = summary
        self.progress = progress
        self.lines: list[str] = []
        self.last_flush = time.monotonic()
        self.last_progress = time.monotonic()
        self.deadline = time.monotonic() + client.settings.max_run_seconds
        self.answered = 0
        self.failed_lookups_in_a_row = 0

    def land(self, record: MusicBrainzRecord) -> None:
        self.lines.append(json_line(MUSICBRAINZ_ARTIST, record))
        self.answered += 1
        if record["status"] == "ok":
            self.summary.ok += 1
        else:
            self.summary.not_linked += 1
        if time.monotonic() - self.last_flush >= FLUSH_EVERY_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            self.partial.append(self.lines)
            self.lines = []
        self.partial.heartbeat()
        self.last_flush = time.monotonic()
        if self.progress and time.monotonic() - self.last_progress >= PROGRESS_EVERY_SECONDS:
            self.last_progress = time.monotonic()
            self.progress(self.summary)

    def fail(self, artist_ids: Iterable[str], reason: str) -> None:
        for artist_id in artist_ids:
            self.answered += 1
            self.summary.failed += 1
            self.summary.failed_ids.append(artist_id)
            self.summary.failed_reasons[artist_id] = reason

    def execute(self, worklist: list[str]) -> None:
        chunks = [
            worklist[i : i + MAX_URLS_PER_REQUEST] for i in range(0, len(worklist), MAX_URLS_PER_REQUEST)
        ]
        for chunk in chunks:
            if time.monotonic() >= self.deadline:
                self.summary.stop_reason = "time_limit"
                self.summary.message = (
                    f"the run reached SPOTIFY_MAX_RUN_SECONDS={self.client.settings.max_run_seconds:g} and "
                    "stopped; answers fetched so far are kept; run again and only the rest is asked"
                )
                return
            if self.failed_lookups_in_a_row >= UNREACHABLE_AFTER_FAILED_LOOKUPS:
                self.summary.stop_reason = "unreachable"
                reason = next(iter(self.summary.failed_reasons.values()), "unknown")
                self.summary.message = (
                    f"MusicBrainz unreachable: {self.failed_lookups_in_a_row} URL lookups in a row failed "
                    f"after their retries (last: {reason}); check MUSICBRAINZ_API_URL "
                    f"({self.client.settings.musicbrainz_api_url}) and the network. Answers so far are kept; "
                    "a rerun asks only the rest"
                )
                logger.error("stopping the MusicBrainz run: %s", self.summary.message)
                return
            try:
                self._chunk(chunk)
            except MusicBrainzForbiddenError as error:
                self.summary.stop_reason = "forbidden"
                self.summary.message = str(error)
                logger.error("stopping the MusicBrainz run: %s", error)
                return
            self.flush()

    def _chunk(self, chunk: list[str]) -> None:
        run_id = self.summary.run_id
        try:
            links = self.client.links(chunk)
        except (RequestFailedError, UnexpectedResponseError) as error:
            logger.warning("%d artists failed, to be asked again next run: %s", len(chunk), error)
            self.fail(chunk, str(error))
            if not self.summary.ok + self.summary.not_linked:
                self.failed_lookups_in_a_row += 1
            return
        self.failed_lookups_in_a_row = 0
        by_mbid: dict[str, list[str]] = {}
        for artist_id in chunk:
            mbid = links[artist_id]
            if mbid is None:
                self.land(not_linked_record(artist_id, fetched_at=utc_timestamp(), run_id=run_id))
            else:
                by_mbid.setdefault(mbid, []).append(artist_id)
        for mbid, artist_ids in by_mbid.items():
            try:
                artist = self.client.artist(mbid)
            except (RequestFailedError, UnexpectedResponseError) as error:
                logger.warning("MusicBrainz artist %s failed, asked again next run: %s", mbid, error)
                self.fail(artist_ids, str(error))
                continue
            for artist_id in artist_ids:
                self.land(artist_record(artist_id, artist, fetched_at=utc_timestamp(), run_id=run_id))


def fetch_musicbrainz_to_landing(
    artist_ids: Iterable[str],
    landing_uri: str,
    settings: Settings,
    *,
    run_id: str | None = None,
    owner: str | None = None,
    progress: Callable[[MusicBrainzSummary], None] | None = None,
) -> MusicBrainzSummary:
    """Fetch from MusicBrainz and land (see the module docstring)."""
    started = time.monotonic()
    started_at = datetime.now(UTC)
    run_id = checked_run_id(run_id) if run_id else uuid.uuid4().hex
    split = split_artist_ids(artist_ids)
    store = open_store(landing_uri)
    recovered = recover_partials(store)
    waiting = landed_statuses(store, owner, MUSICBRAINZ_ARTIST)
    worklist = [artist_id for artist_id in split.valid if artist_id not in waiting]
    summary = MusicBrainzSummary(
        requested=len(split.valid),
        invalid=len(split.invalid),
        invalid_ids=list(split.invalid),
        recovered=len(split.valid) - len(worklist),
        recovered_files=[part.file for part in recovered if part.file],
        run_id=run_id,
        started_at=started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    for artist_id in split.valid:
        if artist_id in waiting:
            if waiting[artist_id] == "ok":
                summary.ok += 1
            else:
                summary.not_linked += 1
    partial = PartialLanding(store, free_landing_name(store, started_at, owner, MUSICBRAINZ_ARTIST), run_id)
    if worklist:
        start_partial(partial)
    with MusicBrainzClient(settings) as client:
        run = _Run(client, partial, summary, progress)
        try:
            run.execute(worklist)
        except StopRequestedError:
            summary.stop_reason = "stopped"
        finally:
            run.flush()
        summary.skipped = len(worklist) - run.answered
        summary.file = partial.finalize() if worklist else None
        summary.requests = client.stats.requests
        summary.refused = client.stats.refused
    summary.exit_code = _exit_code(summary)
    if not summary.message:
        summary.message = f"{summary.ok} ok, {summary.not_linked} not_linked landed" + (
            f"; {summary.failed} failed (asked again next run)" if summary.failed else ""
        )
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


def _exit_code(summary: MusicBrainzSummary) -> int:
    if summary.stop_reason == "forbidden":
        return EXIT_AUTH
    if summary.stop_reason == "unreachable":
        return EXIT_UNREACHABLE
    if summary.stop_reason is not None:
        return EXIT_STOPPED
    if summary.failed and not (summary.ok + summary.not_linked):
        summary.stop_reason = "all_failed"
        return EXIT_UNREACHABLE
    if summary.invalid:
        return EXIT_BAD_INPUT
    return EXIT_OK
