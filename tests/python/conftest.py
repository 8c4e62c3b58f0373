"""Fixtures shared by every test folder, and the folder grouping of `make pytest`'s workers."""

from pathlib import Path

import pytest

TESTS_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_ROOT.parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`make pytest` runs the suite on pytest-xdist workers with `--dist loadgroup`: every test of a
    folder goes to the same worker, so the folder's session fixtures (generated data, prepared
    warehouses, emulators) are built once rather than once per worker."""
    for item in items:
        folder = item.path.relative_to(TESTS_ROOT).parts[0]
        item.add_marker(pytest.mark.xdist_group(folder))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data beside the project. Missing data is an error, never a skip."""
    if not (SHARED_DATA / "SOURCES.md").is_file():
        pytest.fail(
            f"../shared/data not found at {SHARED_DATA}: tests need the real Spotify data beside the project"
        )
    return SHARED_DATA
