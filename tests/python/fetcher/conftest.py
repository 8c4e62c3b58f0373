"""Fixtures of the fetcher tests: the real artist catalogue, the emulator, temporary folders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spotify_enrichment_dev.catalogue import load_catalogue
from spotify_enrichment_dev.emulator_process import EmulatorProcess


@pytest.fixture(scope="session")
def artists_csv(shared_data: Path) -> Path:
    return shared_data / "artists" / "artists.csv"


@pytest.fixture(scope="session")
def catalogue(artists_csv: Path) -> dict[str, Any]:
    """The emulator's view of artists.csv: artist objects by ID."""
    return dict(load_catalogue(artists_csv))


@pytest.fixture(scope="session")
def artist_ids(catalogue: dict[str, Any]) -> list[str]:
    return list(catalogue)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A working directory for CLI runs, without a .env file."""
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def extended_emulator(artists_csv: Path) -> Iterator[EmulatorProcess]:
    with EmulatorProcess(artists_csv) as emulator:
        yield emulator
