"""Benchmark 4: one big landing file into the lake table through the project's loader
(`dbt run-operation load_artist_enrichment`).

The figure divides the lines by the loader's own time: the command's wall time less that of the same
command over an empty landing folder (dbt's start, parse and connection), measured in the same run.
Both raw times are in the JSON too."""

import logging
from pathlib import Path

from spotify_enrichment_dev.bench.dbt_runner import BenchWarehouse, DbtCommand
from spotify_enrichment_dev.bench.results import LoadFigures

logger = logging.getLogger(__name__)

LOAD_OPERATION = ("run-operation", "load_artist_enrichment")


def run_loader(warehouse: BenchWarehouse) -> DbtCommand:
    return warehouse.run(*LOAD_OPERATION)


def measure_empty_load(warehouse: BenchWarehouse) -> DbtCommand:
    """The loader with nothing to load: what every load command pays before it reads a line."""
    landing = warehouse.landing_dir / "spotify" / "landing"
    waiting = list(landing.glob("*.jsonl")) if landing.is_dir() else []
    if waiting:
        raise RuntimeError(f"the empty-load baseline needs an empty landing folder; found {waiting[0]}")
    return run_loader(warehouse)


def measure_load(warehouse: BenchWarehouse, landing_file: Path, lines: int, empty: DbtCommand) -> LoadFigures:
    loaded = run_loader(warehouse)
    archived = warehouse.landing_dir / "spotify" / "archive" / landing_file.name
    if not archived.is_file():
        raise RuntimeError(
            f"the loader did not archive {landing_file.name}; output:\n{loaded.output[-3000:]}"
        )
    loader_seconds = max(loaded.seconds - empty.seconds, 1e-6)
    figures: LoadFigures = {
        "lines": lines,
        "lines_per_s": round(lines / loader_seconds),
        "peak_rss_mb": loaded.peak_rss_mb,
        "seconds": round(loader_seconds, 2),
        "command_seconds": round(loaded.seconds, 2),
        "empty_command_seconds": round(empty.seconds, 2),
        "lines_per_s_including_dbt_start": round(lines / loaded.seconds),
    }
    logger.info("load: %s", figures)
    return figures
