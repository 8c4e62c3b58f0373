"""The report's pure parts: health marks against their thresholds, link filtering, the SVG text
alternative. No warehouse: the figures are given."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from spotify_enrichment.report_charts import bar_chart
from spotify_enrichment.report_checks import health_checks
from spotify_enrichment.report_data import ReportData, Section
from spotify_enrichment.report_html import render_report
from spotify_enrichment.report_warehouse import FreshnessThresholds

DAY_HOURS = 24


def report_data(health: dict[str, Any] | None = None, **fields: Any) -> ReportData:
    figures = {
        "artists": 1000,
        "enrichedArtists": 990,
        "okArtists": 980,
        "notFoundArtists": 10,
        "staleArtists": 0,
        "artistsWithGenres": 700,
        "withheldArtists": 0,
        "latestEnrichedAt": datetime(2026, 12, 1),
        "hoursSinceLatestEnrichment": 2,
        "plays": 5000,
        "msPlayed": 7_200_000,
        "minCoverage": 0.95,
        "staleAfterDays": 90,
        "maxStaleShare": 0.05,
        "minGenreCoverage": 0.5,
        **(health or {}),
    }
    values: dict[str, Any] = {
        "generated_at": datetime(2026, 12, 2, tzinfo=UTC),
        "adapter_type": "duckdb",
        "health": figures,
        "freshness": FreshnessThresholds(8 * DAY_HOURS, 15 * DAY_HOURS),
        "genres": [{"genre": "rock", "artists": 5, "plays": 9, "hoursPlayed": 1.5}],
        "listening_by_month": [],
        "popularity_bands": [],
        "follower_bands": [],
        "most_played": [],
        "not_found": [],
        "latest_runs": [],
        "run_history": Section(None, "not available: no run history"),
        "genre_families": Section(None, "not available: no families"),
        "genre_sources": Section(None, "not available: no sources"),
        "failed_runs": Section(None, "not available: no failed runs"),
        "failed_artists": Section(None, "not available: no failures recorded"),
        "quarantine": Section([{"files": 0}], "/landing/spotify/quarantine/"),
        **fields,
    }
    return ReportData(**values)


def marks(data: ReportData) -> dict[str, str]:
    return {check.name: check.mark for check in health_checks(data)}


def test_healthy_figures_pass_and_a_missing_run_history_is_not_judged() -> None:
    assert marks(report_data()) == {
        "Coverage": "pass",
        "Staleness": "pass",
        "Freshness": "pass",
        "Genre coverage": "pass",
        "Latest run": "n/a",
    }


@pytest.mark.parametrize(
    ("health", "check", "mark"),
    [
        ({"enrichedArtists": 949}, "Coverage", "fail"),
        ({"enrichedArtists": 950}, "Coverage", "pass"),
        ({"staleArtists": 49}, "Staleness", "pass"),
        ({"staleArtists": 50, "okArtists": 999}, "Staleness", "warn"),
        ({"hoursSinceLatestEnrichment": 8 * DAY_HOURS + 1}, "Freshness", "warn"),
        ({"hoursSinceLatestEnrichment": 15 * DAY_HOURS + 1}, "Freshness", "fail"),
        ({"hoursSinceLatestEnrichment": None}, "Freshness", "fail"),
        ({"artistsWithGenres": 400}, "Genre coverage", "warn"),
    ],
)
def test_a_figure_past_its_threshold_gets_the_monitors_mark(
    health: dict[str, Any], check: str, mark: str
) -> None:
    assert marks(report_data(health))[check] == mark


def test_the_latest_run_of_the_run_history_is_judged() -> None:
    stopped = report_data(run_history=Section([{"stopReason": "quota", "failed": 0}]))
    failed = report_data(run_history=Section([{"stopReason": None, "failed": 3}]))
    clean = report_data(run_history=Section([{"stopReason": None, "failed": 0}]))

    assert [marks(data)["Latest run"] for data in (stopped, failed, clean)] == ["fail", "warn", "pass"]


def test_only_spotify_links_reach_the_page() -> None:
    artists = [
        {"artistName": "Good", "playCount": 3, "spotifyUrl": "https://open.spotify.com/artist/x"},
        {"artistName": "Evil", "playCount": 2, "spotifyUrl": "javascript:alert(1)"},
        {"artistName": "<b>Tag</b>", "playCount": 1, "imageurlmedium": "https://evil.example/i.png"},
    ]

    html = render_report(report_data(most_played=artists), images="remote")

    assert 'href="https://open.spotify.com/artist/x"' in html
    assert "javascript:" not in html and "evil.example" not in html
    assert "&lt;b&gt;Tag&lt;/b&gt;" in html and "<b>Tag</b>" not in html


def test_missing_sections_say_not_available() -> None:
    html = render_report(report_data())

    for note in ("no run history", "no families", "no sources", "no failed runs", "no failures recorded"):
        assert f"not available: {note}" in html


def test_a_chart_states_its_data_in_words() -> None:
    svg = bar_chart("g", "Top genres", [("rock", 608), ("pop", 341)], "artists")

    assert 'role="img"' in svg and '<title id="g-title">Top genres</title>' in svg
    assert "rock: 608 artists; pop: 341 artists." in svg
