"""Targets of issue 7, a verdict per figure, and the printed table."""

from dataclasses import dataclass
from typing import Any

MB_PER_GB = 1024


@dataclass(frozen=True)
class Target:
    figure: str  # dotted key in the results
    label: str
    threshold: float
    at_least: bool  # True: the figure must reach the threshold; False: stay at or below it

    @property
    def wanted(self) -> str:
        shown = f"{self.threshold:,.0f}" if self.threshold >= 1000 else f"{self.threshold:g}"
        return (">= " if self.at_least else "<= ") + shown

    def holds(self, value: float) -> bool:
        return value >= self.threshold if self.at_least else value <= self.threshold


TARGETS: tuple[Target, ...] = (
    Target("rate_limited.extended.ratio_to_ceiling", "rate-limited extended: share of ceiling", 0.95, True),
    Target("rate_limited.extended.r429_per_1000", "rate-limited extended: 429s per 1,000 requests", 5, False),
    Target(
        "rate_limited.development.ratio_to_ceiling", "rate-limited development: share of ceiling", 0.95, True
    ),
    Target(
        "rate_limited.development.r429_per_1000",
        "rate-limited development: 429s per 1,000 requests",
        5,
        False,
    ),
    Target("latency_bound.extended.ratio", "latency-bound extended: x spotipy", 3, True),
    Target("latency_bound.development.ratio", "latency-bound development: x spotipy", 8, True),
    Target("warehouse.incremental_ratio", "warehouse: incremental / full build", 0.2, False),
    Target("warehouse.peak_rss_mb", "warehouse: full build peak memory (MB)", 24 * MB_PER_GB, False),
    Target("load.lines_per_s", "load: landing lines per second", 200_000, True),
    Target("report.seconds", "report: HTML report of the warehouse, seconds", 60, False),
    Target("report.size_mb", "report: HTML file size (MB)", 20, False),
    Target("musicbrainz.requests_per_artist", "musicbrainz: requests per artist", 1.1, False),
    Target(
        "musicbrainz.share_of_allowance", "musicbrainz: share of the requests-per-second allowance", 0.9, True
    ),
    Target("musicbrainz.refused_503", "musicbrainz: 503 answers in a clean run", 0, False),
    Target("genres.coverage_share", "genre families seed: share of real genre assignments", 0.95, True),
    Target("genres.similar_command_s", "similar artists, 50,000 artists: seconds", 60, False),
    Target("genres.similar_peak_rss_mb", "similar artists, 50,000 artists: peak memory (MB)", 2048, False),
    Target(
        "lock_refusal.command_s", "a second enrich_artists refused: seconds, dbt's start included", 2, False
    ),
    Target("total_seconds", "make bench: total seconds", 1200, False),
)

# Context rows: printed, not judged.
CONTEXT: tuple[tuple[str, str], ...] = (
    (
        "rate_limited.extended.ratio_to_best_possible",
        "rate-limited extended: share of a perfect client's pace",
    ),
    (
        "rate_limited.development.ratio_to_best_possible",
        "rate-limited development: share of a perfect client's pace",
    ),
    (
        "rate_limited.extended.default_settings.ratio_to_ceiling",
        "rate-limited extended, default settings: share of ceiling",
    ),
    (
        "rate_limited.extended.default_settings.r429_per_1000",
        "rate-limited extended, default settings: 429s per 1,000",
    ),
    (
        "rate_limited.development.default_settings.ratio_to_ceiling",
        "rate-limited development, default settings: share of ceiling",
    ),
    (
        "rate_limited.development.default_settings.r429_per_1000",
        "rate-limited development, default settings: 429s per 1,000",
    ),
    ("latency_bound.extended.ids_per_s", "latency-bound extended: fetcher artists/s"),
    ("latency_bound.extended.spotipy_ids_per_s", "latency-bound extended: spotipy artists/s"),
    ("latency_bound.development.ids_per_s", "latency-bound development: fetcher artists/s"),
    ("latency_bound.development.spotipy_ids_per_s", "latency-bound development: spotipy artists/s"),
    ("warehouse.full_build_s", "warehouse: full dbt build seconds"),
    ("warehouse.incremental_build_s", "warehouse: incremental dbt build seconds"),
    ("load.peak_rss_mb", "load: peak memory (MB)"),
    ("load.lines_per_s_including_dbt_start", "load: lines per second including dbt's start"),
    ("warehouse.dbt_command_floor_s", "dbt command that does nothing: seconds"),
    ("report.peak_rss_mb", "report: peak memory (MB)"),
    ("musicbrainz.requests_per_second", "musicbrainz: achieved requests per second"),
    ("musicbrainz.requests_per_second_setting", "musicbrainz: allowance, requests per second"),
    ("musicbrainz.naive_requests_per_artist", "musicbrainz naive client: requests per artist"),
    ("musicbrainz.seconds", "musicbrainz: fetcher seconds"),
    ("musicbrainz.naive_seconds", "musicbrainz naive client: seconds"),
    ("musicbrainz.speedup_vs_naive", "musicbrainz: x naive client"),
    ("lock_refusal.after_parse_s", "a second enrich_artists: seconds from dbt's parse to the refusal"),
    ("lock_refusal.cpu_s", "a second enrich_artists refused: CPU seconds"),
    ("genres.similar_model_s", "similar artists, 50,000 artists: the model's own seconds"),
    ("genres.similar_cpu_s", "similar artists, 50,000 artists: CPU seconds of the command"),
    ("genres.baseline_dense_s", "similar artists, 5,000 sample: dense brute force seconds"),
    ("genres.baseline_dense_peak_rss_mb", "similar artists, 5,000 sample: dense brute force peak MB"),
    ("genres.baseline_sparse_s", "similar artists, 5,000 sample: the model's sparse top-k seconds"),
)


def figure(results: dict[str, Any], dotted: str) -> float | None:
    node: Any = results
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, int | float) else None


def verdicts(results: dict[str, Any]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for target in TARGETS:
        value = figure(results, target.figure)
        verdict = "missing" if value is None else ("met" if target.holds(value) else "MISSED")
        rows.append(
            {"figure": target.figure, "value": _shown(value), "target": target.wanted, "verdict": verdict}
        )
    return rows


def _shown(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) >= 10 else f"{value:.3f}"


def render_table(results: dict[str, Any]) -> str:
    """A plain-text table (also valid Markdown) of figure, value, target and verdict."""
    labels = {target.figure: target.label for target in TARGETS}
    lines = ["| figure | value | target | verdict |", "| --- | ---: | --- | --- |"]
    for row in verdicts(results):
        lines.append(f"| {labels[row['figure']]} | {row['value']} | {row['target']} | {row['verdict']} |")
    for dotted, label in CONTEXT:
        lines.append(f"| {label} | {_shown(figure(results, dotted))} | | |")
    return "\n".join(lines)
