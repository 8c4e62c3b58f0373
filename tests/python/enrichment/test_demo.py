"""scripts/demo.py (`make demo`), small: generated data, the emulator, load, build, enrich, build, freshness,
report; and the emulator stopped when a step fails. Everything under tmp_path."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
from enrichment_helpers import PROJECT_ROOT


def run_demo(tmp_path: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **extra_env,
    }
    command = [
        sys.executable,
        str(PROJECT_ROOT / "scripts" / "demo.py"),
        "--artists",
        "300",
        "--plays",
        "3000",
        "--data-dir",
        str(tmp_path / "demo_data"),
        "--landing-dir",
        str(tmp_path / "landing"),
    ]
    return subprocess.run(
        command, cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=300, check=False
    )


def emulator_port(output: str) -> int:
    match = re.search(r"emulator on http://127\.0\.0\.1:(\d+)", output)
    assert match, output[-3000:]
    return int(match.group(1))


def port_is_closed(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_demo_enriches_every_artist_and_every_monitor_passes(tmp_path: Path) -> None:
    result = run_demo(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    coverage = re.search(r"enriched \(coverage\):\s+(\d+) \(([\d.]+)%\)", output)
    assert coverage, output[-3000:]
    assert float(coverage.group(2)) >= 95.0
    assert re.search(r"not found on Spotify: [1-9]", output)
    # The default regime is a new user's: Development Mode (no followers) plus MusicBrainz genres.
    assert "top 10 genres" in output
    assert "10 most followed artists" not in output
    sources = re.search(r"where each artist's genres came from \(artists\):\n\s+(\d+)\s+musicbrainz", output)
    assert sources and int(sources.group(1)) > 0, output[-3000:]
    monitors = re.search(r"monitoring: (\d+) data tests: (\d+) pass;", output)
    assert monitors, output[-3000:]
    assert monitors.group(1) == monitors.group(2)
    assert "source freshness: lake_spotify__normalized_artist_enrichment pass" in output
    assert f"The warehouse is {tmp_path / 'warehouse.duckdb'}" in output
    assert port_is_closed(emulator_port(output))
    musicbrainz = re.search(r"MusicBrainz emulator on http://127\.0\.0\.1:(\d+)", output)
    assert musicbrainz and port_is_closed(int(musicbrainz.group(1)))
    # issue 14: the demo's build has the families seed and both models
    assert (PROJECT_ROOT / "seeds" / "genre_families.csv").is_file()
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as warehouse:
        seeded, families, similar, with_family = warehouse.execute(
            """
            select
                (select count(*) from hub.genre_families),
                (select count(*) from hub.hub_music__svc_artist_genre_families),
                (select count(*) from hub.hub_music__svc_similar_artists),
                (select count(primaryGenreFamily) from hub.hub_music__svc_dim_artists)
            """
        ).fetchone()
        # issue 13: the second build publishes the run history, one row per run and source
        published_runs = warehouse.execute(
            "select source, stopReason from hub.hub_music__svc_enrichment_runs order by source"
        ).fetchall()
    assert min(seeded, families, similar, with_family) > 0
    assert published_runs == [("musicbrainz", None), ("spotify", None)]
    report = tmp_path / "target" / "report.html"
    assert f"HTML report: {report}" in result.stdout.splitlines()[-1]
    artists = re.search(r"artists in the hub:\s+(\d+)", output)
    assert artists, output[-3000:]
    page = report.read_text(encoding="utf-8")
    assert f'id="headline-artists" value="{artists.group(1)}"' in page
    assert "Run history" in page and "musicbrainz" in page.split("Run history", 1)[1][:5000]


def test_demo_stops_the_emulator_when_a_step_fails_and_keeps_an_existing_warehouse(tmp_path: Path) -> None:
    (tmp_path / "warehouse.duckdb").write_bytes(b"an earlier warehouse")
    result = run_demo(tmp_path, DBT_TARGET="no_such_target")
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "demo failed: step 'load the listening history' failed" in output
    assert port_is_closed(emulator_port(output))
    [kept] = tmp_path.glob("warehouse.before-demo-*.duckdb")
    assert kept.read_bytes() == b"an earlier warehouse"
