"""Fixtures of the bring-your-own-history tests: the real sample export (`../shared/data/export/`)
and what the real history it was derived from says the hub must hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from history_helpers import RealHistory, read_real_history


@pytest.fixture(scope="session")
def real_history(shared_data: Path) -> RealHistory:
    return read_real_history(shared_data)
