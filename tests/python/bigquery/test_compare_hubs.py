"""The row-for-row comparison `make test-bigquery` relies on: it must see every kind of difference."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "test_bigquery.py"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("test_bigquery_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


COLUMNS = ["artistId", "genres", "popularity", "enrichedAt"]
NAIVE_UTC = datetime(2026, 11, 1, 12, 0, 0)  # DuckDB keeps naive UTC timestamps
AWARE_UTC = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)


def snapshots(script: ModuleType, duck_row: tuple, bq_row: tuple) -> tuple:
    return (
        script.HubSnapshot(COLUMNS, [duck_row]),
        script.HubSnapshot(COLUMNS, [bq_row], frozenset({"genres"})),
    )


def test_equal_rows_differ_in_nothing_even_with_naive_and_aware_utc_timestamps(script: ModuleType) -> None:
    duck, bq = snapshots(script, ("a", ["pop"], 50, NAIVE_UTC), ("a", ["pop"], 50, AWARE_UTC))

    assert script.compare_hubs(duck, bq) == []


def test_a_changed_value_is_reported_by_artist_and_column(script: ModuleType) -> None:
    duck, bq = snapshots(script, ("a", ["pop"], 50, NAIVE_UTC), ("a", ["pop"], 51, AWARE_UTC))

    assert script.compare_hubs(duck, bq) == ["artist a column popularity: DuckDB 50 vs BigQuery 51"]


def test_a_null_scalar_is_not_zero(script: ModuleType) -> None:
    duck, bq = snapshots(script, ("a", ["pop"], None, NAIVE_UTC), ("a", ["pop"], 0, AWARE_UTC))

    assert len(script.compare_hubs(duck, bq)) == 1


def test_a_null_array_reads_as_empty_on_bigquery_but_not_as_a_filled_one(script: ModuleType) -> None:
    duck, bq_empty = snapshots(script, ("a", None, None, NAIVE_UTC), ("a", [], None, AWARE_UTC))
    _, bq_filled = snapshots(script, ("a", None, None, NAIVE_UTC), ("a", ["pop"], None, AWARE_UTC))

    assert script.compare_hubs(duck, bq_empty) == []
    assert len(script.compare_hubs(duck, bq_filled)) == 1


def test_a_shifted_timestamp_and_a_missing_artist_are_reported(script: ModuleType) -> None:
    duck = script.HubSnapshot(COLUMNS, [("a", [], 1, NAIVE_UTC), ("b", [], 1, NAIVE_UTC)])
    bq = script.HubSnapshot(COLUMNS, [("a", [], 1, AWARE_UTC.replace(hour=13))], frozenset({"genres"}))

    differences = script.compare_hubs(duck, bq)

    assert "row counts differ: DuckDB 2 vs BigQuery 1" in differences
    assert "artist b only in the DuckDB hub" in differences
    assert any(difference.startswith("artist a column enrichedAt") for difference in differences)
