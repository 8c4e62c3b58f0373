"""The shape of `bench/results/latest.json` (the keys of issue 7, plus the sizes actually run)."""

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from spotify_enrichment_dev.bench.machine import MachineFigures


class RateLimitedFigures(TypedDict):
    """`default_settings`: the same run with every fetcher setting at its default (budget learnt)."""

    ratio_to_ceiling: float
    r429_per_1000: float
    artists: int
    requests: int
    rate_limited: int
    seconds: float
    artists_per_s: float
    ceiling_artists_per_s: float
    requests_per_window_setting: int
    # Short runs can beat the ceiling: the window starts empty. This is the floor for a perfect client.
    best_possible_seconds: float
    ratio_to_best_possible: float
    default_settings: NotRequired["RateLimitedFigures"]
    default_settings_error: NotRequired[str]


class RateLimitedSection(TypedDict):
    extended: RateLimitedFigures
    development: RateLimitedFigures


class LatencyBoundFigures(TypedDict):
    ids_per_s: float
    spotipy_ids_per_s: float
    ratio: float
    artists: int
    seconds: float
    spotipy_seconds: float
    requests: int
    spotipy_requests: int


class LatencyBoundSection(TypedDict):
    extended: LatencyBoundFigures
    development: LatencyBoundFigures


class WarehouseFigures(TypedDict):
    artists: int
    plays: int
    full_build_s: float
    incremental_build_s: float
    incremental_ratio: float
    peak_rss_mb: float
    incremental_peak_rss_mb: float
    new_enrichments: int
    generate_s: float
    history_load_s: float
    dbt_command_floor_s: float  # a dbt command that does nothing (the loader over an empty folder)
    full_build_slowest_nodes: list[tuple[str, float]]
    incremental_build_slowest_nodes: list[tuple[str, float]]


class LoadFigures(TypedDict):
    lines: int
    lines_per_s: float
    peak_rss_mb: float
    seconds: float
    command_seconds: float
    empty_command_seconds: float
    lines_per_s_including_dbt_start: float


class ReportFigures(TypedDict):
    """The HTML report of the warehouse at scale (the CLI, dbt's parse included)."""

    artists: int
    seconds: float
    size_mb: float
    peak_rss_mb: float


class MusicBrainzFigures(TypedDict):
    artists: int
    requests_per_second_setting: float
    requests: int
    requests_per_second: float
    requests_per_artist: float
    share_of_allowance: float
    refused_503: int
    seconds: float
    ok: int
    not_linked: int
    naive_requests: int
    naive_requests_per_artist: float
    naive_seconds: float
    naive_refused_503: int
    speedup_vs_naive: float


class GenresFigures(TypedDict):
    """Issue 14: seed coverage of the real artist files; hub_music__svc_similar_artists at scale and the
    dense brute-force baseline on a sample."""

    coverage_share: float
    coverage_assignments: int
    coverage_covered: int
    coverage_by_file: dict[str, float]
    similar_artists: int
    similar_rows: int
    similar_k: int
    similar_command_s: float  # `dbt run --select hub_music__svc_similar_artists`, dbt's start included
    similar_model_s: float  # the model's own node time (run_results.json)
    similar_cpu_s: float  # user + system CPU seconds of that command, which other work does not inflate
    similar_peak_rss_mb: float
    baseline_artists: int
    baseline_dense_s: float
    baseline_dense_peak_rss_mb: float
    baseline_sparse_s: float  # the model's functions on the same sample
    baseline_rows_equal: bool


class LockRefusalFigures(TypedDict):
    """Issue 13: a second `enrich_artists` while the run lock is held (medians of `repeats`)."""

    repeats: int
    command_s: float  # wall seconds of the refused command, dbt's start included
    command_max_s: float
    after_parse_s: float  # dbt's "Found N models" line to the refusal (whole seconds of dbt's log)
    cpu_s: float  # user + system CPU seconds of the command


class BenchResults(TypedDict, total=False):
    """A failed benchmark leaves its section out and says why in `errors`."""

    scale: str
    started_at: str
    total_seconds: float
    sizes: dict[str, int | str]
    rate_limited: RateLimitedSection
    latency_bound: LatencyBoundSection
    musicbrainz: MusicBrainzFigures
    warehouse: WarehouseFigures
    load: LoadFigures
    report: ReportFigures
    genres: GenresFigures
    lock_refusal: LockRefusalFigures
    machine: MachineFigures
    verdicts: list[dict[str, str]]
    errors: dict[str, str]


REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "rate_limited.extended": ("ratio_to_ceiling", "r429_per_1000"),
    "rate_limited.development": ("ratio_to_ceiling", "r429_per_1000"),
    "latency_bound.extended": ("ids_per_s", "spotipy_ids_per_s", "ratio"),
    "latency_bound.development": ("ids_per_s", "spotipy_ids_per_s", "ratio"),
    "warehouse": (
        "artists",
        "plays",
        "full_build_s",
        "incremental_build_s",
        "incremental_ratio",
        "peak_rss_mb",
    ),
    "load": ("lines", "lines_per_s", "peak_rss_mb"),
    "report": ("artists", "seconds", "size_mb"),
    "musicbrainz": (
        "requests_per_artist",
        "requests_per_second",
        "share_of_allowance",
        "refused_503",
        "naive_requests_per_artist",
    ),
    "genres": ("coverage_share", "similar_command_s", "similar_peak_rss_mb", "baseline_dense_s"),
    "lock_refusal": ("command_s", "after_parse_s", "cpu_s"),
    "machine": ("cores", "memory_gb", "python", "duckdb"),
}


def missing_keys(results: Mapping[str, Any]) -> list[str]:
    """Dotted names of the issue's keys that `results` lacks (empty when complete)."""
    missing: list[str] = []
    for section, keys in REQUIRED_KEYS.items():
        node: Any = results
        for part in section.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                missing.append(f"{section}.{key}")
    return missing


def write_results(results: BenchResults, path: Path) -> None:
    """Write atomically: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)
