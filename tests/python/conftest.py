"""Fixtures shared by every test folder."""

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data beside the project. Missing data is an error, never a skip."""
    if not (SHARED_DATA / "SOURCES.md").is_file():
        pytest.fail(
            f"../shared/data not found at {SHARED_DATA}: tests need the real Spotify data beside the project"
        )
    return SHARED_DATA
