"""The BigQuery implementation of enrich_artists, rendered by dbt-bigquery against the BigQuery emulator.

The emulator runs the worklist and EXPORT DATA for real; it runs neither remote functions nor LOAD DATA,
so the statements of a real run are checked by parsing them with sqlfluff's bigquery dialect, and the
CREATE FUNCTION statement (which sqlfluff cannot parse) against a reviewed file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlfluff
from google.cloud import bigquery
from sqlfluff.api import APIParsingError
from support.dbt_runner import DbtProject, DbtResult, dbt_project
from support.remote_function_server import RemoteFunctionServer

from spotify_enrichment.landing import is_bigquery_export
from spotify_enrichment.loader import record_type_of
from spotify_enrichment.records import ARTIST_ENRICHMENT
from spotify_enrichment_dev.bigquery_emulator_process import BigQueryEmulatorProcess

EXPECTED_DIR = Path(__file__).parent / "expected"
PROJECT = "local-project"
LAKE = f"{PROJECT}.dp_lake_bq_emulator"
BUCKET_URI = "gs://spotify-landing-test"
STATEMENT_NAMES = ["answers", "summary", "export", "failures", "run_record", "cleanup"]
STALE_ARTIST = "1111111111111111111111"  # enriched 100 days ago
OLD_ARTIST = "2222222222222222222222"  # first played 200 days ago, never enriched
NEW_ARTIST = "3333333333333333333333"  # first played today, never enriched
MALFORMED_ARTIST = "not-a-spotify-id"


@dataclass(frozen=True)
class DryRun:
    result: DbtResult
    messages: list[str]
    statements: dict[str, str]


@pytest.fixture(scope="module")
def bq_project(
    bigquery_emulator: BigQueryEmulatorProcess,
    bq_client: bigquery.Client,
    tmp_path_factory: pytest.TempPathFactory,
) -> DbtProject:
    project = dbt_project(
        tmp_path_factory.mktemp("dbt_bigquery"),
        env={"DBT_TARGET": "bq_emulator", "BQ_EMULATOR_ENDPOINT": bigquery_emulator.rest_url},
    )
    created = project.run("run-operation", "create_lake_tables")
    assert created.ok, created.output
    plays = [
        (STALE_ARTIST, "Stale Artist", 300),
        (OLD_ARTIST, "Old Artist", 200),
        (NEW_ARTIST, "Nouvel Artiste", 0),
        (MALFORMED_ARTIST, "Local File", 250),
    ]
    values = ", ".join(
        f"(timestamp_sub(current_timestamp(), interval {days} day), 'track{index}', 'Track', 1000,"
        f" '{artist}', '{name}')"
        for index, (artist, name, days) in enumerate(plays)
    )
    bq_client.query(
        f"insert into `{LAKE}.lake_spotify__normalized_listening_history`"  # noqa: S608 (test constants)
        f" (playedAt, trackId, trackName, msPlayed, artistId, artistName) values {values}"
    ).result()
    bq_client.query(
        f"insert into `{LAKE}.lake_spotify__normalized_artist_enrichment`"  # noqa: S608 (test constants)
        " (artistId, artistName, enrichedAt, status, apiMode, runId, sourceFile, loadedAt) values"
        f" ('{STALE_ARTIST}', 'Stale Artist', timestamp_sub(current_timestamp(), interval 100 day), 'ok',"
        " 'batch', 'old-run', 'gs://old/file.jsonl', current_timestamp())"
    ).result()
    return project


def dry_run(project: DbtProject, mode: str, **arguments: Any) -> DryRun:
    result = project.run(
        "--log-format",
        "json",
        "run-operation",
        "enrich_artists",
        "--args",
        json.dumps({"mode": mode, "dry_run": True, **arguments}),
        vars={"landing_uri": BUCKET_URI},
    )
    messages = []
    for line in result.output.splitlines():
        if line.startswith("{"):
            message = json.loads(line).get("data", {}).get("msg")
            if isinstance(message, str):
                messages.append(message)
    statements = {}
    for message in messages:
        match = re.fullmatch(r"-- enrich_artists statement \d+: (\w+)\n(.*);", message, re.DOTALL)
        if match:
            statements[match.group(1)] = match.group(2)
    return DryRun(result, messages, statements)


def table_names(client: bigquery.Client) -> set[str]:
    return {table.table_id for table in client.list_tables(LAKE)}


def enrichment_row_count(client: bigquery.Client) -> int:
    table = client.get_table(f"{LAKE}.lake_spotify__normalized_artist_enrichment")
    return len(list(client.list_rows(table)))


DRY_RUNS: dict[str, tuple[str, dict[str, int]]] = {
    "backfill": ("backfill", {}),
    "incremental": ("incremental", {"lookback_days": 7}),
    "refresh": ("refresh", {"stale_after_days": 90}),
    "refresh, nothing stale": ("refresh", {"stale_after_days": 120}),
}


@dataclass(frozen=True)
class DryRuns:
    runs: dict[str, DryRun]
    tables_unchanged: bool
    rows_unchanged: bool


@pytest.fixture(scope="module")
def dry_runs(bq_project: DbtProject, bq_client: bigquery.Client) -> DryRuns:
    """One dry run per case (dbt takes seconds per call), with what the warehouse held around them."""
    tables_before, rows_before = table_names(bq_client), enrichment_row_count(bq_client)
    runs = {case: dry_run(bq_project, mode, **arguments) for case, (mode, arguments) in DRY_RUNS.items()}
    return DryRuns(
        runs,
        tables_unchanged=table_names(bq_client) == tables_before,
        rows_unchanged=enrichment_row_count(bq_client) == rows_before,
    )


@pytest.mark.parametrize(
    ("case", "due", "listed"),
    [
        ("backfill", 3, [NEW_ARTIST, OLD_ARTIST, MALFORMED_ARTIST]),
        ("incremental", 1, [NEW_ARTIST]),
        ("refresh", 1, [STALE_ARTIST]),
        ("refresh, nothing stale", 0, []),
    ],
)
def test_dry_run_counts_and_lists_the_worklist_of_each_mode_on_bigquery(
    dry_runs: DryRuns, case: str, due: int, listed: list[str]
) -> None:
    run = dry_runs.runs[case]
    mode = DRY_RUNS[case][0]

    assert run.result.ok, run.result.output
    assert (
        f"enrich_artists: dry run, mode {mode}: {due} artists to enrich; nothing is fetched or written"
        in (run.messages)
    )
    listed_ids = [message.split()[0] for message in run.messages if message.startswith("  ")]
    assert sorted(listed_ids) == sorted(listed)


@pytest.mark.parametrize("case", list(DRY_RUNS))
def test_every_statement_of_a_real_run_parses_with_sqlfluff_bigquery_dialect(
    dry_runs: DryRuns, case: str
) -> None:
    run = dry_runs.runs[case]

    assert run.result.ok, run.result.output
    assert list(run.statements) == STATEMENT_NAMES
    for name, sql in run.statements.items():
        try:
            sqlfluff.parse(sql + ";", dialect="bigquery")
        except APIParsingError as error:
            pytest.fail(f"statement {name} does not parse as BigQuery SQL: {error}\n{sql}")


def test_the_statements_call_the_function_and_export_under_a_name_the_loader_takes(
    dry_runs: DryRuns,
) -> None:
    statements = dry_runs.runs["backfill"].statements

    stamp = r"\d{8}T\d{6}Z"
    pattern = rf"{BUCKET_URI}/spotify/landing/{stamp}_[0-9a-f]{{8}}_[0-9a-f]{{8}}_\*_artist_enrichment\.jsonl"
    assert re.search(rf"`{LAKE}\.spotify_artist_enrichment`\(artistId\) as answer", statements["answers"])
    assert "regexp_contains(artistId, r'^[0-9A-Za-z]{22}$')" in statements["answers"]
    assert re.search(rf"uri = '{pattern}'", statements["export"])
    # BigQuery numbers the `*` of each file it writes; the loader must know every one as an export.
    for name in ("export", "failures", "run_record"):
        uri = re.search(r"uri = '([^']+)'", statements[name])
        assert uri is not None
        assert is_bigquery_export(uri.group(1).rsplit("/", 1)[1].replace("*", "000000000000")), name


def test_dry_run_writes_nothing(dry_runs: DryRuns) -> None:
    assert all(run.result.ok for run in dry_runs.runs.values())
    assert dry_runs.tables_unchanged
    assert dry_runs.rows_unchanged


@pytest.mark.parametrize("landing_uri", ["landing", "gs://bucket'; drop table x --"])
def test_landing_uri_must_be_a_cloud_storage_bucket(bq_project: DbtProject, landing_uri: str) -> None:
    result = bq_project.run(
        "run-operation",
        "enrich_artists",
        "--args",
        json.dumps({"mode": "backfill", "dry_run": True}),
        vars={"landing_uri": landing_uri},
    )

    assert not result.ok
    assert "set var landing_uri to gs://BUCKET" in result.output
    assert landing_uri in result.output


def test_the_export_turns_remote_function_replies_into_landing_lines(
    dry_runs: DryRuns,
    bq_client: bigquery.Client,
    bigquery_emulator: BigQueryEmulatorProcess,
    remote_function: RemoteFunctionServer,
    known_artist_ids: list[str],
) -> None:
    """The replies of the real handler, put where the answers statement would put them, exported by
    the emulator's EXPORT DATA: every landing line holds the reply's values."""
    statements = dry_runs.runs["backfill"].statements
    answers_table = re.search(r"create or replace table `([^`]+)`", statements["answers"])
    assert answers_table is not None
    artist_ids = [*known_artist_ids[:3], "0000000000000000000000"]
    replies = remote_function.call(artist_ids).json()["replies"]
    bq_client.query(
        f"create or replace table `{answers_table.group(1)}` (artistId string, answer string)"
    ).result()
    rows = [
        {"artistId": artist_id, "answer": reply} for artist_id, reply in zip(artist_ids, replies, strict=True)
    ]
    rows.append({"artistId": "4444444444444444444444", "answer": None})  # a failed artist
    assert bq_client.insert_rows_json(answers_table.group(1), rows) == []

    summary = dict(next(iter(bq_client.query(statements["summary"]).result())))
    bq_client.query(statements["export"]).result()

    assert summary == {
        "ok": 3,
        "not_found": 1,
        "failed": 1,
        "api_mode": "batch",
        "stop_reason": None,
        "message": None,
    }
    bucket = BUCKET_URI.removeprefix("gs://")
    exported = sorted(
        (bigquery_emulator.gcs_root / bucket / "spotify" / "landing").glob("*_artist_enrichment.jsonl")
    )
    assert len(exported) == 1
    lines = [json.loads(line) for line in exported[0].read_text(encoding="utf-8").splitlines()]
    run_id = re.search(r"'(bq_\w+)' as runId", statements["export"])
    assert run_id is not None
    # The emulator lowercases column names in exported JSON; BigQuery keeps them, and its JSON
    # loads match columns case-insensitively either way.
    by_artist = {line["artistid"]: {key.lower(): value for key, value in line.items()} for line in lines}
    assert sorted(by_artist) == sorted(artist_ids)
    for reply in replies:
        record = json.loads(reply)
        expected = {key.lower(): value for key, value in record.items()}
        expected["runid"] = run_id.group(1)
        if expected["images"] is None:
            expected["images"] = []  # BigQuery holds no NULL arrays
        assert by_artist[record["artistId"]] == expected


def test_create_function_statement_matches_the_reviewed_file(bq_project: DbtProject) -> None:
    result = bq_project.run(
        "--log-format",
        "json",
        "run-operation",
        "create_spotify_remote_function",
        "--args",
        json.dumps(
            {
                "endpoint": "https://europe-west1-my-project.cloudfunctions.net/spotify-artist-enrichment",
                "connection": "my-project.eu.spotify-enrichment",
                "dry_run": True,
            }
        ),
    )

    assert result.ok, result.output
    messages = [
        json.loads(line).get("data", {}).get("msg") for line in result.output.splitlines() if line[:1] == "{"
    ]
    statement = next(
        message for message in messages if message and message.startswith("create or replace function")
    )
    assert statement + "\n" == (EXPECTED_DIR / "create_spotify_remote_function.sql.expected").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize(
    ("endpoint", "connection", "complaint"),
    [
        ("https://x.run.app/f'); drop table t; --", "my-project.eu.conn", "endpoint must be"),
        ("https://x.run.app/f", "my-project.eu.conn`; drop", "connection must be"),
    ],
)
def test_create_function_refuses_an_unsafe_endpoint_or_connection(
    bq_project: DbtProject, endpoint: str, connection: str, complaint: str
) -> None:
    result = bq_project.run(
        "run-operation",
        "create_spotify_remote_function",
        "--args",
        json.dumps({"endpoint": endpoint, "connection": connection, "dry_run": True}),
    )

    assert not result.ok
    assert complaint in result.output


def test_a_real_run_calls_the_function_exports_and_hands_the_files_to_the_load_function(
    bq_project: DbtProject,
    bq_client: bigquery.Client,
    bigquery_emulator: BigQueryEmulatorProcess,
    remote_function: RemoteFunctionServer,
) -> None:
    """bqemulator 1.4.0 runs no remote functions. SQL functions of the same names stand in for the two
    remote ones: the fetch answers with what the real handler answered over HTTP, the load answers a
    fixed summary (the load itself runs against bqemulator in test_load_bigquery.py). The run must
    call the fetch, export the landing lines under a name the loader takes, and report the load."""
    worklist = [NEW_ARTIST, OLD_ARTIST]
    replies = dict(zip(worklist, remote_function.call(worklist).json()["replies"], strict=True))
    cases = " ".join(
        f"when '{artist_id}' then '{reply}'" for artist_id, reply in replies.items() if reply is not None
    )
    bq_client.query(
        f"create or replace function `{LAKE}.spotify_artist_enrichment`(artist_id string) returns string"
        f" as (case artist_id {cases} else null end)"
    ).result()
    summary = {
        "landing_uri": "gs://real-run-bucket",
        "dry_run": False,
        "files": 1,
        "loaded_files": 1,
        "rows": 2,
        "already_loaded": 0,
        "quarantined": [],
        "archived": ["x"],
        "ignored": [],
        "line": "load_artist_enrichment: stand-in summary of the load function",
    }
    bq_client.query(
        f"create or replace function `{LAKE}.spotify_landing_load`(landing_uri string, lake_dataset string,"
        f" dry_run bool, owner string) returns string as ('{json.dumps(summary)}')"
    ).result()
    bucket = "real-run-bucket"

    result = bq_project.run(
        "run-operation",
        "enrich_artists",
        "--args",
        json.dumps({"mode": "backfill"}),
        vars={"landing_uri": f"gs://{bucket}"},
    )

    assert result.ok, result.output
    assert (
        "asking 2 artists through local-project.dp_lake_bq_emulator.spotify_artist_enrichment"
        in result.output
    )
    assert "load_artist_enrichment: stand-in summary of the load function" in result.output
    assert "rows loaded 2" in result.output
    landing = bigquery_emulator.gcs_root / bucket / "spotify" / "landing"
    exported = list(landing.glob("*_artist_enrichment.jsonl"))
    assert len(exported) == 1
    assert len(list(landing.glob("*_enrichment_runs.jsonl"))) == 1  # the run record
    assert record_type_of(exported[0].name) is ARTIST_ENRICHMENT
    lines = [json.loads(line) for line in exported[0].read_text(encoding="utf-8").splitlines()]
    assert sorted((line["artistid"], line["status"]) for line in lines) == sorted(
        (artist_id, json.loads(reply)["status"]) for artist_id, reply in replies.items() if reply is not None
    )
