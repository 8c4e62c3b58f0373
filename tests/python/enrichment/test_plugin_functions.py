"""The plugin's SQL functions on a plain DuckDB connection (what dbt-duckdb gives the plugin)."""

import json
from pathlib import Path

import duckdb

from spotify_enrichment.dbt_duckdb_plugin import register_sql_functions


def call(connection: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = connection.execute(sql).fetchone()
    assert row is not None
    return json.loads(row[0])


def test_landing_check_names_the_bad_lines_in_sql(tmp_path: Path) -> None:
    landing_file = tmp_path / "20261128T160000Z_artist_enrichment.jsonl"
    landing_file.write_text('{"artistId": "0OdUWJ0sBjDrqHygGUXeCF", broken\n')
    connection = duckdb.connect()
    register_sql_functions(connection)
    check = call(connection, f"select spotify_landing_check('{landing_file}', 'gs://bucket/x.jsonl')")
    assert check["ok"] is False
    assert check["error"].startswith(
        "landing file gs://bucket/x.jsonl has malformed lines: line 1: not valid JSON"
    )


def test_relative_landing_uri_resolves_against_the_project_dir_in_sql(tmp_path: Path) -> None:
    connection = duckdb.connect()
    register_sql_functions(connection)
    resolved = call(connection, f"select spotify_resolve_landing_uri('landing', '{tmp_path}')")
    assert resolved == str(tmp_path / "landing")
    assert call(connection, f"select spotify_landing_files('{tmp_path / 'landing'}')") == []
