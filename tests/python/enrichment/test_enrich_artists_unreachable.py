"""`enrich_artists` when Spotify dies, hangs or fails every request, over the real listening history
(../shared/data/history/recently_played_plays.csv: 14,842 plays of 1,323 artists) and the real
Spotify emulator; and when the landing location cannot be written or is shared by two warehouses."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import duckdb
import pytest
from enrichment_helpers import (
    DbtResult,
    Warehouse,
    artist_requests,
    base_environ,
    run_checked,
    summary_of,
    write_real_history,
)

from spotify_enrichment_dev.emulator_process import EmulatorProcess

HISTORY_ARTISTS = 1323


@pytest.fixture(scope="module")
def real_history(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real plays as the listening-history JSONL `load_listening_history` reads."""
    folder = tmp_path_factory.mktemp("real_history")
    return write_real_history(shared_data, folder / "listening_history.jsonl")


@pytest.fixture(scope="module")
def catalogues(shared_data: Path) -> list[Path]:
    """Both real artist files: the emulator knows some of the history's artists, the rest are 404."""
    return [shared_data / "artists" / "artists.csv", shared_data / "artists" / "artists_37k.csv"]


@pytest.fixture(scope="module")
def real_history_warehouse(
    real_history: Path,
    spotify_emulator: EmulatorProcess,
    tmp_path_factory: pytest.TempPathFactory,
) -> Warehouse:
    root = tmp_path_factory.mktemp("real_history_warehouse")
    warehouse = Warehouse(
        root=root,
        landing_uri=str(root / "landing"),
        env=base_environ(spotify_emulator),
    )
    run_checked(
        warehouse,
        "run-operation",
        "load_listening_history",
        "--args",
        json.dumps({"path": str(real_history)}),
    )
    assert (
        warehouse.scalar(
            "select count(distinct artistId) from lake.lake_spotify__normalized_listening_history"
        )
        == HISTORY_ARTISTS
    )
    return warehouse


@pytest.fixture
def warehouse(real_history_warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    return real_history_warehouse.copy_to(tmp_path / "warehouse")


def enrich_in_background(
    warehouse: Warehouse, **arguments: object
) -> tuple[threading.Thread, list[DbtResult]]:
    results: list[DbtResult] = []
    thread = threading.Thread(target=lambda: results.append(warehouse.enrich(**arguments)), daemon=True)
    thread.start()
    return thread, results


def test_spotify_killed_8s_into_a_development_backfill_stops_loads_what_came_and_a_rerun_asks_the_rest(
    warehouse: Warehouse, catalogues: list[Path]
) -> None:
    with EmulatorProcess(catalogues, quota="development", latency_ms=250) as emulator:
        warehouse.env.update(emulator.settings_environ())
        thread, results = enrich_in_background(warehouse, mode="backfill")
        deadline = time.monotonic() + 120
        while emulator.stats()["by_kind"].get("token", 0) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert thread.is_alive(), "the run ended before Spotify was killed"
        time.sleep(8)
        os.kill(emulator.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        thread.join(timeout=300)
        stopped_after = time.monotonic() - killed_at
    assert results, "dbt did not finish"
    result = results[0]
    assert result.returncode != 0, str(result)
    assert stopped_after < 60, f"dbt went on for {stopped_after:.0f} s after Spotify died"
    assert "the run stopped (unreachable): Spotify unreachable since " in result.output
    assert "check SPOTIFY_API_URL" in result.output
    assert "the answers fetched before the stop are loaded" in result.output
    summary = summary_of(result.output)
    answered = int(summary["ok"]) + int(summary["not_found"])
    assert 0 < answered < HISTORY_ARTISTS
    assert warehouse.enrichment_rows() == answered, "every answer fetched before the stop is loaded"
    loaded = warehouse.enriched_ids()

    with EmulatorProcess(catalogues, quota="development") as restarted:
        warehouse.env.update(restarted.settings_environ())
        rerun = warehouse.enrich(mode="backfill")
        asked_again = set(artist_requests(restarted))
    assert rerun.returncode == 0, str(rerun)
    assert len(asked_again) == HISTORY_ARTISTS - len(loaded)
    assert not asked_again & loaded, "the rerun asks only the artists not answered before"
    assert warehouse.enrichment_rows() == HISTORY_ARTISTS
    print(
        f"stopped {stopped_after:.1f} s after the kill, {answered} answers loaded, "
        f"rerun asked {len(asked_again)}"
    )


def test_token_endpoint_unreachable_fails_within_60s_with_0_rows_naming_the_accounts_url(
    warehouse: Warehouse, catalogues: list[Path]
) -> None:
    with EmulatorProcess(catalogues) as emulator:
        warehouse.env.update(emulator.settings_environ())
        emulator.stop()  # nothing listens on its port any more
        started = time.monotonic()
        result = warehouse.enrich(mode="backfill")
        elapsed = time.monotonic() - started
    assert result.returncode != 0, str(result)
    print(f"token endpoint unreachable: dbt failed after {elapsed:.1f} s")
    assert elapsed < 60, f"took {elapsed:.0f} s"
    assert "the run stopped (unreachable): Spotify unreachable since " in result.output
    assert "check SPOTIFY_ACCOUNTS_URL" in result.output
    assert warehouse.enrichment_rows() == 0


def test_a_run_in_which_every_artist_failed_never_exits_0(
    warehouse: Warehouse, catalogues: list[Path]
) -> None:
    with EmulatorProcess(catalogues, fail_every=1, fail_status=503) as emulator:
        warehouse.env.update(
            {**emulator.settings_environ(), "SPOTIFY_BACKOFF_SECONDS": "0.01", "SPOTIFY_MAX_RETRIES": "1"}
        )
        result = warehouse.enrich(mode="backfill", limit=100)
    assert result.returncode != 0, str(result)
    assert "the run stopped (all_failed): every one of the 100 artists asked failed" in result.output
    assert summary_of(result.output)["failed"] == "100"
    assert warehouse.enrichment_rows() == 0


def test_an_unwritable_landing_location_fails_before_any_request(
    warehouse: Warehouse, spotify_emulator: EmulatorProcess
) -> None:
    """`spotify` is a file where the landing folder needs a folder: no partial folder can be made (as
    root, the user these tests may run as, a read-only folder would still be writable)."""
    spotify_emulator.reset_stats()
    (warehouse.landing_dir / "spotify").write_text("not a folder\n", encoding="utf-8")
    result = warehouse.enrich(mode="backfill", limit=50)
    assert result.returncode != 0, str(result)
    assert f"the landing location {warehouse.landing_dir} is not writable" in result.output
    assert "nothing was asked from Spotify" in result.output
    assert spotify_emulator.stats()["requests_total"] == 0
    assert warehouse.enrichment_rows() == 0


def test_two_warehouses_sharing_one_landing_folder_started_in_the_same_second_both_load_every_answer(
    warehouse: Warehouse, catalogues: list[Path], tmp_path: Path
) -> None:
    second = warehouse.copy_to(tmp_path / "second")
    # A copy of a warehouse is the same warehouse; a second one has an identity of its own.
    with duckdb.connect(str(second.duckdb_path)) as connection:
        connection.execute("delete from lake.lake_enrichment__warehouse")
    shared_landing = str(tmp_path / "shared_landing")
    with EmulatorProcess(catalogues, latency_ms=100) as emulator:
        for each in (warehouse, second):
            each.env.update({**emulator.settings_environ(), "SPOTIFY_BATCH_CONCURRENCY": "2"})
        time.sleep(1 - time.time() % 1)
        runs = [
            enrich_in_background(each, mode="backfill", landing_uri=shared_landing)
            for each in (warehouse, second)
        ]
        for thread, _ in runs:
            thread.join(timeout=300)
    for _, results in runs:
        assert results and results[0].returncode == 0, str(results[0] if results else "dbt did not finish")
    for each in (warehouse, second):
        assert len(each.enriched_ids()) == HISTORY_ARTISTS, "every artist is enriched in both warehouses"
