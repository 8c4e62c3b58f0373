"""BigQuery's JSON export writes every INT64 as a string; the loader takes those strings as numbers in
files BigQuery exported (by their name) and nowhere else. Here on the DuckDB load path (a local
landing folder, the real loader and DuckDB warehouse); the BigQuery path is
tests/python/bigquery/test_load_bigquery_export.py."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from enrichment_helpers import contract_lake
from support.bigquery_export import (
    FOLLOWERS,
    export_name,
    exported_artist_line,
    exported_artist_lines,
    exported_run_line,
    fetched_name,
)

from spotify_enrichment import loader
from spotify_enrichment.contract import from_bigquery_export, line_error
from spotify_enrichment.landing import is_bigquery_export, landing_file_name, landing_file_owner
from spotify_enrichment.records import ARTIST_ENRICHMENT, ENRICHMENT_RUNS
from spotify_enrichment.warehouse_duckdb import DuckDBWarehouse

ARTIST_TABLE = f"lake.{ARTIST_ENRICHMENT.lake_table}"


def artist_id(number: int) -> str:
    return f"Export{number:02d}".ljust(22, "A")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing" / "spotify" / "landing"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def warehouse(tmp_path: Path) -> DuckDBWarehouse:
    return DuckDBWarehouse(*contract_lake(tmp_path / "w.duckdb"))


def test_only_names_bigquery_exports_get_are_exports() -> None:
    assert is_bigquery_export(export_name(ARTIST_ENRICHMENT))
    assert is_bigquery_export(export_name(ENRICHMENT_RUNS, shard=12))
    assert landing_file_owner(export_name(ARTIST_ENRICHMENT)) == "0123abcd"
    fetched = landing_file_name(datetime.now(UTC), "0a1b2c3d", "01234567")
    for name in (fetched, fetched_name(ARTIST_ENRICHMENT), "20261203T060000Z_artist_enrichment.jsonl"):
        assert not is_bigquery_export(name), name


def test_int64_strings_become_numbers_in_whole_number_columns_only() -> None:
    line = json.loads(exported_artist_line(artist_id(1)))
    line["artistName"] = "57"
    decoded = from_bigquery_export(ARTIST_ENRICHMENT, line)
    assert (decoded["popularity"], decoded["followerCount"], decoded["artistName"]) == (57, FOLLOWERS, "57")
    assert [(image["height"], image["width"]) for image in decoded["images"]] == [(640, 640), (0, None)]
    assert line_error(ARTIST_ENRICHMENT, decoded) is None
    assert line_error(ARTIST_ENRICHMENT, line) == "popularity '57' is not a whole number"
    # Not an object, or a key outside the contract: left for the check to refuse.
    assert from_bigquery_export(ARTIST_ENRICHMENT, ["1"]) == ["1"]
    assert from_bigquery_export(ARTIST_ENRICHMENT, {"extra": "1"}) == {"extra": "1"}


def test_an_export_loads_with_its_integers_and_keeps_its_bytes(
    landing: Path, warehouse: DuckDBWarehouse
) -> None:
    artists = exported_artist_lines([artist_id(1), artist_id(2)])
    (landing / export_name(ARTIST_ENRICHMENT)).write_bytes(artists)
    (landing / export_name(ENRICHMENT_RUNS)).write_bytes(exported_run_line("bq_export_test"))

    summary = loader.load_landing(str(landing.parents[1]), warehouse)

    assert (summary.loaded_files, summary.rows, summary.quarantined) == (2, 3, []), summary
    rows = warehouse.connection.execute(
        f"select popularity, followerCount, [i.height for i in images], artistName from {ARTIST_TABLE}"  # noqa: S608
    ).fetchall()
    assert rows == [(57, FOLLOWERS, [640, 0], "Tom & Jerry")] * 2
    run = warehouse.connection.execute(
        f"select requested, ok, not_found, rowsLoaded, apiRegime from lake.{ENRICHMENT_RUNS.lake_table}"  # noqa: S608
    ).fetchall()
    assert run == [(3, 2, 1, 3, None)]
    ledger = warehouse.connection.execute(f"select checksum from lake.{ARTIST_ENRICHMENT.ledger_table}")  # noqa: S608
    assert ledger.fetchall() == [(hashlib.sha256(artists).hexdigest(),)]
    archived = landing.parents[1] / "spotify" / "archive" / export_name(ARTIST_ENRICHMENT)
    assert archived.read_bytes() == artists


def test_the_same_strings_in_a_fetched_file_are_quarantined(
    landing: Path, warehouse: DuckDBWarehouse
) -> None:
    (landing / fetched_name(ARTIST_ENRICHMENT)).write_bytes(exported_artist_lines([artist_id(3)]))

    summary = loader.load_landing(str(landing.parents[1]), warehouse)

    assert summary.loaded_files == 0
    (message,) = summary.quarantined
    assert "line 1: popularity '57' is not a whole number" in message


NOT_BIGQUERY_INT64 = [
    ('"50.7"', "popularity '50.7' is not a whole number"),
    ('" 50"', "popularity ' 50' is not a whole number"),
    ('"abc"', "popularity 'abc' is not a whole number"),
    ('"+5"', "popularity '+5' is not a whole number"),
    ('"050"', "popularity '050' is not a whole number"),
    ('"-0"', "popularity '-0' is not a whole number"),
    ('"1e3"', "popularity '1e3' is not a whole number"),
    ('""', "popularity '' is not a whole number"),
    ("50.7", "popularity 50.7 is not a whole number"),
    ('"500"', "popularity 500 is above 100"),
]


def test_an_export_with_text_bigquery_does_not_write_for_an_int64_is_quarantined_line_by_line(
    landing: Path, warehouse: DuckDBWarehouse
) -> None:
    lines = [exported_artist_line(artist_id(10))]
    lines += [
        exported_artist_line(artist_id(11 + n), popularity=text)
        for n, (text, _) in enumerate(NOT_BIGQUERY_INT64)
    ]
    lines.append(exported_artist_line(artist_id(30), height='"9223372036854775808"'))
    (landing / export_name(ARTIST_ENRICHMENT)).write_text("".join(lines), encoding="utf-8")

    summary = loader.load_landing(str(landing.parents[1]), warehouse)

    assert summary.loaded_files == 0
    (message,) = summary.quarantined
    for number, (_, expected) in enumerate(NOT_BIGQUERY_INT64, start=2):
        assert f"line {number}: {expected}" in message, message
    assert f"line {len(lines)}: images[0].height '9223372036854775808' is not a whole number" in message
    assert "line 1:" not in message
    count = warehouse.connection.execute(f"select count(*) from {ARTIST_TABLE}").fetchone()  # noqa: S608
    assert count == (0,)
