"""A fresh warehouse builds from nothing: on-run-start creates the lake tables the pipeline owns, with
DESIGN.md's columns, and never the user's own listening history table."""

from __future__ import annotations

from pathlib import Path

from support.dbt_runner import DbtProject, dbt_project

EXPECTED_COLUMNS = {
    "lake_spotify__normalized_artist_enrichment": [
        ("artistId", "VARCHAR"),
        ("artistName", "VARCHAR"),
        ("genres", "VARCHAR[]"),
        ("popularity", "BIGINT"),
        ("followerCount", "BIGINT"),
        ("images", "STRUCT(url VARCHAR, height BIGINT, width BIGINT)[]"),
        ("externalUrls", "STRUCT(spotify VARCHAR)"),
        ("enrichedAt", "TIMESTAMP"),
        ("status", "VARCHAR"),
        ("apiMode", "VARCHAR"),
        ("runId", "VARCHAR"),
        ("sourceFile", "VARCHAR"),
        ("loadedAt", "TIMESTAMP"),
    ],
    "lake_spotify__artist_enrichment_load_ledger": [
        ("sourceFile", "VARCHAR"),
        ("checksum", "VARCHAR"),
        ("rowCount", "BIGINT"),
        ("loadedAt", "TIMESTAMP"),
    ],
    "lake_spotify__normalized_listening_history": [
        ("playedAt", "TIMESTAMP"),
        ("trackId", "VARCHAR"),
        ("trackName", "VARCHAR"),
        ("msPlayed", "BIGINT"),
        ("artistId", "VARCHAR"),
        ("artistName", "VARCHAR"),
        ("playKey", "VARCHAR"),
        ("sourceFile", "VARCHAR"),
        ("loadedAt", "TIMESTAMP"),
    ],
}


def test_fresh_warehouse_builds_and_gets_the_lake_tables(tmp_path: Path) -> None:
    project = dbt_project(tmp_path)

    result = project.run("build")

    # Every model builds; only the monitors for an empty hub fail (nothing loaded yet is no coverage),
    # and dbt skips what is built from the hub after them.
    failing = {
        uid for uid, status in result.statuses().items() if status not in ("success", "pass", "skipped")
    }
    assert failing == {
        uid for uid in result.statuses() if "not_empty" in uid or "enrichment_coverage" in uid
    }, result.output
    assert len(failing) == 2, result.output
    for table, expected in EXPECTED_COLUMNS.items():
        columns = project.query(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'lake' and table_name = ? order by ordinal_position",
            [table],
        )
        assert columns == expected, table
    assert project.query("select count(*) from hub.hub_music__svc_dim_artists") == [(0,)]


def _tables(project: DbtProject) -> list[tuple[str, str]]:
    return project.query(
        "select table_schema, table_name from information_schema.tables order by table_schema, table_name"
    )


def _schemas(project: DbtProject) -> set[str]:
    return {row[0] for row in project.query("select schema_name from information_schema.schemata")}


def test_a_history_var_naming_a_missing_table_fails_the_build_and_creates_no_table(tmp_path: Path) -> None:
    """A typo in listening_history_identifier used to give an empty history table, an empty hub and green
    tests. Now the build fails naming the relation, and the pipeline creates none of its tables either."""
    project = dbt_project(tmp_path)

    result = project.run("build", vars={"listening_history_identifier": "my_plays_typo"})

    assert not result.ok, result.output
    assert 'listening history table "warehouse"."lake"."my_plays_typo" does not exist' in result.output
    assert "listening_history_identifier: my_plays_typo" in result.output
    assert _tables(project) == []


def test_a_history_var_naming_a_missing_schema_fails_run_operations_and_creates_nothing(
    tmp_path: Path,
) -> None:
    project = dbt_project(tmp_path)
    history_vars = {"listening_history_schema": "my_music_typo", "listening_history_identifier": "my_plays"}

    for operation, arguments in (
        ("enrich_artists", "{mode: backfill, dry_run: true}"),
        ("load_artist_enrichment", "{dry_run: true}"),
        ("create_lake_tables", "{}"),
    ):
        result = project.run("run-operation", operation, "--args", arguments, vars=history_vars)
        assert not result.ok, f"{operation}: {result.output}"
        assert '"warehouse"."my_music_typo"."my_plays" does not exist' in result.output, operation

    assert _tables(project) == []
    assert "my_music_typo" not in _schemas(project)


def test_a_history_var_naming_an_existing_table_creates_only_the_pipelines_tables(tmp_path: Path) -> None:
    project = dbt_project(tmp_path)
    with project.connect() as connection:
        connection.execute("create schema my_music")
        connection.execute(
            "create table my_music.my_plays as select"
            " timestamp '2026-11-01 10:00:00' as playedAt, 'TIzz9BA9ua5BtXqmtpfYrL' as trackId,"
            " 'Song' as trackName, 1000 as msPlayed, '66CXWjxzNUsdJxJ2JdwvnR' as artistId,"
            " 'Artist' as artistName"
        )

    result = project.run(
        "build",
        vars={
            "listening_history_schema": "my_music",
            "listening_history_identifier": "my_plays",
            # Nothing is enriched yet: the coverage monitor would rightly fail.
            "enrichment_coverage_severity": "warn",
        },
    )

    assert result.ok, result.output
    lake_tables = {name for schema, name in _tables(project) if schema == "lake"}
    assert "lake_spotify__normalized_listening_history" not in lake_tables
    assert {
        "lake_spotify__normalized_artist_enrichment",
        "lake_spotify__artist_enrichment_load_ledger",
    } <= lake_tables
    assert project.query("select artistId, playCount from hub.hub_music__svc_dim_artists") == [
        ("66CXWjxzNUsdJxJ2JdwvnR", 1)
    ]
