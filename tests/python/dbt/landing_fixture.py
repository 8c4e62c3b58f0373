"""Append a landing JSONL fixture to the lake enrichment table, as the loader will (until it exists, tests
of the models fill the lake this way; the columns and types are those of create_lake_tables)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from support.dbt_runner import DbtProject

from spotify_enrichment.demo_enrichment_fixture import FixtureSpec

# Builds a warehouse from the small demo data plus an enrichment fixture: (name, fixture spec) -> project.
WarehouseFactory = Callable[[str, FixtureSpec], DbtProject]


def append_landing_file(project: DbtProject, landing_file: Path, loaded_at: datetime) -> int:
    """Insert every line of `landing_file` with sourceFile = its name; returns the rows appended."""
    with project.connect() as connection:
        before = connection.execute(
            "select count(*) from lake.lake_spotify__normalized_artist_enrichment"
        ).fetchone()[0]
        connection.execute(
            """
            insert into lake.lake_spotify__normalized_artist_enrichment
            select
                artistId, artistName, genres, popularity, followerCount, images, externalUrls,
                cast(timezone('UTC', enrichedAt) as timestamp), status, apiMode, runId,
                ? as sourceFile,
                cast(? as timestamp) as loadedAt
            from read_json(?, format = 'newline_delimited', columns = {
                artistId: 'varchar',
                artistName: 'varchar',
                genres: 'varchar[]',
                popularity: 'bigint',
                followerCount: 'bigint',
                images: 'struct(url varchar, height bigint, width bigint)[]',
                externalUrls: 'struct(spotify varchar)',
                enrichedAt: 'timestamptz',
                status: 'varchar',
                apiMode: 'varchar',
                runId: 'varchar'
            })
            """,
            [landing_file.name, loaded_at.replace(tzinfo=None), str(landing_file)],
        )
        after = connection.execute(
            "select count(*) from lake.lake_spotify__normalized_artist_enrichment"
        ).fetchone()[0]
    return after - before
