"""The plugin's SQL functions on a plain DuckDB connection (what dbt-duckdb gives the plugin)."""

import json
from pathlib import Path

import duckdb
from enrichment_helpers import contract_lake

from spotify_enrichment.dbt_duckdb_plugin import eta_text, register_sql_functions
from spotify_enrichment.fetcher import FetchProgress
from spotify_enrichment.records import ARTIST_ENRICHMENT


def call(connection: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = connection.execute(sql).fetchone()
    assert row is not None
    return json.loads(row[0])


def test_the_load_step_is_one_sql_call_that_loads_on_its_own_connection(tmp_path: Path) -> None:
    connection, relations = contract_lake(tmp_path / "w.duckdb")
    landing = tmp_path / "landing" / "spotify" / "landing"
    landing.mkdir(parents=True)
    good = '{"artistId": "0OdUWJ0sBjDrqHygGUXeCF", "enrichedAt": "2026-11-28T16:42:00Z", "status": "not_found", "apiMode": "single", "runId": "r"}'  # noqa: E501
    (landing / "20261128T160000Z_a_artist_enrichment.jsonl").write_text(good + "\n")
    (landing / "20261128T160001Z_b_artist_enrichment.jsonl").write_text(
        '{"artistId": "0OdUWJ0sBjDrqHygGUXeCF", broken\n'
    )
    register_sql_functions(connection)
    summary = call(
        connection,
        f"select spotify_load_landing('{tmp_path / 'landing'}', '{json.dumps(relations)}', false, null)",
    )
    assert isinstance(summary, dict)
    assert (summary["loaded_files"], summary["rows"]) == (1, 1)
    (quarantined,) = summary["quarantined"]
    assert (
        "20261128T160001Z_b_artist_enrichment.jsonl has malformed lines: line 1: not valid JSON"
        in quarantined
    )
    table = f"lake.{ARTIST_ENRICHMENT.lake_table}"
    assert connection.execute(f"select artistId, status from {table}").fetchall() == [  # noqa: S608
        ("0OdUWJ0sBjDrqHygGUXeCF", "not_found")
    ]


def test_relative_landing_uri_resolves_against_the_project_dir_in_sql(tmp_path: Path) -> None:
    connection = duckdb.connect()
    register_sql_functions(connection)
    resolved = call(connection, f"select spotify_resolve_landing_uri('landing', '{tmp_path}')")
    assert resolved == str(tmp_path / "landing")


def test_progress_names_the_rate_the_429s_and_the_time_left() -> None:
    def progress(done: int, rate: float) -> FetchProgress:
        return FetchProgress(
            done=done,
            total=5000,
            ok=done,
            not_found=0,
            failed=0,
            requests=done + 3,
            rate_limited=3,
            seconds=10.0,
            artists_per_second=rate,
            api_mode="single",
        )

    assert eta_text(progress(1200, 4.1)) == "15m26s"
    assert eta_text(progress(200, 1.0)) == "1h20m"
    assert eta_text(progress(0, 0.0)) == "unknown"
    assert eta_text(progress(5000, 4.0)) == "0s"
