"""A fresh warehouse builds from nothing: on-run-start creates the lake tables with DESIGN.md's columns."""

from __future__ import annotations

from pathlib import Path

from support.dbt_runner import dbt_project

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
    ],
}


def test_fresh_warehouse_builds_and_gets_the_lake_tables(tmp_path: Path) -> None:
    project = dbt_project(tmp_path)

    result = project.run("build")

    assert result.ok, result.output
    for table, expected in EXPECTED_COLUMNS.items():
        columns = project.query(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'lake' and table_name = ? order by ordinal_position",
            [table],
        )
        assert columns == expected, table
    assert project.query("select count(*) from hub.hub_music__svc_dim_artists") == [(0,)]
