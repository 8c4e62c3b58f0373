"""Append a landing JSONL fixture to the lake enrichment table with the loader's own select (from the
landing contract), but with a `loadedAt` the test chooses: the model tests order loads in time (an
older file loaded late), which the real loader, stamping the current time, cannot do. The enrichment
tests exercise the loader itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from support.dbt_runner import DbtProject

from spotify_enrichment.contract import duckdb_read_columns, duckdb_select_sql
from spotify_enrichment.records import ARTIST_ENRICHMENT
from spotify_enrichment_dev.demo_enrichment_fixture import FixtureSpec

COLUMNS = duckdb_read_columns(ARTIST_ENRICHMENT, json=False)

# Builds a warehouse from the small demo data plus an enrichment fixture: (name, fixture spec) -> project.
WarehouseFactory = Callable[[str, FixtureSpec], DbtProject]


def append_landing_file(project: DbtProject, landing_file: Path, loaded_at: datetime) -> int:
    """Insert every line of `landing_file` with sourceFile = its name; returns the rows appended."""
    with project.connect() as connection:
        before = connection.execute(
            "select count(*) from lake.lake_spotify__normalized_artist_enrichment"
        ).fetchone()[0]
        connection.execute(
            f"""
            insert into lake.lake_spotify__normalized_artist_enrichment
            select
                {duckdb_select_sql(ARTIST_ENRICHMENT)},
                ? as sourceFile,
                cast(? as timestamp) as loadedAt
            from read_json(?, format = 'newline_delimited', columns = {COLUMNS})
            """,  # noqa: S608 - SQL from the contract; every value is a bound parameter
            [landing_file.name, loaded_at.replace(tzinfo=None), str(landing_file)],
        )
        after = connection.execute(
            "select count(*) from lake.lake_spotify__normalized_artist_enrichment"
        ).fetchone()[0]
    return after - before
