"""One run-record writer for every source: `FetchSummary` and `MusicBrainzSummary` share `RunSummary`,
and `runs.run_record` takes either, as the object or as the JSON the dbt macros pass on."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime

from spotify_enrichment.fetcher import FetchSummary
from spotify_enrichment.musicbrainz_fetcher import MusicBrainzSummary
from spotify_enrichment.run_summary import RunSummary
from spotify_enrichment.runs import failure_records, run_record, summary_counts

ENDED = datetime(2026, 12, 2, 12, 0, 0, tzinfo=UTC)


def test_both_summaries_have_the_shared_counters_once() -> None:
    shared = {field.name for field in fields(RunSummary)}
    assert shared <= {field.name for field in fields(FetchSummary)}
    assert shared <= {field.name for field in fields(MusicBrainzSummary)}
    assert {field.name for field in fields(MusicBrainzSummary)} - shared == {"not_linked", "refused"}


def test_a_musicbrainz_summary_becomes_a_run_record_as_object_and_as_json() -> None:
    summary = MusicBrainzSummary(
        requested=12,
        ok=7,
        not_linked=3,
        failed=2,
        requests=9,
        refused=4,
        stop_reason="forbidden",
        message="MusicBrainz answered 403: set MUSICBRAINZ_USER_AGENT",
        run_id="run-mb",
        started_at="2026-12-02T11:58:00Z",
        failed_reasons={"0" * 22: "HTTP 500", "1" * 22: "HTTP 502"},
    )
    from_object = run_record("musicbrainz", "incremental", summary, ended_at=ENDED, rows_loaded=10)
    from_json = run_record(
        "musicbrainz", "incremental", json.loads(summary.to_json()), ended_at=ENDED, rows_loaded=10
    )
    assert from_object == from_json
    assert (from_object["not_found"], from_object["rateLimited"], from_object["failed"]) == (3, 4, 2)
    assert (from_object["stopReason"], from_object["apiMode"], from_object["retryNotBefore"]) == (
        "forbidden",
        None,
        None,
    ), "a MusicBrainz 503 is no Retry-After of hours: nothing to wait for"
    assert from_object["startedAt"] == "2026-12-02T11:58:00Z"
    reasons = summary_counts(json.loads(summary.to_json()))["failed_reasons"]
    failures = failure_records("musicbrainz", "run-mb", reasons, failed_at=ENDED)
    assert [(f["itemId"], f["reason"]) for f in failures] == [("0" * 22, "HTTP 500"), ("1" * 22, "HTTP 502")]


def test_a_track_summary_is_a_fetch_summary_with_its_retry_after() -> None:
    summary = FetchSummary(
        requested=5, ok=2, not_found=1, rate_limited=3, retry_after_seconds=600, run_id="r.tracks"
    )
    record = run_record("spotify_tracks", None, json.loads(summary.to_json()), ended_at=ENDED)
    assert (record["not_found"], record["rateLimited"], record["retryNotBefore"]) == (
        1,
        3,
        "2026-12-02T12:10:00Z",
    )
    assert record["runId"] == "r.tracks" and record["mode"] is None
