"""The load step on BigQuery takes the files real BigQuery's EXPORT DATA writes (every INT64 a JSON
string), under their export names, with the right integers; the same strings in a fetched file are
still quarantined. The real loader, BigQuery warehouse (bqemulator: load job, transaction, ledger)
and landing store (GCS emulator). bqemulator's own export writes numbers, so the files are written
here as BigQuery writes them (tests/python/support/bigquery_export.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from google.cloud import bigquery
from support.bigquery_export import (
    FOLLOWERS,
    export_name,
    exported_artist_line,
    exported_artist_lines,
    exported_run_line,
    fetched_name,
)
from support.gcs_emulator import GcsEmulator

from spotify_enrichment.landing import LandingStore, open_store
from spotify_enrichment.loader import load_landing
from spotify_enrichment.records import ARTIST_ENRICHMENT, ENRICHMENT_RUNS
from spotify_enrichment.warehouse_bigquery import BigQueryWarehouse


@pytest.fixture(scope="module")
def gcs() -> Iterator[GcsEmulator]:
    with GcsEmulator(bucket="bq-export-test") as emulator:
        yield emulator


@pytest.fixture
def store(gcs: GcsEmulator, request: pytest.FixtureRequest) -> LandingStore:
    """A landing location of this test's own under the shared bucket."""
    return open_store(f"gs://{gcs.bucket}/{request.node.name[:60]}")


def artist_id(prefix: str, number: int) -> str:
    return f"{prefix}{number:02d}".ljust(22, "A")


def test_a_bigquery_export_loads_with_its_integer_values(
    lake: str, bq_client: bigquery.Client, store: LandingStore
) -> None:
    artists = exported_artist_lines([artist_id("BqExport", n) for n in range(3)])
    store.write_bytes(f"spotify/landing/{export_name(ARTIST_ENRICHMENT)}", artists)
    store.write_bytes(f"spotify/landing/{export_name(ENRICHMENT_RUNS)}", exported_run_line("bq_export_int64"))

    summary = load_landing(store.root_uri, BigQueryWarehouse(bq_client, lake))

    assert (summary.loaded_files, summary.rows, summary.quarantined) == (2, 4, []), summary
    rows = bq_client.query(
        "select popularity, followerCount, images, artistName"  # noqa: S608
        f" from `{lake}.{ARTIST_ENRICHMENT.lake_table}` where artistId like 'BqExport%'"
    ).result()
    loaded = [
        (
            row["popularity"],
            row["followerCount"],
            [image["height"] for image in row["images"]],
            row["artistName"],
        )
        for row in rows
    ]
    assert loaded == [(57, FOLLOWERS, [640, 0], "Tom & Jerry")] * 3
    run = bq_client.query(
        f"select requested, ok, not_found, rowsLoaded from `{lake}.{ENRICHMENT_RUNS.lake_table}`"  # noqa: S608
        " where runId = 'bq_export_int64'"
    ).result()
    assert [tuple(row.values()) for row in run] == [(3, 2, 1, 3)]
    checksum = hashlib.sha256(artists).hexdigest()
    ledger = bq_client.query(
        f"select rowCount from `{lake}.{ARTIST_ENRICHMENT.ledger_table}` where checksum = '{checksum}'"  # noqa: S608
    ).result()
    assert [row[0] for row in ledger] == [3]
    assert store.read_bytes(f"spotify/archive/{export_name(ARTIST_ENRICHMENT)}") == artists


def test_the_same_strings_in_a_fetched_file_are_quarantined(
    lake: str, bq_client: bigquery.Client, store: LandingStore
) -> None:
    store.write_bytes(
        f"spotify/landing/{fetched_name(ARTIST_ENRICHMENT)}",
        exported_artist_lines([artist_id("BqFetched", 0)]),
    )

    summary = load_landing(store.root_uri, BigQueryWarehouse(bq_client, lake))

    assert summary.loaded_files == 0
    (message,) = summary.quarantined
    assert "line 1: popularity '57' is not a whole number" in message


def test_an_export_with_text_bigquery_does_not_write_is_quarantined_with_its_line_numbers(
    lake: str, bq_client: bigquery.Client, store: LandingStore
) -> None:
    lines = [
        exported_artist_line(artist_id("BqBad", 0)),
        exported_artist_line(artist_id("BqBad", 1), popularity='"50.7"'),
        exported_artist_line(artist_id("BqBad", 2), popularity='" 50"'),
        exported_artist_line(artist_id("BqBad", 3), height='"9223372036854775808"'),
    ]
    name = export_name(ARTIST_ENRICHMENT, stamp="20261203T060100Z")
    store.write_bytes(f"spotify/landing/{name}", "".join(lines).encode())

    summary = load_landing(store.root_uri, BigQueryWarehouse(bq_client, lake))

    assert summary.loaded_files == 0
    (message,) = summary.quarantined
    assert "line 2: popularity '50.7' is not a whole number" in message
    assert "line 3: popularity ' 50' is not a whole number" in message
    assert "line 4: images[0].height '9223372036854775808' is not a whole number" in message
    assert "line 1:" not in message
    report = store.read_bytes(f"spotify/quarantine/{name.removesuffix('.jsonl')}.errors.txt").decode()
    assert "line 2: popularity '50.7'" in report
