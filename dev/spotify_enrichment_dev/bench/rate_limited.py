"""Benchmark 1: the fetcher against a rate limit (emulator `--rate-limit`, 100 ms latency), in both quotas.

The ceiling is what a client that never wastes a request can reach: the limit (requests per rolling
30 s) times the artists one request carries (50 in batch, 1 in single mode).

Each quota runs twice, side by side (each fetch a `python -m spotify_enrichment fetch` process on its
own emulator; the runs mostly wait, so they do not disturb each other): with
`SPOTIFY_REQUESTS_PER_WINDOW` set to the limit (a user who knows the app's limit; the judged figure)
and with every setting at its default (budget learnt from the first 429; reported as
`default_settings`). Spotify publishes no limit, so the second is what a new user gets."""

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from spotify_enrichment_dev.bench.emulated_api import Quota, api_requests, emulated_api, rate_limited_answers
from spotify_enrichment_dev.bench.fetch_runs import BenchFetchError
from spotify_enrichment_dev.bench.project_fetcher import run_fetch_command
from spotify_enrichment_dev.bench.results import RateLimitedFigures, RateLimitedSection
from spotify_enrichment_dev.bench.scale import BenchScale

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 30
ARTISTS_PER_REQUEST: dict[Quota, int] = {"extended": 50, "development": 1}
QUOTAS: tuple[Quota, ...] = ("extended", "development")
DEADLINE_SLACK_SECONDS = 60


def ceiling_artists_per_s(rate_limit: int, quota: Quota) -> float:
    return rate_limit / WINDOW_SECONDS * ARTISTS_PER_REQUEST[quota]


def best_possible_seconds(requests: int, rate_limit: int) -> float:
    """The earliest a client can finish: the window starts empty, so `rate_limit` requests may go at
    once and each further `rate_limit` must wait for the window to roll (latency aside)."""
    return ((requests - 1) // rate_limit) * WINDOW_SECONDS if requests > 0 else 0.0


def deadline_seconds(artists: int, ceiling: float) -> float:
    """Half again the time a fetch at the ceiling needs, plus a minute of start-up slack."""
    return 1.5 * artists / ceiling + DEADLINE_SLACK_SECONDS


def measure_quota(
    quota: Quota,
    artist_ids: list[str],
    catalogue: Path,
    scale: BenchScale,
    work_dir: Path,
    *,
    budget: int,
) -> RateLimitedFigures:
    """One fetch in `auto` mode (what users run: in development quota it meets one 403 and switches
    to single calls); `budget` 0 leaves SPOTIFY_REQUESTS_PER_WINDOW at its default."""
    settings = {"SPOTIFY_REQUESTS_PER_WINDOW": str(budget)} if budget else {}
    name = f"rate_limited_{quota}_{'budget' if budget else 'default'}"
    ceiling = ceiling_artists_per_s(scale.rate_limit_per_window, quota)
    with emulated_api(
        catalogue,
        quota=quota,
        latency_ms=scale.rate_limited_latency_ms,
        rate_limit=scale.rate_limit_per_window,
    ) as (emulator, endpoint):
        fetch = run_fetch_command(
            artist_ids,
            work_dir / name,
            endpoint,
            "auto",
            settings,
            timeout_seconds=deadline_seconds(len(artist_ids), ceiling),
        )
        stats = emulator.stats()
    requests = api_requests(stats)
    rejected = rate_limited_answers(stats)
    achieved = fetch.answered / fetch.seconds
    best = best_possible_seconds(requests - rejected, scale.rate_limit_per_window)
    figures: RateLimitedFigures = {
        "ratio_to_ceiling": round(achieved / ceiling, 3),
        "r429_per_1000": round(1000 * rejected / requests, 2) if requests else 0.0,
        "artists": len(artist_ids),
        "requests": requests,
        "rate_limited": rejected,
        "seconds": round(fetch.seconds, 2),
        "artists_per_s": round(achieved, 2),
        "ceiling_artists_per_s": round(ceiling, 2),
        "requests_per_window_setting": budget,
        "best_possible_seconds": best,
        "ratio_to_best_possible": round(best / fetch.seconds, 3) if fetch.seconds > 0 else 0.0,
    }
    logger.info("%s: %s", name, figures)
    return figures


def run_rate_limited(
    artist_ids: list[str], catalogue: Path, scale: BenchScale, work_dir: Path
) -> RateLimitedSection:
    sizes: dict[Quota, int] = {
        "extended": scale.rate_limited_extended_artists,
        "development": scale.rate_limited_development_artists,
    }
    with ThreadPoolExecutor(max_workers=2 * len(QUOTAS), thread_name_prefix="rate-limited") as pool:
        runs = {
            (quota, budget): pool.submit(
                measure_quota, quota, artist_ids[: sizes[quota]], catalogue, scale, work_dir, budget=budget
            )
            for quota in QUOTAS
            for budget in (scale.rate_limit_per_window, 0)
        }
        judged = {quota: runs[quota, scale.rate_limit_per_window].result() for quota in QUOTAS}
        for quota in QUOTAS:
            try:
                judged[quota]["default_settings"] = runs[quota, 0].result()
            except BenchFetchError as error:
                # Context only: its failure is reported without hiding the judged figures.
                logger.warning("rate-limited %s with default settings: %s", quota, error)
                judged[quota]["default_settings_error"] = str(error)
    return {"extended": judged["extended"], "development": judged["development"]}
