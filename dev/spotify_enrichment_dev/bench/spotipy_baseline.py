"""The baseline: spotipy 2.26 as its users write it, sequential `sp.artists(50 ids)` in batch mode and
`sp.artist(id)` in single mode, pointed at the emulator."""

import logging
import time
from dataclasses import dataclass
from typing import Any

import spotipy
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.exceptions import SpotifyException

from spotify_enrichment_dev.bench.fetch_runs import ApiEndpoint, ApiMode

BATCH_SIZE = 50
REQUESTS_TIMEOUT_SECONDS = 30
RETRIES = 3  # spotipy's own default


@dataclass(frozen=True)
class SpotipyFetch:
    answered: int
    seconds: float


def spotipy_client(endpoint: ApiEndpoint) -> Any:
    """A spotipy client whose token URL and API prefix are the emulator's: spotipy reads both from
    attributes (`SpotifyClientCredentials.OAUTH_TOKEN_URL`, `Spotify.prefix`), not from arguments."""
    auth = spotipy.SpotifyClientCredentials(
        client_id=endpoint.client_id,
        client_secret=endpoint.client_secret,
        cache_handler=MemoryCacheHandler(),
        requests_timeout=REQUESTS_TIMEOUT_SECONDS,
    )
    auth.OAUTH_TOKEN_URL = f"{endpoint.accounts_url.rstrip('/')}/api/token"
    client = spotipy.Spotify(auth_manager=auth, requests_timeout=REQUESTS_TIMEOUT_SECONDS, retries=RETRIES)
    client.prefix = f"{endpoint.api_url.rstrip('/')}/"
    return client


def run_spotipy(artist_ids: list[str], endpoint: ApiEndpoint, api_mode: ApiMode) -> SpotipyFetch:
    """Fetch every ID one request after the other; unknown IDs (null in a batch answer, 404 on a single
    call) count as answered, as they do for the project's fetcher. Timed from client creation on, so the
    token request is inside the figure as it is for the fetcher."""
    # spotipy logs every 404 at ERROR level; unknown IDs are expected here and counted instead.
    logging.getLogger("spotipy.client").setLevel(logging.CRITICAL)
    started = time.perf_counter()
    client = spotipy_client(endpoint)
    answered = 0
    if api_mode == "batch":
        for start in range(0, len(artist_ids), BATCH_SIZE):
            answer = client.artists(artist_ids[start : start + BATCH_SIZE])
            answered += len(answer["artists"])
    else:
        for artist_id in artist_ids:
            try:
                client.artist(artist_id)
            except SpotifyException as error:
                if error.http_status != 404:
                    raise
            answered += 1
    return SpotipyFetch(answered=answered, seconds=time.perf_counter() - started)
