"""Fixtures of the emulator tests: running emulators, an HTTP client for them, and Spotify's own schemas."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from emulator_helpers import SpotifyClient, SpotifyContract

from spotify_enrichment_dev.emulator_process import EmulatorProcess

API_EXAMPLE_ARTIST_FILES = (
    "get-artist.json",
    "get-several-artists.json",
    "top-artists-long-term.json",
    "top-artists-medium-term.json",
    "top-artists-short-term.json",
)


@pytest.fixture(scope="session")
def spotify_contract(shared_data: Path) -> SpotifyContract:
    spec_path = shared_data / "spotify-openapi" / "official-spotify-open-api.yml"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with spec_path.open(encoding="utf-8") as spec_file:
        return SpotifyContract(yaml.load(spec_file, Loader=loader))  # noqa: S506 - a safe loader


@pytest.fixture(scope="session")
def artists_csv(shared_data: Path) -> Path:
    return shared_data / "artists" / "artists.csv"


@pytest.fixture(scope="session")
def api_example_files(shared_data: Path) -> list[Path]:
    return [shared_data / "api-examples" / name for name in API_EXAMPLE_ARTIST_FILES]


@pytest.fixture(scope="session")
def extended_emulator(artists_csv: Path, api_example_files: list[Path]) -> Iterator[EmulatorProcess]:
    """Extended quota, serving the 11,518 artists of artists.csv and the artists of the API examples."""
    with EmulatorProcess([artists_csv, *api_example_files]) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def development_emulator(artists_csv: Path, api_example_files: list[Path]) -> Iterator[EmulatorProcess]:
    with EmulatorProcess([artists_csv, *api_example_files], quota="development") as emulator:
        yield emulator


@pytest.fixture
def extended(extended_emulator: EmulatorProcess) -> SpotifyClient:
    """A client of the shared extended-quota emulator, its statistics reset for this test."""
    extended_emulator.reset_stats()
    return SpotifyClient(extended_emulator)


@pytest.fixture
def development(development_emulator: EmulatorProcess) -> SpotifyClient:
    development_emulator.reset_stats()
    return SpotifyClient(development_emulator)


@pytest.fixture
def start_emulator(artists_csv: Path) -> Iterator[Callable[..., SpotifyClient]]:
    """Start an emulator with the given options (catalogue: artists.csv unless given); stopped afterwards."""
    started: list[EmulatorProcess] = []

    def start(**options: Any) -> SpotifyClient:
        options.setdefault("catalogue", artists_csv)
        emulator = EmulatorProcess(**options).start()
        started.append(emulator)
        return SpotifyClient(emulator)

    yield start
    for emulator in started:
        emulator.stop()
