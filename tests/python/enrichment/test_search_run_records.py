"""The account-data searches are a source of their own (`spotify_search`): every run that searched
leaves a run record and failure records (keyed by searchKey) through the same landing files and
ledger as the other sources; a failed search is asked again when due and given up after var
enrichment_max_attempts; a search run teaches the API regime memory nothing. Real dbt, DuckDB and
the Spotify emulator over HTTP (every API request answered 500)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import get_args

import yaml
from enrichment_helpers import Warehouse, base_environ, run_checked

from spotify_enrichment import runs
from spotify_enrichment.records import Source
from spotify_enrichment.track_search import search_key
from spotify_enrichment_dev.emulator_process import EmulatorProcess

PROJECT = Path(__file__).resolve().parents[3]
FAST_RETRIES = {"SPOTIFY_MAX_RETRIES": "1", "SPOTIFY_BACKOFF_SECONDS": "0.05"}
# Names with what JSON escapes (quote, backslash) and non-ASCII: the SQL searchKey must equal Python's.
PAIRS = [
    ('Say "Hi" \\ Again', "Ärtist Ünïcode"),
    ("Plain Song", "Plain Artist"),
    ("Jóga", "Björk"),
]
NO_BACKOFF = {"enrichment_retry_backoff_minutes": 0, "enrichment_max_attempts": 2}


def _account_history(tmp_path: Path) -> Path:
    export = tmp_path / "export"
    export.mkdir()
    rows = [
        {
            "endTime": f"2021-01-0{number + 1} 10:00",
            "artistName": artist,
            "trackName": track,
            "msPlayed": 1000,
        }
        for number, (track, artist) in enumerate(PAIRS)
    ]
    (export / "StreamingHistory_music_0.json").write_text(json.dumps(rows), encoding="utf-8")
    return export


def _search_runs(warehouse: Warehouse) -> list[tuple[object, ...]]:
    return warehouse.query(
        "select runId, requested, ok, failed, requests, apiRegime, clientKey, stopReason "
        "from lake.lake_enrichment__runs where source = 'spotify_search' order by endedAt"
    )


def _resolve(warehouse: Warehouse) -> object:
    return warehouse.dbt(
        "run-operation", "resolve_track_artists", vars={"landing_uri": warehouse.landing_uri, **NO_BACKOFF}
    )


def test_failing_searches_are_recorded_retried_and_given_up_and_teach_no_regime(
    tmp_path: Path, shared_data: Path
) -> None:
    warehouse = Warehouse(root=tmp_path / "wh", landing_uri=str(tmp_path / "wh" / "landing"))
    warehouse.root.mkdir()
    keys = sorted(search_key(track, artist) for track, artist in PAIRS)
    tracks_csv = shared_data / "history" / "recently_played_plays.csv"
    with EmulatorProcess(
        shared_data / "artists" / "artists.csv",
        quota="development",
        fail_every=1,
        fail_status=500,
        extra_args=["--tracks", str(tracks_csv)],
    ) as api:
        warehouse.env = {**base_environ(api), **FAST_RETRIES}
        run_checked(
            warehouse,
            "run-operation",
            "load_listening_history",
            "--args",
            json.dumps({"path": str(_account_history(tmp_path))}),
        )

        first = _resolve(warehouse)
        assert first.returncode != 0, "every search failed"
        assert f"every one of the {len(PAIRS)} searches asked failed" in first.output, first.output[-3000:]
        assert f"{len(PAIRS)} searches failed after retries" in first.output
        (run,) = _search_runs(warehouse)
        run_id, requested, ok, failed, requests, api_regime, client_key, stop_reason = run
        assert str(run_id).endswith(".search")
        assert (requested, ok, failed, stop_reason) == (len(PAIRS), 0, len(PAIRS), "all_failed")
        assert requests >= len(PAIRS) and client_key is not None
        assert api_regime is None, "search has no batch form: it learns no regime"
        failures = warehouse.query(
            "select itemId, reason from lake.lake_enrichment__failures where source = 'spotify_search' "
            "order by itemId"
        )
        assert [item for item, _ in failures] == keys
        assert all("HTTP 500" in reason for _, reason in failures)
        assert warehouse.query(
            "select count(*) from lake.lake_enrichment__runs where source != 'spotify_search'"
        ) == [(0,)]

        # Asked again (the backoff is due at once here), then given up after enrichment_max_attempts.
        api.reset_stats()
        second = _resolve(warehouse)
        assert second.returncode != 0
        assert api.stats()["by_kind"].get("search", 0) >= len(PAIRS)
        assert (
            f"{len(PAIRS)} spotify_search items failed 2 times (var enrichment_max_attempts)" in second.output
        )
        api.reset_stats()
        third = _resolve(warehouse)
        assert third.returncode == 0, str(third)
        assert "no account-data names to search" in third.output
        assert f"{len(PAIRS)} spotify_search items failed 2 times" in third.output
        assert api.stats()["requests_total"] == 0

        built = warehouse.dbt(
            "build", "--select", "lake_enrichment__stg_runs+", vars={"landing_uri": warehouse.landing_uri}
        )
        assert built.returncode == 0, str(built)
        # The accepted sources are rendered from the generated list: the new source passes the test.
        assert re.search(r"PASS accepted_values_lake_enrichment__stg_runs_source", built.output), built.output
    assert [row[-1] for row in _search_runs(warehouse)] == ["all_failed", "all_failed"]
    assert all(row[5] is None for row in _search_runs(warehouse))
    published = warehouse.query(
        "select source, stopReason, failed from hub.hub_music__svc_enrichment_runs order by source"
    )
    assert published == [("spotify_search", "all_failed", len(PAIRS))] * 2


def test_a_search_run_record_never_carries_an_api_regime() -> None:
    summary = {"requested": 1, "failed": 1, "api_regime": "single", "run_id": "run.search"}
    ended = runs.datetime.now(runs.UTC)
    assert runs.run_record("spotify_search", None, summary, ended_at=ended)["apiRegime"] is None
    assert runs.run_record("spotify_tracks", None, summary, ended_at=ended)["apiRegime"] == "single"


def test_the_source_list_is_written_once_in_records() -> None:
    contract = (PROJECT / "macros" / "generated" / "lake_contract.sql").read_text(encoding="utf-8")
    generated = re.search(r"macro enrichment_run_sources\(\) %\}\s*\{\{ return\((\[.*?\])\) \}\}", contract)
    assert generated is not None and json.loads(generated.group(1)) == list(get_args(Source))
    models = yaml.safe_load(
        (PROJECT / "models" / "lake" / "staging" / "enrichment" / "_lake_enrichment__models.yml").read_text()
    )
    (runs_model,) = [model for model in models["models"] if model["name"] == "lake_enrichment__stg_runs"]
    (source_column,) = [column for column in runs_model["columns"] if column["name"] == "source"]
    accepted = [test["accepted_values"] for test in source_column["data_tests"] if "accepted_values" in test]
    assert accepted == [{"arguments": {"values": "{{ spotify_enrichment.enrichment_run_sources() }}"}}]


def test_a_search_stopped_by_retry_after_holds_the_spotify_calls_back_with_its_own_record(
    tmp_path: Path, shared_data: Path
) -> None:
    warehouse = Warehouse(root=tmp_path / "wh", landing_uri=str(tmp_path / "wh" / "landing"))
    warehouse.root.mkdir()
    with EmulatorProcess(
        shared_data / "artists" / "artists.csv", quota="development", quota_exceeded_after=1, retry_after=3600
    ) as api:
        warehouse.env = base_environ(api)
        run_checked(
            warehouse,
            "run-operation",
            "load_listening_history",
            "--args",
            json.dumps({"path": str(_account_history(tmp_path))}),
        )
        stopped = _resolve(warehouse)
        assert stopped.returncode != 0, "a quota stop fails the run that met it"
        assert "the searches run stopped (quota)" in stopped.output, stopped.output[-3000:]
        (wait_until,) = warehouse.query(
            "select retryNotBefore from lake.lake_enrichment__runs where source = 'spotify_search'"
        )[0]
        assert wait_until is not None

        sent = api.stats()["requests_total"]
        waiting = _resolve(warehouse)
        assert waiting.returncode == 0, str(waiting)
        assert api.stats()["requests_total"] == sent, "nothing is sent before the time"
        assert "nothing was sent" in waiting.output
    rows = warehouse.query(
        "select source, stopReason, requested, retryNotBefore from lake.lake_enrichment__runs"
        " order by endedAt"
    )
    assert rows[-1] == ("spotify_search", "waiting", len(PAIRS) - 1, wait_until)
