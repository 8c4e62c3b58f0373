"""The run record and failure records any source's fetcher makes from its summary."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spotify_enrichment.contract import line_error
from spotify_enrichment.errors import BadInputError
from spotify_enrichment.fetcher import FetchSummary
from spotify_enrichment.records import ENRICHMENT_FAILURES, ENRICHMENT_RUNS
from spotify_enrichment.runs import client_key, failure_records, run_record

ENDED = datetime(2026, 12, 2, 12, 0, 0, tzinfo=UTC)


def test_a_stopped_fetch_summary_becomes_a_run_record_with_its_retry_time() -> None:
    summary = FetchSummary(
        requested=300,
        ok=159,
        requests=165,
        rate_limited=5,
        api_mode="single",
        api_regime="single",
        stop_reason="rate_limit",
        retry_after_seconds=3600,
        message="Retry-After 3600 s",
        run_id="run-1",
        started_at="2026-12-02T11:59:00Z",
    )
    record = run_record("spotify", "backfill", vars(summary), ended_at=ENDED, rows_loaded=159)
    assert line_error(ENRICHMENT_RUNS, dict(record)) is None
    assert record["retryNotBefore"] == "2026-12-02T13:00:00Z", "a planned time may be far ahead"
    assert (record["requests"], record["rateLimited"], record["apiRegime"]) == (165, 5, "single")
    assert (record["startedAt"], record["endedAt"]) == ("2026-12-02T11:59:00Z", "2026-12-02T12:00:00Z")


def test_a_run_that_could_not_start_still_has_a_record() -> None:
    summary = {
        "requested": 3,
        "stop_reason": "settings",
        "message": "SPOTIFY_CLIENT_ID is not set",
        "run_id": "run-2",
    }
    record = run_record("musicbrainz", "incremental", summary, ended_at=ENDED)
    assert (record["ok"], record["requests"], record["stopReason"]) == (0, 0, "settings")


def test_unknown_sources_and_bad_counts_are_refused_by_name() -> None:
    with pytest.raises(BadInputError, match="source 'lastfm' is not one of spotify, musicbrainz"):
        run_record("lastfm", None, {"run_id": "r"}, ended_at=ENDED)
    with pytest.raises(BadInputError, match="requested must be a whole number"):
        run_record("spotify", None, {"run_id": "r", "requested": -1}, ended_at=ENDED)


def test_failed_items_become_failure_records() -> None:
    records = failure_records(
        "spotify_tracks", "run-3", {"4uLU6hMCjMI75M1A2tKUQC": "HTTP 500"}, failed_at=ENDED
    )
    assert records == [
        {
            "source": "spotify_tracks",
            "itemId": "4uLU6hMCjMI75M1A2tKUQC",
            "runId": "run-3",
            "failedAt": "2026-12-02T12:00:00Z",
            "reason": "HTTP 500",
        }
    ]
    assert line_error(ENRICHMENT_FAILURES, records[0]) is None


def test_the_client_key_names_the_client_id_without_holding_it() -> None:
    key = client_key("my-client-id")
    assert len(key) == 16 and "my-client-id" not in key
    assert key == client_key("my-client-id") != client_key("other-client-id")
