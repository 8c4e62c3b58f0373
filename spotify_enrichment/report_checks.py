"""The report's health checks: each figure beside its threshold (the monitors' vars and the source's
freshness) and a pass / warn / fail mark that follows the same rule as the dbt test behind it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from spotify_enrichment.report_data import ReportData

Mark = Literal["pass", "warn", "fail", "n/a"]


@dataclass(frozen=True)
class Check:
    name: str
    value: str
    threshold: str
    mark: Mark
    explanation: str


def share(part: object, whole: object) -> float | None:
    whole_number = float(whole or 0)  # type: ignore[arg-type]
    return float(part or 0) / whole_number if whole_number else None  # type: ignore[arg-type]


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def coverage(data: ReportData) -> float | None:
    """Share of hub artists with an enrichment (ok or not_found): the enrichment_coverage monitor."""
    return share(data.health["enrichedArtists"], data.health["artists"])


def _coverage_check(data: ReportData) -> Check:
    value, minimum = coverage(data), float(data.health["minCoverage"])
    return Check(
        "Coverage",
        percent(value),
        f"at least {minimum:.0%} (var enrichment_min_coverage)",
        "n/a" if value is None else ("pass" if value >= minimum else "fail"),
        "share of artists in your history that Spotify was asked about (ok or not found)",
    )


def _staleness_check(data: ReportData) -> Check:
    health = data.health
    value, maximum = share(health["staleArtists"], health["okArtists"]), float(health["maxStaleShare"])
    return Check(
        "Staleness",
        percent(value),
        f"at most {maximum:.0%} older than {health['staleAfterDays']} days (var enrichment_max_stale_share)",
        "n/a" if value is None else ("pass" if value <= maximum else "warn"),
        "share of enriched artists whose Spotify data is old; `enrich_artists` mode refresh renews them",
    )


def _freshness_check(data: ReportData) -> Check:
    hours = data.health["hoursSinceLatestEnrichment"]
    warn, error = data.freshness.warn_after_hours, data.freshness.error_after_hours
    threshold = ", ".join(
        part
        for part in (
            f"warn after {warn / 24:g} days" if warn else "",
            f"fail after {error / 24:g} days" if error else "",
        )
        if part
    )
    if hours is None:
        mark: Mark = "fail"
        value = "never enriched"
    else:
        mark = "fail" if error and hours > error else "warn" if warn and hours > warn else "pass"
        value = f"{float(hours) / 24:.1f} days ago"
    return Check(
        "Freshness",
        value,
        threshold or "none declared",
        mark,
        "age of the newest enrichment (dbt source freshness on enrichedAt)",
    )


def _genre_check(data: ReportData) -> Check:
    health = data.health
    value = share(health["artistsWithGenres"], health["okArtists"])
    minimum = float(health["minGenreCoverage"])
    withheld = int(health["withheldArtists"] or 0)
    explanation = "share of enriched artists with at least one genre"
    if withheld:
        explanation += f"; Spotify withheld genres, popularity and followers for {withheld:,} artists"
    return Check(
        "Genre coverage",
        percent(value),
        f"at least {minimum:.0%} (var enrichment_min_genre_coverage)",
        "n/a" if value is None else ("pass" if value >= minimum else "warn"),
        explanation,
    )


def _latest_run_check(data: ReportData) -> Check:
    if not data.run_history.available:
        return Check("Latest run", "not available", "no stop, no failed artist", "n/a", data.run_history.note)
    if not data.run_history.rows:
        return Check("Latest run", "none yet", "no stop, no failed artist", "n/a", "the run history is empty")
    latest = data.run_history.rows[0]
    stopped, failed = latest.get("stopReason"), int(latest.get("failed") or 0)
    return Check(
        "Latest run",
        f"stopped ({stopped})" if stopped else f"{failed:,} failed artists",
        "no stop, no failed artist",
        "fail" if stopped else ("warn" if failed else "pass"),
        "the newest run of the run history",
    )


def health_checks(data: ReportData) -> list[Check]:
    return [
        _coverage_check(data),
        _staleness_check(data),
        _freshness_check(data),
        _genre_check(data),
        _latest_run_check(data),
    ]
