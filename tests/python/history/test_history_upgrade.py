"""A listening history made by an older version of the project (no playKey, sourceFile, loadedAt): the
load adds the columns, keeps the old plays and loads new files with their keys; a second load of the
new files adds nothing. Real DuckDB, no dbt."""

from __future__ import annotations

import json
from pathlib import Path

from enrichment.enrichment_helpers import contract_lake

from spotify_enrichment.history_load import load_history


def test_a_history_table_without_the_load_columns_is_upgraded_and_keeps_its_plays(tmp_path: Path) -> None:
    connection, relations = contract_lake(tmp_path / "warehouse.duckdb")
    connection.execute("drop table lake.lake_spotify__normalized_listening_history")
    connection.execute(
        "create table lake.lake_spotify__normalized_listening_history (playedAt timestamptz, "
        "trackId varchar, trackName varchar, msPlayed bigint, artistId varchar, artistName varchar)"
    )
    connection.execute(
        "insert into lake.lake_spotify__normalized_listening_history values "
        "('2020-01-01 10:00:00+00', null, 'Old', 1000, '0000000000000000000002', 'Old artist')"
    )
    account = tmp_path / "StreamingHistory_music_0.json"
    account.write_text(
        json.dumps(
            [
                {"endTime": "2024-01-01 10:00", "artistName": "A", "trackName": "T", "msPlayed": 1000},
                {"endTime": "2024-01-01 10:04", "artistName": "A", "trackName": "T", "msPlayed": 1000},
            ]
        ),
        encoding="utf-8",
    )
    first = load_history(connection, str(account), relations)
    assert first.loaded == 2
    columns = [
        row[0]
        for row in connection.execute("describe lake.lake_spotify__normalized_listening_history").fetchall()
    ]
    assert columns[-3:] == ["playKey", "sourceFile", "loadedAt"]
    rows = connection.execute(
        "select trackName, playKey is not null, sourceFile is not null "
        "from lake.lake_spotify__normalized_listening_history order by playedAt"
    ).fetchall()
    assert rows == [("Old", False, False), ("T", True, True), ("T", True, True)]
    # The file changed on disk (a new export of the same year): only its new play is added.
    account.write_text(
        account.read_text(encoding="utf-8").replace(
            "]", ', {"endTime": "2024-01-02 10:00", "artistName": "A", "trackName": "T", "msPlayed": 1000}]'
        ),
        encoding="utf-8",
    )
    again = load_history(connection, str(account), relations)
    assert (again.loaded, again.files[0].already_present) == (1, 2)
    assert connection.execute(
        "select count(*) from lake.lake_spotify__normalized_listening_history"
    ).fetchone() == (4,)
