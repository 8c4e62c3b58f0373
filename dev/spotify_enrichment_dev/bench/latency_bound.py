"""Benchmark 2: no rate limit, 50 ms per answer: the fetcher against spotipy on the same emulator.

Extended quota: the fetcher in batch mode vs sequential `sp.artists(50 ids)`; development quota: the
fetcher in single mode vs sequential `sp.artist(id)`. Both runs include their token request."""

import logging
from pathlib import Path

from spotify_enrichment_dev.bench.emulated_api import Quota, api_requests, emulated_api
from spotify_enrichment_dev.bench.fetch_runs import ApiMode, BenchFetchError
from spotify_enrichment_dev.bench.project_fetcher import run_project_fetcher
from spotify_enrichment_dev.bench.results import LatencyBoundFigures, LatencyBoundSection
from spotify_enrichment_dev.bench.scale import BenchScale
from spotify_enrichment_dev.bench.spotipy_baseline import run_spotipy

logger = logging.getLogger(__name__)

API_MODE: dict[Quota, ApiMode] = {"extended": "batch", "development": "single"}


def measure_quota(
    quota: Quota, artist_ids: list[str], catalogue: Path, scale: BenchScale, work_dir: Path
) -> LatencyBoundFigures:
    api_mode = API_MODE[quota]
    with emulated_api(catalogue, quota=quota, latency_ms=scale.latency_bound_latency_ms) as (
        emulator,
        endpoint,
    ):
        fetch = run_project_fetcher(artist_ids, work_dir / f"latency_bound_{quota}", endpoint, api_mode)
        fetcher_requests = api_requests(emulator.stats())
        emulator.reset_stats()
        baseline = run_spotipy(artist_ids, endpoint, api_mode)
        spotipy_requests = api_requests(emulator.stats())
    if baseline.answered != len(artist_ids):
        raise BenchFetchError(f"spotipy answered {baseline.answered} of {len(artist_ids)} artists ({quota})")
    ids_per_s = fetch.answered / fetch.seconds
    spotipy_ids_per_s = baseline.answered / baseline.seconds
    figures: LatencyBoundFigures = {
        "ids_per_s": round(ids_per_s, 1),
        "spotipy_ids_per_s": round(spotipy_ids_per_s, 1),
        "ratio": round(ids_per_s / spotipy_ids_per_s, 2),
        "artists": len(artist_ids),
        "seconds": round(fetch.seconds, 2),
        "spotipy_seconds": round(baseline.seconds, 2),
        "requests": fetcher_requests,
        "spotipy_requests": spotipy_requests,
    }
    logger.info("latency-bound %s: %s", quota, figures)
    return figures


def run_latency_bound(
    artist_ids: list[str], catalogue: Path, scale: BenchScale, work_dir: Path
) -> LatencyBoundSection:
    return {
        "extended": measure_quota(
            "extended", artist_ids[: scale.latency_bound_extended_artists], catalogue, scale, work_dir
        ),
        "development": measure_quota(
            "development", artist_ids[: scale.latency_bound_development_artists], catalogue, scale, work_dir
        ),
    }
