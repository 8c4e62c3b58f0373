"""The order of a bench run, the JSON it writes and the table it prints."""

import json
import logging
import random
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from spotify_enrichment_dev.bench.genres import run_genres
from spotify_enrichment_dev.bench.latency_bound import run_latency_bound
from spotify_enrichment_dev.bench.lock_refusal import run_lock_refusal
from spotify_enrichment_dev.bench.machine import describe_machine
from spotify_enrichment_dev.bench.musicbrainz import run_musicbrainz
from spotify_enrichment_dev.bench.rate_limited import run_rate_limited
from spotify_enrichment_dev.bench.report import render_table, verdicts
from spotify_enrichment_dev.bench.report_at_scale import run_report
from spotify_enrichment_dev.bench.requirements import require_bench_packages
from spotify_enrichment_dev.bench.results import BenchResults, write_results
from spotify_enrichment_dev.bench.scale import BenchScale
from spotify_enrichment_dev.bench.warehouse_at_scale import (
    GeneratedData,
    generate_data,
    missing_ids,
    run_warehouse,
)

logger = logging.getLogger(__name__)

BENCHMARKS = ("rate_limited", "latency_bound", "musicbrainz", "warehouse", "report", "genres", "lock_refusal")
Section = TypeVar("Section")


def fetch_worklist(data: GeneratedData, seed: int) -> list[str]:
    """The generated artists a fetch is asked for: catalogue artists and the few the catalogue lacks
    (answered not_found), in a seeded random order so every prefix has the same mix."""
    with data.catalogue.open(encoding="utf-8") as lines:
        artist_ids = [json.loads(line)["id"] for line in lines if line.strip()]
    artist_ids += missing_ids(data)
    random.Random(seed).shuffle(artist_ids)
    return artist_ids


def _attempt(name: str, errors: dict[str, str], measure: Callable[[], Section]) -> Section | None:
    """Run one benchmark; a failure is logged and recorded, and the other benchmarks still run."""
    started = time.perf_counter()
    try:
        section = measure()
    except Exception as error:
        logger.exception("benchmark %s failed", name)
        errors[name] = f"{type(error).__name__}: {error}"[:4000]
        return None
    logger.info("benchmark %s took %.1f s", name, time.perf_counter() - started)
    return section


# Benchmarks of one section each (the report reuses the warehouse benchmark's warehouse when it ran).
SECTIONS: dict[str, Callable[[Path, BenchScale, Path], Any]] = {
    "report": run_report,
    "genres": run_genres,
    "lock_refusal": run_lock_refusal,
}


def _run_sections(
    only: tuple[str, ...],
    errors: dict[str, str],
    results: BenchResults,
    call: Callable[[Callable[[Path, BenchScale, Path], Any]], Any],
) -> None:
    for name, measure in SECTIONS.items():
        if name in only:
            section = _attempt(name, errors, lambda measure=measure: call(measure))
            if section is not None:
                results[name] = section  # type: ignore[literal-required]


def _run_fetch_benchmarks(
    scale: BenchScale,
    project_dir: Path,
    work_dir: Path,
    *,
    only: tuple[str, ...],
    results: BenchResults,
    errors: dict[str, str],
) -> None:
    """The benchmarks that fetch (rate-limited, latency-bound, MusicBrainz), on one generated catalogue."""
    if any(name in only for name in ("rate_limited", "latency_bound", "musicbrainz")):
        fetch_artists = max(scale.latency_bound_extended_artists, scale.rate_limited_extended_artists)
        fetch_data = generate_data(
            project_dir, work_dir / "fetch_data", artists=fetch_artists, plays=fetch_artists, seed=scale.seed
        )
        artist_ids = fetch_worklist(fetch_data, scale.seed)
        if "rate_limited" in only:
            rate_limited = _attempt(
                "rate_limited",
                errors,
                lambda: run_rate_limited(artist_ids, fetch_data.catalogue, scale, work_dir),
            )
            if rate_limited is not None:
                results["rate_limited"] = rate_limited
        if "latency_bound" in only:
            latency_bound = _attempt(
                "latency_bound",
                errors,
                lambda: run_latency_bound(artist_ids, fetch_data.catalogue, scale, work_dir),
            )
            if latency_bound is not None:
                results["latency_bound"] = latency_bound
        if "musicbrainz" in only:
            musicbrainz = _attempt(
                "musicbrainz", errors, lambda: run_musicbrainz(fetch_data.catalogue, scale, work_dir)
            )
            if musicbrainz is not None:
                results["musicbrainz"] = musicbrainz


def run_bench(
    scale: BenchScale,
    project_dir: Path,
    work_dir: Path,
    results_path: Path,
    only: tuple[str, ...] = BENCHMARKS,
    *,
    keep_work: bool = False,
) -> BenchResults:
    """Run the chosen benchmarks, write `results_path` and return the results (with `errors` when any
    benchmark failed; its keys are then missing and its verdicts say so)."""
    started = time.perf_counter()
    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if work_dir.exists():
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True)
    require_bench_packages()
    results: BenchResults = {"scale": scale.name, "started_at": started_at, "sizes": scale.as_dict()}
    errors: dict[str, str] = {}

    _run_fetch_benchmarks(scale, project_dir, work_dir, only=only, results=results, errors=errors)
    if "warehouse" in only:
        measured = _attempt("warehouse", errors, lambda: run_warehouse(project_dir, scale, work_dir))
        if measured is not None:
            results["warehouse"], results["load"] = measured
    _run_sections(only, errors, results, lambda measure: measure(project_dir, scale, work_dir))

    results["machine"] = describe_machine()
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    results["verdicts"] = verdicts(dict(results))
    if errors:
        results["errors"] = errors
    write_results(results, results_path)
    if not keep_work and not errors:
        # Gigabytes of generated data at full scale; kept after a failure, to look into.
        shutil.rmtree(work_dir)
    print(render_table(dict(results)), flush=True)
    return results
