"""Verdicts and the required-key check: pure functions, no I/O."""

import pytest

from spotify_enrichment_dev.bench.report import render_table, verdicts
from spotify_enrichment_dev.bench.results import missing_keys


def complete_results() -> dict:
    rate = {"ratio_to_ceiling": 0.97, "r429_per_1000": 0.0}
    return {
        "rate_limited": {"extended": dict(rate), "development": dict(rate)},
        "latency_bound": {
            "extended": {"ids_per_s": 3000.0, "spotipy_ids_per_s": 800.0, "ratio": 3.75},
            "development": {"ids_per_s": 150.0, "spotipy_ids_per_s": 18.0, "ratio": 8.3},
        },
        "warehouse": {
            "artists": 1_000_000,
            "plays": 10_000_000,
            "full_build_s": 60.0,
            "incremental_build_s": 9.0,
            "incremental_ratio": 0.15,
            "peak_rss_mb": 3000.0,
        },
        "load": {"lines": 1_000_000, "lines_per_s": 250_000, "peak_rss_mb": 900.0},
        "report": {"artists": 1_000_000, "seconds": 20.0, "size_mb": 0.1, "peak_rss_mb": 400.0},
        "musicbrainz": {
            "requests_per_artist": 1.01,
            "requests_per_second": 0.95,
            "share_of_allowance": 0.95,
            "refused_503": 0,
            "naive_requests_per_artist": 1.7,
        },
        "genres": {
            "coverage_share": 0.96,
            "similar_command_s": 40.0,
            "similar_peak_rss_mb": 900.0,
            "baseline_dense_s": 5.0,
        },
        "lock_refusal": {"command_s": 1.8, "after_parse_s": 0.0, "cpu_s": 1.5},
        "machine": {"cores": 2, "memory_gb": 23.4, "python": "3.11.7", "duckdb": "1.5.5"},
        "total_seconds": 900.0,
    }


def test_complete_results_have_no_missing_key() -> None:
    assert missing_keys(complete_results()) == []


def test_a_missing_section_and_a_missing_key_are_named() -> None:
    results = complete_results()
    del results["load"]
    del results["rate_limited"]["development"]["r429_per_1000"]

    assert missing_keys(results) == [
        "rate_limited.development.r429_per_1000",
        "load.lines",
        "load.lines_per_s",
        "load.peak_rss_mb",
    ]


def test_every_target_met_gives_met_verdicts() -> None:
    assert {row["verdict"] for row in verdicts(complete_results())} == {"met"}


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("rate_limited.extended", "ratio_to_ceiling", 0.94),
        ("rate_limited.development", "r429_per_1000", 5.1),
        ("latency_bound.development", "ratio", 7.9),
        ("latency_bound.extended", "ratio", 2.9),
        ("warehouse", "incremental_ratio", 0.21),
        ("warehouse", "peak_rss_mb", 24 * 1024 + 1),
        ("load", "lines_per_s", 199_999),
        ("report", "seconds", 60.1),
        ("report", "size_mb", 20.1),
        ("musicbrainz", "requests_per_artist", 1.11),
        ("musicbrainz", "share_of_allowance", 0.89),
        ("musicbrainz", "refused_503", 1),
        ("genres", "coverage_share", 0.949),
        ("genres", "similar_command_s", 60.1),
        ("genres", "similar_peak_rss_mb", 2049),
        ("lock_refusal", "command_s", 2.1),
    ],
)
def test_a_figure_past_its_target_is_missed(section: str, key: str, value: float) -> None:
    results = complete_results()
    node = results
    for part in section.split("."):
        node = node[part]
    node[key] = value

    rows = {row["figure"]: row["verdict"] for row in verdicts(results)}

    assert rows[f"{section}.{key}"] == "MISSED"
    assert list(rows.values()).count("MISSED") == 1


def test_a_missing_figure_is_reported_not_passed() -> None:
    results = complete_results()
    del results["warehouse"]

    rows = {row["figure"]: row["verdict"] for row in verdicts(results)}

    assert rows["warehouse.incremental_ratio"] == "missing"
    assert "| warehouse: incremental / full build | - | <= 0.2 | missing |" in render_table(results)
