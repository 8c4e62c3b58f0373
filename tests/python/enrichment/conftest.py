"""Fixtures for the enrichment tests: real dbt (subprocess, started from another folder with
--project-dir/--profiles-dir), real DuckDB files, the real Spotify emulator over HTTP.

One warehouse is prepared per session in two snapshots (`history_only`: listening history loaded;
`enriched`: backfilled and built); each test copies a snapshot into its own tmp_path."""

from __future__ import annotations

import json
import random
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from enrichment_helpers import (
    DEMO_ARTISTS,
    DEMO_PLAYS,
    NEW_ARTISTS,
    PROJECT_ROOT,
    DemoData,
    Snapshots,
    Warehouse,
    base_environ,
    run_checked,
)

from spotify_enrichment_dev.emulator_process import EmulatorProcess


def random_artist_id(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(22))


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> DemoData:
    """Generated listening history and catalogue, plus 25 catalogue artists nobody has played yet."""
    folder = tmp_path_factory.mktemp("enrichment_demo_data")
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "generate_demo_data.py"),
            "--out",
            str(folder),
            "--artists",
            str(DEMO_ARTISTS),
            "--plays",
            str(DEMO_PLAYS),
            "--seed",
            "7",
        ],
        check=True,
        capture_output=True,
    )
    rng = random.Random(25)
    new_ids = [random_artist_id(rng) for _ in range(NEW_ARTISTS)]
    new_catalogue = folder / "new_artists_catalogue.jsonl"
    with new_catalogue.open("w", encoding="utf-8") as handle:
        for number, artist_id in enumerate(new_ids):
            artist = {
                "id": artist_id,
                "name": f"New Artist {number}",
                "type": "artist",
                "uri": f"spotify:artist:{artist_id}",
                "href": f"https://api.spotify.com/v1/artists/{artist_id}",
                "external_urls": {"spotify": f"https://open.spotify.com/artist/{artist_id}"},
                "followers": {"href": None, "total": 1000 + number},
                "genres": ["hyperpop"],
                "popularity": 40,
                "images": [],
            }
            handle.write(json.dumps(artist) + "\n")
    history_ids = {
        json.loads(line)["artistId"] for line in (folder / "listening_history.jsonl").read_text().splitlines()
    }
    missing = (folder / "missing_artist_ids.txt").read_text().split()
    return DemoData(
        folder=folder,
        history=folder / "listening_history.jsonl",
        catalogue=folder / "catalogue.jsonl",
        missing_ids=missing,
        new_artist_ids=new_ids,
        new_catalogue=new_catalogue,
        artist_count=len(history_ids),
    )


@pytest.fixture(scope="session")
def spotify_emulator(demo_data: DemoData) -> Iterator[EmulatorProcess]:
    with EmulatorProcess([demo_data.catalogue, demo_data.new_catalogue]) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def snapshots(
    tmp_path_factory: pytest.TempPathFactory,
    demo_data: DemoData,
    spotify_emulator: EmulatorProcess,
) -> Snapshots:
    """history_only: the listening history loaded into a fresh warehouse; enriched: then backfilled
    through enrich_artists and `dbt build` (every model and monitoring test)."""
    root = tmp_path_factory.mktemp("enrichment_prepared")
    warehouse = Warehouse(
        root=root / "history_only",
        landing_uri=str(root / "history_only" / "landing"),
        env=base_environ(spotify_emulator),
    )
    warehouse.root.mkdir()
    run_checked(
        warehouse,
        "run-operation",
        "load_listening_history",
        "--args",
        json.dumps({"path": str(demo_data.history)}),
    )
    enriched = warehouse.copy_to(root / "enriched")
    backfill = enriched.enrich(mode="backfill")
    assert backfill.returncode == 0, str(backfill)
    build = run_checked(enriched, "build")
    return Snapshots(
        history_only=warehouse, enriched=enriched, backfill_output=backfill.output, build_output=build.output
    )


@pytest.fixture
def enriched(snapshots: Snapshots, spotify_emulator: EmulatorProcess, tmp_path: Path) -> Warehouse:
    spotify_emulator.reset_stats()
    return snapshots.enriched.copy_to(tmp_path / "warehouse")


@pytest.fixture
def history_only(snapshots: Snapshots, spotify_emulator: EmulatorProcess, tmp_path: Path) -> Warehouse:
    spotify_emulator.reset_stats()
    return snapshots.history_only.copy_to(tmp_path / "warehouse")
