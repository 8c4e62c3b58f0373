"""Fixtures shared by every test folder, and the grouping and order of `make pytest`'s workers."""

from pathlib import Path

import pytest
from support.xdist_groups import CostFirstGroupScheduling, group_and_order

TESTS_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_ROOT.parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`make pytest` runs the suite on pytest-xdist workers with `--dist loadgroup`: one group per test
    module, except that the modules sharing an expensive session fixture (a prepared warehouse, an
    emulator) form one group, so that fixture is built once; the costliest groups first
    (support/xdist_groups.py)."""
    items[:] = group_and_order(items, TESTS_ROOT)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """The groups in the order above, each handed out only when a worker is about to run out."""
    if config.getvalue("dist") != "loadgroup":
        return None
    return CostFirstGroupScheduling(config, log)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data beside the project. Missing data is an error, never a skip."""
    if not (SHARED_DATA / "SOURCES.md").is_file():
        pytest.fail(
            f"../shared/data not found at {SHARED_DATA}: tests need the real Spotify data beside the project"
        )
    return SHARED_DATA
