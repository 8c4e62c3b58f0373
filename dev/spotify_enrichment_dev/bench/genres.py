"""Benchmark 5 (issue 14): genre families and similar artists.

- Coverage: the share of the real artist files' artist-genre assignments the seed covers
  (`spotify_enrichment_dev.genre_family_coverage`, also `scripts/genre_family_coverage.py`).
- Similar artists at scale: a library of `similar_artists_library` artists with genres, each the genre
  list of a real artist (artists.csv, artists_37k.csv; half of them joined with a second real list, so
  vectors are not all copies), put into a DuckDB hub; `dbt build` of the seed and the families, then
  `dbt run --select hub_music__svc_similar_artists` is timed with its peak memory (dbt and children).
- Dense baseline: the brute-force reference (dense vectors, every pair, full sort per row) on a sample of
  `similar_artists_baseline` of those artists in a child process, timed with its peak memory, and the
  model's own functions on the same sample, which must give the same rows."""

import importlib.util
import json
import logging
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import duckdb
import pyarrow as pa

from spotify_enrichment_dev.bench.dbt_runner import KB, BenchWarehouse
from spotify_enrichment_dev.bench.peak_memory import PeakRssSampler
from spotify_enrichment_dev.bench.results import GenresFigures
from spotify_enrichment_dev.bench.scale import BenchScale
from spotify_enrichment_dev.catalogue import load_catalogue
from spotify_enrichment_dev.genre_family_coverage import REAL_ARTIST_FILES, measure_coverage

logger = logging.getLogger(__name__)

MODEL = "hub_music__svc_similar_artists"
MODEL_FILE = Path("models/hub/service/music") / f"{MODEL}.py"
K = 10
FAMILY_WEIGHT = 0.25
ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class GenresBenchError(RuntimeError):
    """A step of the genres benchmark did not give what the next one needs."""


def real_genre_lists(artists_dir: Path) -> list[list[str]]:
    lists = []
    for name in REAL_ARTIST_FILES:
        for artist in load_catalogue(artists_dir / name).values():
            genres = sorted({genre.strip().lower() for genre in artist.get("genres", []) if genre.strip()})
            if genres:
                lists.append(genres)
    return lists


def synthetic_library(lists: list[list[str]], artists: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    library: dict[str, list[str]] = {}
    while len(library) < artists:
        artist_id = "".join(rng.choice(ID_ALPHABET) for _ in range(22))
        genres = set(rng.choice(lists))
        if rng.random() < 0.5:
            genres |= set(rng.choice(lists))
        library[artist_id] = sorted(genres)
    return library


def write_hub(duckdb_path: Path, library: dict[str, list[str]]) -> None:
    """The two hub relations the models read, as tables holding only what they read (artistId, genres)."""
    artist_ids = sorted(library)
    # One bulk insert from Arrow: executemany takes a minute for 50,000 rows.
    artists = pa.table(
        {"artistId": artist_ids, "genres": [library[artist_id] for artist_id in artist_ids]},
        schema=pa.schema([("artistId", pa.string()), ("genres", pa.list_(pa.string()))]),
    )
    with duckdb.connect(str(duckdb_path)) as connection:
        connection.execute("create schema if not exists hub")
        connection.register("artists", artists)
        for name in ("hub_music__stg_dim_artists", "hub_music__svc_dim_artists"):
            connection.execute(f"create table hub.{name} as select * from artists")  # noqa: S608 (constants)


def read_families(duckdb_path: Path) -> dict[str, list[str]]:
    families: dict[str, list[str]] = {}
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        rows = connection.execute(
            "select artistId, genreFamily from hub.hub_music__svc_artist_genre_families order by all"
        ).fetchall()
    for artist_id, family in rows:
        families.setdefault(artist_id, []).append(family)
    return families


def similar_rows(duckdb_path: Path) -> int:
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        row = connection.execute(f"select count(*) from hub.{MODEL}").fetchone()  # noqa: S608 (constant)
    return int(row[0]) if row else 0


BASELINE_CHILD = """
import json, sys, time
from spotify_enrichment_dev.similarity_reference import brute_force_similar_artists
sample = json.load(open(sys.argv[1]))
started = time.perf_counter()
rows = brute_force_similar_artists(sample["genres"], sample["families"], sample["k"], sample["family_weight"])
seconds = time.perf_counter() - started
json.dump({"seconds": seconds, "rows": rows}, open(sys.argv[2], "w"))
"""


def run_baseline(sample_file: Path, out_file: Path) -> tuple[float, float, list[list[object]]]:
    """The dense brute force in its own process: (its compute seconds, peak RSS MB, rows)."""
    process = subprocess.Popen(
        [sys.executable, "-c", BASELINE_CHILD, str(sample_file), str(out_file)],
        stdin=subprocess.DEVNULL,
    )
    with PeakRssSampler(process.pid) as sampler:
        _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise GenresBenchError(f"the dense baseline failed (exit {os.waitstatus_to_exitcode(status)})")
    result = json.loads(out_file.read_text(encoding="utf-8"))
    peak_mb = max(sampler.peak_mb, round(usage.ru_maxrss * KB / 1024**2, 1))
    return float(result["seconds"]), peak_mb, result["rows"]


def load_model_module(project_dir: Path) -> ModuleType:
    """The Python model's file as a module, to call its functions outside dbt."""
    spec = importlib.util.spec_from_file_location(MODEL, project_dir / MODEL_FILE)
    if spec is None or spec.loader is None:
        raise GenresBenchError(f"cannot import {project_dir / MODEL_FILE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_genres(project_dir: Path, scale: BenchScale, work_dir: Path) -> GenresFigures:
    artists_dir = project_dir.parent / "shared" / "data" / "artists"
    coverage = measure_coverage(project_dir, artists_dir)
    logger.info("genres: seed coverage %.4f of %d assignments", coverage.share, coverage.assignments)

    lists = real_genre_lists(artists_dir)
    library = synthetic_library(lists, scale.similar_artists_library, scale.seed)
    warehouse = BenchWarehouse(project_dir, work_dir / "genres", work_dir / "genres" / "landing")
    warehouse.prepare()
    write_hub(warehouse.duckdb_path, library)
    # The seed and the families in one command (dbt's start costs seconds), without their tests.
    warehouse.run(
        *("build", "--select", "genre_families", "hub_music__svc_artist_genre_families"),
        *("--exclude", "resource_type:test", "resource_type:unit_test"),
    )
    measured = warehouse.run("run", "--select", MODEL)
    rows = similar_rows(warehouse.duckdb_path)
    if rows == 0:
        raise GenresBenchError(f"{MODEL} built no rows for {len(library)} artists")

    families = read_families(warehouse.duckdb_path)
    sample_ids = sorted(random.Random(scale.seed).sample(sorted(library), scale.similar_artists_baseline))
    sample_genres = {artist_id: library[artist_id] for artist_id in sample_ids}
    sample_families = {artist_id: families[artist_id] for artist_id in sample_ids if artist_id in families}
    sample_file = work_dir / "genres" / "baseline_sample.json"
    sample_file.write_text(
        json.dumps(
            {"genres": sample_genres, "families": sample_families, "k": K, "family_weight": FAMILY_WEIGHT}
        ),
        encoding="utf-8",
    )
    baseline_seconds, baseline_peak_mb, baseline_rows = run_baseline(
        sample_file, work_dir / "genres" / "baseline_rows.json"
    )
    model = load_model_module(project_dir)
    started = time.perf_counter()
    sparse_rows = model.similar_artists(sample_genres, sample_families, K, FAMILY_WEIGHT)
    sparse_seconds = time.perf_counter() - started
    if [list(row) for row in sparse_rows] != baseline_rows:
        raise GenresBenchError("the model's rows differ from the dense brute force on the baseline sample")

    figures: GenresFigures = {
        "coverage_share": round(coverage.share, 4),
        "coverage_assignments": coverage.assignments,
        "coverage_covered": coverage.covered,
        "coverage_by_file": {item.file: round(item.share, 4) for item in coverage.files},
        "similar_artists": len(library),
        "similar_rows": rows,
        "similar_k": K,
        "similar_command_s": round(measured.seconds, 2),
        "similar_model_s": round(measured.node_seconds.get(MODEL, 0.0), 2),
        "similar_cpu_s": round(measured.cpu_seconds, 2),
        "similar_peak_rss_mb": measured.peak_rss_mb,
        "baseline_artists": len(sample_ids),
        "baseline_dense_s": round(baseline_seconds, 2),
        "baseline_dense_peak_rss_mb": baseline_peak_mb,
        "baseline_sparse_s": round(sparse_seconds, 2),
        "baseline_rows_equal": True,
    }
    logger.info("genres: %s", figures)
    return figures
