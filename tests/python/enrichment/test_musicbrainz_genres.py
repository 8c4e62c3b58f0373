"""Genres for Development-Mode users from MusicBrainz, end to end over the real listening history
(../shared/data/history/recently_played_plays.csv, 1,323 artists): real dbt, DuckDB, the Spotify
emulator and the MusicBrainz emulator over HTTP. The MusicBrainz catalogue is derived from the real
Spotify artist files (`spotify_enrichment_dev.musicbrainz_catalogue`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from enrichment_helpers import Warehouse, base_environ, run_checked, write_real_history

from spotify_enrichment_dev.emulator_process import EmulatorProcess, MusicBrainzEmulatorProcess
from spotify_enrichment_dev.musicbrainz_catalogue import write_musicbrainz_catalogue

HISTORY_ARTISTS = 1323
BOTH = ["spotify", "musicbrainz"]
# Fast enough for a test, paced by the client exactly as at musicbrainz.org's 1 per second.
TEST_RATE = 200.0


@pytest.fixture(scope="module")
def spotify_catalogues(shared_data: Path) -> list[Path]:
    return [shared_data / "artists" / "artists.csv", shared_data / "artists" / "artists_37k.csv"]


@pytest.fixture(scope="module")
def musicbrainz_catalogue(spotify_catalogues: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("musicbrainz") / "musicbrainz_catalogue.jsonl"
    write_musicbrainz_catalogue(spotify_catalogues, path, seed=11)
    return path


@pytest.fixture(scope="module")
def musicbrainz_genres(musicbrainz_catalogue: Path) -> dict[str, list[str]]:
    """What MusicBrainz holds: Spotify ID -> the linked artist's genres, most votes first."""
    genres = {}
    for line in musicbrainz_catalogue.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        votes = sorted(entry["artist"]["genres"], key=lambda genre: (-genre["count"], genre["name"]))
        genres[entry["spotifyId"]] = [genre["name"] for genre in votes]
    return genres


@pytest.fixture(scope="module")
def history_warehouse(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    root = tmp_path_factory.mktemp("musicbrainz_history")
    history = write_real_history(shared_data, root / "listening_history.jsonl")
    warehouse = Warehouse(root=root / "warehouse", landing_uri=str(root / "warehouse" / "landing"))
    warehouse.root.mkdir()
    with EmulatorProcess() as idle:
        warehouse.env = base_environ(idle)
        run_checked(
            warehouse, "run-operation", "load_listening_history", "--args", json.dumps({"path": str(history)})
        )
    return warehouse


def _point_at(
    warehouse: Warehouse, spotify: EmulatorProcess, musicbrainz: MusicBrainzEmulatorProcess
) -> None:
    warehouse.env = {**base_environ(spotify), **musicbrainz.settings_environ()}


def _lake_musicbrainz(warehouse: Warehouse) -> dict[str, tuple[str, list[str] | None]]:
    rows = warehouse.query("select artistId, status, genres from lake.lake_musicbrainz__normalized_artist")
    return {artist_id: (status, genres) for artist_id, status, genres in rows}


def test_development_quota_gets_every_linked_artists_genres_from_musicbrainz_and_asks_nothing_twice(
    history_warehouse: Warehouse,
    spotify_catalogues: list[Path],
    musicbrainz_catalogue: Path,
    musicbrainz_genres: dict[str, list[str]],
    tmp_path: Path,
) -> None:
    warehouse = history_warehouse.copy_to(tmp_path / "warehouse")
    with (
        EmulatorProcess(spotify_catalogues, quota="development") as spotify,
        MusicBrainzEmulatorProcess([musicbrainz_catalogue], rate_limit=TEST_RATE, burst=2) as musicbrainz,
    ):
        _point_at(warehouse, spotify, musicbrainz)
        backfill = warehouse.enrich(mode="backfill", sources=BOTH)
        assert backfill.returncode == 0, str(backfill)
        assert "Spotify withheld genres, popularity and followers for" in backfill.output
        assert "enrich_artists summary: source musicbrainz, mode backfill, requested 1323" in backfill.output
        stats = musicbrainz.stats()
        run_checked(warehouse, "build")

        # Every artist landed once; the linked ones' hub genres are MusicBrainz's, exactly, in vote order.
        lake = _lake_musicbrainz(warehouse)
        assert (
            warehouse.scalar("select count(*) from lake.lake_musicbrainz__normalized_artist")
            == HISTORY_ARTISTS
        )
        assert len(lake) == HISTORY_ARTISTS, "no artist lands twice"
        hub = {
            row[0]: row[1:]
            for row in warehouse.query(
                "select artistId, genres, genresSource, spotifyGenresWithheld, musicbrainzStatus "
                "from hub.hub_music__svc_dim_artists"
            )
        }
        linked = {artist_id for artist_id, (status, _) in lake.items() if status == "ok"}
        assert linked == set(hub) & set(musicbrainz_genres), "linked exactly where MusicBrainz links"
        assert 0 < len(linked) < HISTORY_ARTISTS
        for artist_id in linked:
            genres, source, _, status = hub[artist_id]
            assert (genres, source, status) == (musicbrainz_genres[artist_id], "musicbrainz", "ok"), artist_id
        for artist_id in set(hub) - linked:
            genres, source, _, status = hub[artist_id]
            assert (genres, source, status, lake[artist_id][0]) == (None, None, "not_linked", "not_linked")
        answered = [row for row in hub.values() if row[2] is not None]
        assert answered and all(withheld for _, _, withheld, _ in answered), "development quota withholds"

        # Requests: URL lookups batched (100 a request), one artist lookup per linked artist, all with
        # the User-Agent; paced, so MusicBrainz never refused one.
        assert stats["without_user_agent"] == 0 and stats["forbidden_403"] == 0
        assert stats["refused_503"] == 0
        assert stats["by_endpoint"]["url"] == -(-HISTORY_ARTISTS // 100)
        assert stats["requests"] / HISTORY_ARTISTS <= 1.1

        # Right after: incremental asks MusicBrainz nothing.
        musicbrainz.reset_stats()
        incremental = warehouse.enrich(mode="incremental", sources=BOTH)
        assert incremental.returncode == 0, str(incremental)
        assert musicbrainz.stats()["requests"] == 0

        # musicbrainz_relink_after_days 0 in refresh mode: the not_linked artists are asked again.
        result = warehouse.dbt(
            "run-operation",
            "enrich_artists",
            "--args",
            json.dumps({"mode": "refresh", "stale_after_days": 36500, "sources": ["musicbrainz"]}),
            vars={"landing_uri": warehouse.landing_uri, "musicbrainz_relink_after_days": 0},
        )
        assert result.returncode == 0, str(result)
        asked = set(musicbrainz.stats()["spotify_ids_requested"])
        assert asked == set(hub) - linked

    # Extended quota: Spotify's non-empty genres win.
    with (
        EmulatorProcess(spotify_catalogues, quota="extended") as spotify,
        MusicBrainzEmulatorProcess([musicbrainz_catalogue], rate_limit=TEST_RATE, burst=2) as musicbrainz,
    ):
        _point_at(warehouse, spotify, musicbrainz)
        refresh = warehouse.enrich(mode="refresh", stale_after_days=0, sources=["spotify"])
        assert refresh.returncode == 0, str(refresh)
        # Only the models: the build above ran the data tests and monitors.
        run_checked(warehouse, "run", "--select", "lake_spotify__svc_artist_enrichment+")
    rows = warehouse.query(
        "select hub.genres, hub.genresSource, hub.spotifyGenresWithheld, spotify.genres "
        "from hub.hub_music__svc_dim_artists as hub "
        "join lake.lake_spotify__stg_artist_enrichment as spotify using (artistId) "
        "where spotify.status = 'ok'"
    )
    with_spotify_genres = [row for row in rows if row[3]]
    assert with_spotify_genres
    for genres, source, withheld, spotify_genres in with_spotify_genres:
        assert (genres, source, withheld) == (spotify_genres, "spotify", False)


def test_503_bursts_a_stalled_answer_a_killed_run_and_a_rerun_land_every_artist_exactly_once(
    history_warehouse: Warehouse, musicbrainz_catalogue: Path, tmp_path: Path
) -> None:
    warehouse = history_warehouse.copy_to(tmp_path / "warehouse")
    partial = warehouse.landing_dir / "spotify" / "partial"
    with (
        EmulatorProcess() as spotify,
        # Every 7th request refused (503), every 150th stalls 30 s (the client's read timeout is 1 s).
        MusicBrainzEmulatorProcess(
            [musicbrainz_catalogue], rate_limit=0, fail_every=7, stall_every=150, stall_ms=30000
        ) as musicbrainz,
    ):
        _point_at(warehouse, spotify, musicbrainz)
        warehouse.env.update(
            {
                "MUSICBRAINZ_REQUESTS_PER_SECOND": "60",
                "SPOTIFY_READ_TIMEOUT_SECONDS": "1",
                "SPOTIFY_BACKOFF_SECONDS": "0.05",
            }
        )
        project = warehouse.project()
        arguments = json.dumps({"mode": "backfill", "sources": ["musicbrainz"]})
        command = project.command(
            "run-operation",
            "enrich_artists",
            "--args",
            arguments,
            vars={"landing_uri": warehouse.landing_uri},
        )
        cwd = warehouse.root / "elsewhere"
        cwd.mkdir(exist_ok=True)
        killed = subprocess.Popen(
            command,
            cwd=cwd,
            env=project.environ(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list(partial.glob("*/part-*.jsonl")):
            assert killed.poll() is None, "the run ended before it could be killed"
            time.sleep(0.1)
        assert list(partial.glob("*/part-*.jsonl")), "no answers flushed within 120 s"
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait(timeout=30)

        rerun = warehouse.enrich(mode="backfill", sources=["musicbrainz"])
        assert rerun.returncode == 0, str(rerun)
        stats = musicbrainz.stats()
    assert (
        warehouse.scalar("select count(*) from lake.lake_musicbrainz__normalized_artist") == HISTORY_ARTISTS
    )
    assert (
        warehouse.scalar("select count(distinct artistId) from lake.lake_musicbrainz__normalized_artist")
        == HISTORY_ARTISTS
    )
    assert stats["refused_503"] > 0, "the 503 bursts were injected and retried"
    assert stats["without_user_agent"] == 0
    assert not list(partial.glob("*/*")), "the crashed run's partial was landed and removed"
