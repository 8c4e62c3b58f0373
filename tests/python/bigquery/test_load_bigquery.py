"""The load step on BigQuery: the same loader as on DuckDB (`loader.load_landing`) with the BigQuery
warehouse, run for real against bqemulator (load job, transaction, ledger) and a GCS emulator (landing
store, moves). This is the code the remote function `spotify_landing_load` runs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.cloud import bigquery
from support.gcs_emulator import GcsEmulator

from spotify_enrichment.landing import open_store
from spotify_enrichment.loader import load_landing
from spotify_enrichment.records import ARTIST_ENRICHMENT
from spotify_enrichment.remote_function import answer_load_calls
from spotify_enrichment.transform import not_found_record, record_to_json_line, utc_timestamp
from spotify_enrichment.warehouse_bigquery import BigQueryWarehouse

LAKE = "local-project.dp_lake_bq_emulator"
TABLE = f"{LAKE}.{ARTIST_ENRICHMENT.lake_table}"
LEDGER = f"{LAKE}.{ARTIST_ENRICHMENT.ledger_table}"


@pytest.fixture
def gcs() -> Iterator[GcsEmulator]:
    with GcsEmulator(bucket="bq-load-test") as emulator:
        yield emulator


def landing_bytes(artist_ids: list[str]) -> bytes:
    stamp = utc_timestamp()
    return "".join(
        record_to_json_line(not_found_record(artist_id=a, enriched_at=stamp, api_mode="single", run_id="t"))
        for a in artist_ids
    ).encode()


def count(client: bigquery.Client, sql: str) -> int:
    return int(next(iter(client.query(sql).result()))[0])


def ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{index:02d}".ljust(22, "A") for index in range(n)]


def test_a_file_loaded_twice_adds_nothing_and_the_ledger_holds_its_bytes_checksum(
    lake: str, bq_client: bigquery.Client, gcs: GcsEmulator
) -> None:
    store = open_store(f"gs://{gcs.bucket}")
    data = landing_bytes(ids("Twice", 5))
    store.write_bytes("spotify/landing/20261201T000000Z_aaaa_artist_enrichment.jsonl", data)
    warehouse = BigQueryWarehouse(bq_client, lake)
    before = count(bq_client, f"select count(*) from `{TABLE}`")  # noqa: S608

    first = load_landing(store.root_uri, warehouse)
    assert (first.loaded_files, first.rows) == (1, 5), first
    checksum = hashlib.sha256(data).hexdigest()
    ledger = list(
        bq_client.query(
            f"select checksum, rowCount, sourceFile from `{LEDGER}` where checksum = '{checksum}'"  # noqa: S608
        ).result()
    )
    assert [(row[0], row[1]) for row in ledger] == [(checksum, 5)]
    assert ledger[0][2].endswith("/spotify/landing/20261201T000000Z_aaaa_artist_enrichment.jsonl")

    # The same bytes again, under another name: archived, not loaded.
    store.write_bytes("spotify/landing/20261201T000001Z_bbbb_artist_enrichment.jsonl", data)
    second = load_landing(store.root_uri, warehouse)
    assert (second.loaded_files, second.rows, second.already_loaded) == (0, 0, 1), second
    assert count(bq_client, f"select count(*) from `{TABLE}`") == before + 5  # noqa: S608
    assert store.list("spotify/landing/") == []
    assert len(store.list("spotify/archive/")) == 2


def test_a_file_with_a_corrupt_line_is_quarantined_with_its_line_number_and_the_others_load(
    lake: str, bq_client: bigquery.Client, gcs: GcsEmulator
) -> None:
    store = open_store(f"gs://{gcs.bucket}")
    good = landing_bytes(ids("Good", 3))
    lines = landing_bytes(ids("Bad", 3)).splitlines(keepends=True)
    broken = json.loads(lines[1])
    broken["popularity"] = 50.7
    lines[1] = (json.dumps(broken) + "\n").encode()
    store.write_bytes("spotify/landing/20261202T000000Z_cccc_artist_enrichment.jsonl", good)
    store.write_bytes("spotify/landing/20261202T000001Z_dddd_artist_enrichment.jsonl", b"".join(lines))

    summary = load_landing(store.root_uri, BigQueryWarehouse(bq_client, lake))

    assert (summary.loaded_files, summary.rows) == (1, 3), summary
    assert len(summary.quarantined) == 1
    assert "line 2: popularity 50.7 is not a whole number" in summary.quarantined[0]
    quarantine = store.list("spotify/quarantine/")
    assert sorted(key.rsplit("/", 1)[1] for key in quarantine) == [
        "20261202T000001Z_dddd_artist_enrichment.errors.txt",
        "20261202T000001Z_dddd_artist_enrichment.jsonl",
    ]
    report = store.read_bytes(
        "spotify/quarantine/20261202T000001Z_dddd_artist_enrichment.errors.txt"
    ).decode()
    assert "line 2: popularity 50.7" in report
    assert count(bq_client, f"select count(*) from `{TABLE}` where artistId like 'Bad%'") == 0  # noqa: S608
    assert count(bq_client, f"select count(*) from `{TABLE}` where artistId like 'Good%'") == 3  # noqa: S608


def test_the_remote_function_answers_a_load_call_with_the_summary(
    lake: str, bq_client: bigquery.Client, gcs: GcsEmulator
) -> None:
    store = open_store(f"gs://{gcs.bucket}")
    store.write_bytes(
        "spotify/landing/20261203T000000Z_eeee_artist_enrichment.jsonl", landing_bytes(ids("Remote", 2))
    )
    reply = answer_load_calls({"calls": [[store.root_uri, lake, False, "0123abcd"]]}, lambda: bq_client)
    assert reply.status == 200, reply.body
    (summary,) = [json.loads(answer) for answer in reply.body["replies"]]
    assert (summary["loaded_files"], summary["rows"]) == (1, 2)

    refused = answer_load_calls(
        {"calls": [["gs://bq-load-test", "not a dataset; drop table x", False, "0123abcd"]]},
        lambda: bq_client,
    )
    assert refused.status == 400
    assert "lake dataset" in refused.body["errorMessage"]


def test_tables_come_from_the_landing_contract(lake: str, bq_client: bigquery.Client, tmp_path: Path) -> None:
    table = bq_client.get_table(TABLE)
    assert [field.name for field in table.schema] == [*ARTIST_ENRICHMENT.keys, "sourceFile", "loadedAt"]
