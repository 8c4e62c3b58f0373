"""The MusicBrainz benchmark: the project's fetcher against a naive client (one URL lookup plus one
artist lookup per artist, sequential at the allowance), each on its own MusicBrainz emulator that
enforces the allowance (503 beyond it), side by side. Targets (issue 11): requests per artist <= 1.1,
>= 0.9 of the allowance (the rate achieved is printed beside the allowance), 0 answers of 503 in a
clean run. The tests prove the pacing by the emulator's 503s alone; the rate reached is measured here."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import requests

from spotify_enrichment.musicbrainz_client import spotify_artist_url
from spotify_enrichment.musicbrainz_fetcher import fetch_musicbrainz_to_landing
from spotify_enrichment.settings import DEFAULT_MUSICBRAINZ_USER_AGENT, load_settings
from spotify_enrichment_dev.bench.results import MusicBrainzFigures
from spotify_enrichment_dev.bench.scale import BenchScale
from spotify_enrichment_dev.emulator_process import MusicBrainzEmulatorProcess
from spotify_enrichment_dev.musicbrainz_catalogue import write_musicbrainz_catalogue


def _naive(api_url: str, artist_ids: list[str], rate: float) -> tuple[float, int]:
    """The baseline: per artist a URL lookup, then the artist lookup when linked, one request every
    1/rate seconds (refused ones again). Returns (seconds, requests)."""
    session = requests.Session()
    session.headers["User-Agent"] = DEFAULT_MUSICBRAINZ_USER_AGENT
    sent = 0
    started = time.monotonic()

    def get(url: str, params: list[tuple[str, str]]) -> requests.Response:
        """One answer; a 503 is asked again at the next slot, so the baseline does the same work."""
        nonlocal sent
        while True:
            time.sleep(max(0.0, started + sent / rate - time.monotonic()))
            sent += 1
            answer = session.get(url, params=params, timeout=30)
            if answer.status_code != 503:
                return answer

    for artist_id in artist_ids:
        params = [("resource", spotify_artist_url(artist_id)), ("inc", "artist-rels"), ("fmt", "json")]
        answer = get(f"{api_url}/url", params)
        if answer.status_code != 200:
            continue
        relations = [r for r in answer.json().get("relations", []) if r.get("target-type") == "artist"]
        if relations:
            get(f"{api_url}/artist/{relations[0]['artist']['id']}", [("inc", "genres+tags"), ("fmt", "json")])
    return time.monotonic() - started, sent


def run_musicbrainz(spotify_catalogue: Path, scale: BenchScale, work_dir: Path) -> MusicBrainzFigures:
    folder = work_dir / "musicbrainz"
    folder.mkdir(parents=True, exist_ok=True)
    catalogue = folder / "musicbrainz_catalogue.jsonl"
    write_musicbrainz_catalogue([spotify_catalogue], catalogue, seed=scale.seed)
    with spotify_catalogue.open(encoding="utf-8") as lines:
        artist_ids = [json.loads(line)["id"] for line in lines if line.strip()]
    artist_ids = random.Random(scale.seed).sample(artist_ids, min(scale.musicbrainz_artists, len(artist_ids)))
    rate = scale.musicbrainz_requests_per_second
    naive: dict[str, Any] = {}
    with (
        MusicBrainzEmulatorProcess([catalogue], rate_limit=rate) as emulator,
        MusicBrainzEmulatorProcess([catalogue], rate_limit=rate) as naive_emulator,
    ):

        def run_naive() -> None:
            naive["seconds"], naive["requests"] = _naive(naive_emulator.api_url, artist_ids, rate)

        baseline = threading.Thread(target=run_naive)
        baseline.start()
        environ = {
            "SPOTIFY_CLIENT_ID": "bench",
            "SPOTIFY_CLIENT_SECRET": "bench",
            "MUSICBRAINZ_API_URL": emulator.api_url,
            "MUSICBRAINZ_REQUESTS_PER_SECOND": str(rate),
        }
        settings = load_settings(environ, dotenv_path="/dev/null")
        summary = fetch_musicbrainz_to_landing(artist_ids, str(folder / "landing"), settings)
        stats = emulator.stats()
        baseline.join()
        naive_stats = naive_emulator.stats()
    seconds = summary.seconds
    return MusicBrainzFigures(
        artists=len(artist_ids),
        requests_per_second_setting=rate,
        requests=stats["requests"],
        requests_per_second=round(stats["requests"] / seconds, 3),
        requests_per_artist=round(stats["requests"] / len(artist_ids), 3),
        share_of_allowance=round(stats["requests"] / seconds / rate, 3),
        refused_503=stats["refused_503"],
        seconds=seconds,
        ok=summary.ok,
        not_linked=summary.not_linked,
        naive_requests=naive_stats["requests"],
        naive_requests_per_artist=round(naive_stats["requests"] / len(artist_ids), 3),
        naive_seconds=round(naive["seconds"], 2),
        naive_refused_503=naive_stats["refused_503"],
        speedup_vs_naive=round(naive["seconds"] / seconds, 2),
    )
