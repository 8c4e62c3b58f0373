"""Every source's run is in the run history, not only Spotify's artists: track resolution
(`spotify_tracks`) and MusicBrainz write their run and failure records through the same landing files
and ledger, resume-after holds per source (Spotify's artist and track calls share the app's quota),
and failing tracks / MusicBrainz artists are asked again by the next run, whatever lookback_days says,
until var enrichment_max_attempts. Real dbt, DuckDB and the emulators over HTTP."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from enrichment_helpers import Warehouse, base_environ, run_checked

from spotify_enrichment_dev.emulator_process import EmulatorProcess, MusicBrainzEmulatorProcess

FAST_RETRIES = {"SPOTIFY_MAX_RETRIES": "2", "SPOTIFY_BACKOFF_SECONDS": "0.05"}
TRACKS = 30
FAILING_TRACKS = 5
RUN_COLUMNS = (
    "source, mode, requested, ok, not_found, failed, requests, apiMode, stopReason, retryNotBefore, "
    "landingFile, rowsLoaded"
)


@pytest.fixture(scope="module")
def tracks_csv(shared_data: Path) -> Path:
    return shared_data / "history" / "recently_played_plays.csv"


@pytest.fixture(scope="module")
def track_ids(tracks_csv: Path) -> list[str]:
    with tracks_csv.open(encoding="utf-8", newline="") as handle:
        return list(dict.fromkeys(row["track_id"] for row in csv.DictReader(handle)))[:TRACKS]


@pytest.fixture
def export_warehouse(tmp_path: Path, track_ids: list[str]) -> Warehouse:
    """A history of plays without artist IDs (as Spotify's data export gives them), a year old."""
    history = tmp_path / "history.jsonl"
    year_ago = datetime.now(UTC) - timedelta(days=365)
    with history.open("w", encoding="utf-8") as handle:
        for number, track_id in enumerate(track_ids):
            play = {
                "playedAt": (year_ago + timedelta(minutes=number)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "trackId": track_id,
                "trackName": f"Track {number}",
                "msPlayed": 180000,
                "artistId": None,
                "artistName": None,
            }
            handle.write(json.dumps(play) + "\n")
    warehouse = Warehouse(root=tmp_path / "wh", landing_uri=str(tmp_path / "wh" / "landing"))
    warehouse.root.mkdir()
    with EmulatorProcess() as idle:
        warehouse.env = base_environ(idle)
        run_checked(
            warehouse, "run-operation", "load_listening_history", "--args", json.dumps({"path": str(history)})
        )
    return warehouse


def _runs(warehouse: Warehouse, source: str) -> list[dict[str, object]]:
    names = [name.strip() for name in RUN_COLUMNS.split(",")]
    rows = warehouse.query(
        "select " + RUN_COLUMNS + " from lake.lake_enrichment__runs where source = ? order by endedAt",  # noqa: S608 - a constant
        [source],
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def _failures(warehouse: Warehouse, source: str) -> list[tuple[str, str]]:
    return warehouse.query(
        "select itemId, reason from lake.lake_enrichment__failures where source = ? order by itemId", [source]
    )


def _resolve(warehouse: Warehouse, **variables: object) -> object:
    return warehouse.dbt(
        "run-operation", "resolve_track_artists", vars={"landing_uri": warehouse.landing_uri, **variables}
    )


def test_failing_tracks_are_recorded_retried_with_backoff_and_reported_after_n_attempts(
    export_warehouse: Warehouse, track_ids: list[str], tracks_csv: Path, shared_data: Path
) -> None:
    failing = track_ids[-FAILING_TRACKS:]
    artists = shared_data / "artists" / "artists.csv"
    no_backoff = {"enrichment_retry_backoff_minutes": 0, "enrichment_max_attempts": 2}
    with EmulatorProcess(
        artists, quota="development", fail_ids=failing, extra_args=["--tracks", str(tracks_csv)]
    ) as api:
        export_warehouse.env = {**base_environ(api), **FAST_RETRIES}
        first = export_warehouse.enrich(mode="backfill")
        assert first.returncode == 0, str(first)
        assert f"{FAILING_TRACKS} tracks failed after retries" in first.output
        (run,) = _runs(export_warehouse, "spotify_tracks")
        assert run["requested"] == TRACKS and run["ok"] == TRACKS - FAILING_TRACKS
        assert (run["failed"], run["apiMode"], run["stopReason"], run["mode"]) == (
            FAILING_TRACKS,
            "single",
            None,
            None,
        )
        assert run["rowsLoaded"] == TRACKS - FAILING_TRACKS
        assert run["requests"] >= TRACKS and "/spotify/archive/" in str(run["landingFile"])
        failures = _failures(export_warehouse, "spotify_tracks")
        assert [item for item, _ in failures] == sorted(failing)
        assert all("HTTP 500" in reason for _, reason in failures)

        # The next run asks exactly the failed tracks again (the backoff is due at once here) ...
        api.reset_stats()
        second = _resolve(export_warehouse, **no_backoff)
        assert second.returncode != 0, "every track it asked failed"
        assert "the tracks run stopped (all_failed)" in second.output
        assert set(api.stats()["ids_requested"]) == set(failing)
        assert len(_failures(export_warehouse, "spotify_tracks")) == 2 * FAILING_TRACKS
        assert (
            f"{FAILING_TRACKS} spotify_tracks items failed 2 times (var enrichment_max_attempts)"
            in second.output
        )
        # ... no more after enrichment_max_attempts: reported, not asked.
        api.reset_stats()
        third = _resolve(export_warehouse, **no_backoff)
        assert third.returncode == 0, str(third)
        assert "no tracks to resolve" in third.output
        assert f"{FAILING_TRACKS} spotify_tracks items failed 2 times" in third.output
        assert api.stats()["requests_total"] == 0

    with EmulatorProcess(artists, quota="development", extra_args=["--tracks", str(tracks_csv)]) as healed:
        export_warehouse.env = base_environ(healed)
        fourth = _resolve(export_warehouse, enrichment_retry_backoff_minutes=0, enrichment_max_attempts=5)
        assert fourth.returncode == 0, str(fourth)
        assert set(healed.stats()["ids_requested"]) == set(failing)
        assert healed.stats()["by_kind"].get("track_batch", 0) == 0, (
            "the regime is remembered: no batch probe"
        )
    resolved = export_warehouse.query(
        "select count(distinct trackId) from lake.lake_spotify__normalized_track_artists"
    )
    assert resolved == [(TRACKS,)]
    assert [run["stopReason"] for run in _runs(export_warehouse, "spotify_tracks")] == [
        None,
        "all_failed",
        None,
    ]


def test_a_track_resolution_stopped_by_retry_after_waits_and_the_artists_wait_with_it(
    export_warehouse: Warehouse, tracks_csv: Path, shared_data: Path
) -> None:
    artists = shared_data / "artists" / "artists.csv"
    with EmulatorProcess(
        artists,
        quota="development",
        quota_exceeded_after=10,
        retry_after=3600,
        extra_args=["--tracks", str(tracks_csv)],
    ) as api:
        export_warehouse.env = base_environ(api)
        first = export_warehouse.enrich(mode="backfill")
        assert first.returncode != 0, "a quota stop fails the run that met it"
        assert "resolve_track_artists: the tracks run stopped (quota)" in first.output, first.output
        (stopped,) = _runs(export_warehouse, "spotify_tracks")
        assert stopped["stopReason"] == "quota" and 0 < stopped["ok"] < TRACKS
        wait_until = stopped["retryNotBefore"]
        expected = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=3600)
        assert abs((wait_until - expected).total_seconds()) < 120

        sent = api.stats()["requests_total"]
        second = export_warehouse.enrich(mode="backfill")
        assert second.returncode == 0, str(second)
        assert api.stats()["requests_total"] == sent, "nothing is sent before the time"
        assert f"Spotify asked to wait until {wait_until:%Y-%m-%d %H:%M:%S}" in second.output
        assert "nothing was sent" in second.output
        waited = _runs(export_warehouse, "spotify_tracks")[-1]
        assert (waited["stopReason"], waited["requests"], waited["retryNotBefore"]) == (
            "waiting",
            0,
            wait_until,
        )

        forced = export_warehouse.dbt(
            "run-operation",
            "resolve_track_artists",
            "--args",
            json.dumps({"force": True}),
            vars={"landing_uri": export_warehouse.landing_uri},
        )
        assert api.stats()["requests_total"] > sent, "force asks anyway"
        assert forced.returncode != 0, "and meets the quota again"


def test_musicbrainz_runs_and_failures_are_recorded_and_failed_artists_asked_again(
    history_only: Warehouse, spotify_emulator: EmulatorProcess
) -> None:
    only_musicbrainz = {"sources": ["musicbrainz"]}
    with MusicBrainzEmulatorProcess(rate_limit=200.0, fail_every=1, fail_status=500) as failing:
        history_only.env = {**base_environ(spotify_emulator), **failing.settings_environ(), **FAST_RETRIES}
        first = history_only.enrich(mode="backfill", limit=10, **only_musicbrainz)
    assert first.returncode != 0, "every artist asked failed"
    (run,) = _runs(history_only, "musicbrainz")
    assert (run["requested"], run["failed"], run["stopReason"], run["mode"]) == (
        10,
        10,
        "all_failed",
        "backfill",
    )
    assert run["requests"] == 3, "one URL lookup, retried twice"
    failures = _failures(history_only, "musicbrainz")
    failed = {item for item, _ in failures}
    assert len(failed) == 10 and all("500" in reason for _, reason in failures)

    with MusicBrainzEmulatorProcess(rate_limit=200.0) as musicbrainz:
        history_only.env = {**base_environ(spotify_emulator), **musicbrainz.settings_environ()}
        again = history_only.dbt(
            "run-operation",
            "enrich_artists",
            "--args",
            json.dumps({"mode": "incremental", "lookback_days": 0, **only_musicbrainz}),
            vars={"landing_uri": history_only.landing_uri, "enrichment_retry_backoff_minutes": 0},
        )
        assert again.returncode == 0, str(again)
        asked = set(musicbrainz.stats()["spotify_ids_requested"])
    assert asked == failed, "incremental asks the failed artists again, whatever their first play"
    retried = _runs(history_only, "musicbrainz")[-1]
    assert (retried["requested"], retried["not_found"], retried["failed"]) == (10, 10, 0)
    assert retried["stopReason"] is None and retried["rowsLoaded"] == 10


def test_a_musicbrainz_403_stop_is_recorded_and_spotify_has_its_own_row(
    history_only: Warehouse, spotify_emulator: EmulatorProcess
) -> None:
    with MusicBrainzEmulatorProcess(rate_limit=200.0) as musicbrainz:
        history_only.env = {
            **base_environ(spotify_emulator),
            **musicbrainz.settings_environ(),
            "MUSICBRAINZ_USER_AGENT": "python-requests/2.32.3",
        }
        result = history_only.enrich(mode="backfill", limit=5, sources=["spotify", "musicbrainz"])
    assert result.returncode != 0
    assert "musicbrainz: the run stopped (forbidden)" in result.output
    runs = history_only.query(
        "select source, stopReason, requests, message, clientKey"
        " from lake.lake_enrichment__runs order by source"
    )
    assert [(source, stop) for source, stop, *_ in runs] == [
        ("musicbrainz", "forbidden"),
        ("spotify", None),
    ]
    assert runs[0][2] == 1 and "MUSICBRAINZ_USER_AGENT" in runs[0][3]
    assert runs[0][4] is None and runs[1][4] is not None, "Spotify's client key names Spotify's runs only"
    hub_runs = history_only.dbt(
        "build", "--select", "lake_enrichment__stg_runs+", vars={"landing_uri": history_only.landing_uri}
    )
    assert hub_runs.returncode == 0, str(hub_runs)
    published = history_only.query(
        "select source, stopReason from hub.hub_music__svc_enrichment_runs order by source"
    )
    assert published == [("musicbrainz", "forbidden"), ("spotify", None)]
