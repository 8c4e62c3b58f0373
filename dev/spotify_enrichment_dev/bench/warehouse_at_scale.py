"""Benchmark 3 (and the setting of benchmark 4): the DuckDB warehouse at scale.

The generator writes the listening history and the catalogue; the history is loaded with
`load_listening_history`; one landing file enriches every artist (the load benchmark); then a full
`dbt build`, 1,000 new enrichments loaded, and the incremental
`dbt build --select lake_spotify__stg_artist_enrichment+`. Each build is timed with its peak memory."""

import itertools
import logging
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from spotify_enrichment_dev.bench.dbt_runner import BenchWarehouse, DbtCommand
from spotify_enrichment_dev.bench.landing_files import write_landing_file
from spotify_enrichment_dev.bench.load import measure_empty_load, measure_load, run_loader
from spotify_enrichment_dev.bench.results import LoadFigures, WarehouseFigures
from spotify_enrichment_dev.bench.scale import BenchScale
from spotify_enrichment_dev.demo_data import generator_command

logger = logging.getLogger(__name__)

INCREMENTAL_SELECTOR = "lake_spotify__stg_artist_enrichment+"
FIRST_ENRICHMENT_AGE = timedelta(days=30)
SLOWEST_NODES = 8


class WarehouseBenchError(RuntimeError):
    """A warehouse step did not produce what the next one needs."""


@dataclass(frozen=True)
class GeneratedData:
    folder: Path
    seconds: float

    @property
    def history(self) -> Path:
        return self.folder / "listening_history.jsonl"

    @property
    def catalogue(self) -> Path:
        return self.folder / "catalogue.jsonl"

    @property
    def missing_ids(self) -> Path:
        return self.folder / "missing_artist_ids.txt"


def generate_data(project_dir: Path, out: Path, *, artists: int, plays: int, seed: int) -> GeneratedData:
    """The project's generator, as `scripts/generate_demo_data.py` runs it."""
    command = generator_command(project_dir, out, artists=artists, plays=plays, seed=seed)
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise WarehouseBenchError(
            f"the generator failed (exit {completed.returncode}): {completed.stderr[-3000:]}"
        )
    return GeneratedData(folder=out, seconds=seconds)


def missing_ids(data: GeneratedData) -> list[str]:
    if not data.missing_ids.is_file():
        return []
    return [
        line.strip() for line in data.missing_ids.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def _hub_rows_enriched_since(warehouse: BenchWarehouse, since: datetime) -> int:
    with duckdb.connect(str(warehouse.duckdb_path), read_only=True) as connection:
        row = connection.execute(
            "select count(*) from hub.hub_music__svc_dim_artists where enrichedAt >= ?",
            [since.replace(tzinfo=None)],
        ).fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class EnrichedWarehouse:
    """The warehouse at scale after its full build, and what it took to get there."""

    warehouse: BenchWarehouse
    data: GeneratedData
    history: DbtCommand
    empty_load: DbtCommand
    load_figures: LoadFigures
    full: DbtCommand
    enriched_at: datetime


def warehouse_of(project_dir: Path, work_dir: Path) -> BenchWarehouse:
    return BenchWarehouse(
        project_dir=project_dir, work_dir=work_dir / "warehouse", landing_dir=work_dir / "landing"
    )


def build_enriched_warehouse(project_dir: Path, scale: BenchScale, work_dir: Path) -> EnrichedWarehouse:
    """Generate, load the history, enrich every artist from one landing file, full `dbt build`."""
    warehouse = warehouse_of(project_dir, work_dir)
    warehouse.prepare()
    data = generate_data(
        project_dir,
        work_dir / "warehouse_data",
        artists=scale.warehouse_artists,
        plays=scale.warehouse_plays,
        seed=scale.seed,
    )
    logger.info(
        "generated %s artists, %s plays in %.1f s",
        scale.warehouse_artists,
        scale.warehouse_plays,
        data.seconds,
    )
    history = warehouse.run(
        "run-operation", "load_listening_history", "--args", f"{{path: '{data.history}'}}"
    )
    logger.info("listening history loaded in %.1f s", history.seconds)

    empty_load = measure_empty_load(warehouse)
    now = datetime.now(UTC)
    not_found_ids = missing_ids(data)
    with data.catalogue.open(encoding="utf-8") as catalogue_lines:
        first_file, lines = write_landing_file(
            warehouse.landing_dir,
            catalogue_lines,
            not_found_ids,
            enriched_at=now - FIRST_ENRICHMENT_AGE,
            run_id="bench-backfill",
        )
    load_figures = measure_load(warehouse, first_file, lines, empty_load)

    full = warehouse.run("build")
    logger.info("full build: %.1f s, peak %.0f MB", full.seconds, full.peak_rss_mb)
    return EnrichedWarehouse(warehouse, data, history, empty_load, load_figures, full, now)


def run_warehouse(
    project_dir: Path, scale: BenchScale, work_dir: Path
) -> tuple[WarehouseFigures, LoadFigures]:
    built = build_enriched_warehouse(project_dir, scale, work_dir)
    warehouse, data, history, empty_load, full, now = (
        built.warehouse,
        built.data,
        built.history,
        built.empty_load,
        built.full,
        built.enriched_at,
    )
    load_figures = built.load_figures

    with data.catalogue.open(encoding="utf-8") as catalogue_lines:
        write_landing_file(
            warehouse.landing_dir,
            itertools.islice(catalogue_lines, scale.warehouse_new_enrichments),
            [],
            enriched_at=now,
            run_id="bench-refresh",
        )
    run_loader(warehouse)
    incremental = warehouse.run("build", "--select", INCREMENTAL_SELECTOR)
    logger.info("incremental build: %.1f s, peak %.0f MB", incremental.seconds, incremental.peak_rss_mb)
    refreshed = _hub_rows_enriched_since(warehouse, now - timedelta(seconds=1))
    if refreshed != scale.warehouse_new_enrichments:
        raise WarehouseBenchError(
            f"after the incremental build the hub shows {refreshed} refreshed artists, "
            f"expected {scale.warehouse_new_enrichments}"
        )
    figures: WarehouseFigures = {
        "artists": scale.warehouse_artists,
        "plays": scale.warehouse_plays,
        "full_build_s": round(full.seconds, 2),
        "incremental_build_s": round(incremental.seconds, 2),
        "incremental_ratio": round(incremental.seconds / full.seconds, 3),
        "peak_rss_mb": full.peak_rss_mb,
        "incremental_peak_rss_mb": incremental.peak_rss_mb,
        "new_enrichments": scale.warehouse_new_enrichments,
        "generate_s": round(data.seconds, 2),
        "history_load_s": round(history.seconds, 2),
        "dbt_command_floor_s": round(empty_load.seconds, 2),
        "full_build_slowest_nodes": full.slowest_nodes(SLOWEST_NODES),
        "incremental_build_slowest_nodes": incremental.slowest_nodes(SLOWEST_NODES),
    }
    logger.info("warehouse: %s", figures)
    return figures, load_figures
