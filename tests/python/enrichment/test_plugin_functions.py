"""The plugin's SQL functions on a plain DuckDB connection (what dbt-duckdb gives the plugin)."""

import json
from pathlib import Path

import duckdb

from spotify_enrichment.dbt_duckdb_plugin import register_sql_functions


def call(connection: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = connection.execute(sql).fetchone()
    assert row is not None
    return json.loads(row[0])


def test_execute_in_transaction_commits_or_rolls_back_everything(tmp_path: Path) -> None:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    register_sql_functions(connection)
    connection.execute("create table plays (n integer)")
    cursor = connection.cursor()

    good = call(
        cursor,
        "select spotify_execute_in_transaction('insert into plays values (1); select count(*) from plays')",
    )
    assert good == {"ok": True, "error": None, "result": 1}

    bad = call(
        cursor,
        "select spotify_execute_in_transaction("
        "'insert into plays values (2); select error(''a row breaks a rule'') from plays where n = 2')",
    )
    assert bad == {"ok": False, "error": "Invalid Input Error: a row breaks a rule", "result": None}
    assert connection.execute("select list(n) from plays").fetchone() == ([1],)


def test_relative_landing_uri_resolves_against_the_project_dir_in_sql(tmp_path: Path) -> None:
    connection = duckdb.connect()
    register_sql_functions(connection)
    resolved = call(connection, f"select spotify_resolve_landing_uri('landing', '{tmp_path}')")
    assert resolved == str(tmp_path / "landing")
    assert call(connection, f"select spotify_landing_files('{tmp_path / 'landing'}')") == []
