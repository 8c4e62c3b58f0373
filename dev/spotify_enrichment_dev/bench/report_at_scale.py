"""Benchmark 5: the HTML report (`python -m spotify_enrichment report`) of the warehouse at scale,
1,000,000 artists and 10,000,000 plays, timed from the outside with its peak memory and file size.
It reuses the warehouse benchmark's warehouse when that ran first in the same bench run, and builds
one the same way otherwise."""

import logging
import sys
from pathlib import Path

import duckdb

from spotify_enrichment_dev.bench.results import ReportFigures
from spotify_enrichment_dev.bench.scale import BenchScale
from spotify_enrichment_dev.bench.warehouse_at_scale import build_enriched_warehouse, warehouse_of

logger = logging.getLogger(__name__)

BYTES_PER_MB = 1024**2


def _hub_artists(duckdb_path: Path) -> int | None:
    """Artists in the built hub, or None when there is no built warehouse there."""
    if not duckdb_path.is_file():
        return None
    try:
        with duckdb.connect(str(duckdb_path), read_only=True) as connection:
            row = connection.execute("select count(*) from hub.hub_music__svc_dim_artists").fetchone()
    except duckdb.Error:
        return None
    return int(row[0]) if row else None


def run_report(project_dir: Path, scale: BenchScale, work_dir: Path) -> ReportFigures:
    warehouse = warehouse_of(project_dir, work_dir)
    artists = _hub_artists(warehouse.duckdb_path)
    if artists is None:
        warehouse = build_enriched_warehouse(project_dir, scale, work_dir).warehouse
        artists = _hub_artists(warehouse.duckdb_path) or 0
    out = work_dir / "report.html"
    project = warehouse.project
    command = [
        sys.executable,
        "-m",
        "spotify_enrichment",
        "report",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project.profiles_dir),
        "--vars",
        f"{{landing_uri: '{warehouse.landing_dir.as_posix()}'}}",
        "--out",
        str(out),
    ]
    report = warehouse.run_program(command, "python -m spotify_enrichment report")
    size_mb = out.stat().st_size / BYTES_PER_MB
    logger.info("report: %.1f s, %.2f MB, peak %.0f MB", report.seconds, size_mb, report.peak_rss_mb)
    return {
        "artists": artists,
        "seconds": round(report.seconds, 2),
        "size_mb": round(size_mb, 3),
        "peak_rss_mb": report.peak_rss_mb,
    }
