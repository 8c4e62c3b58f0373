"""`dbt run-operation load_listening_history` on real DuckDB: idempotent, and loud on bad input."""

from __future__ import annotations

from pathlib import Path

from support.dbt_runner import DbtProject

HISTORY = "lake.lake_spotify__normalized_listening_history"


def test_loading_the_same_history_twice_adds_no_play(history_warehouse: DbtProject, tmp_path: Path) -> None:
    project = history_warehouse.copy_to(tmp_path)
    history_file = next(
        history_warehouse.duckdb_path.parent.parent.glob("demo_data*/listening_history.jsonl")
    )
    lines = len(history_file.read_text(encoding="utf-8").splitlines())
    assert project.query("select count(*) from lake.lake_spotify__normalized_listening_history") == [(lines,)]
    # One more play than the file had: only it is new.
    extra_play = (
        '{"playedAt": "2026-11-27T08:00:00.000Z", "trackId": "0000000000000000000001", "trackName": "New",'
        ' "msPlayed": 1000, "artistId": "0000000000000000000002", "artistName": "Ünïcode"}\n'
    )
    overlapping = tmp_path / "overlapping.jsonl"
    overlapping.write_text(history_file.read_text(encoding="utf-8") + extra_play, encoding="utf-8")

    result = project.run("run-operation", "load_listening_history", "--args", f"{{path: '{overlapping}'}}")

    assert result.ok, result.output
    assert f"{lines + 1} lines, 1 new plays loaded" in result.output
    assert project.query("select count(*) from lake.lake_spotify__normalized_listening_history") == [
        (lines + 1,)
    ]
    assert project.query(
        "select artistName "
        "from lake.lake_spotify__normalized_listening_history "
        "where trackId = '0000000000000000000001'"
    ) == [("Ünïcode",)]


def test_a_malformed_history_line_fails_the_load_and_names_the_file(
    history_warehouse: DbtProject, tmp_path: Path
) -> None:
    project = history_warehouse.copy_to(tmp_path)
    before = project.query("select count(*) from lake.lake_spotify__normalized_listening_history")
    broken = tmp_path / "broken_history.jsonl"
    broken.write_text(
        '{"playedAt": "2026-11-27T08:00:00Z", "trackId": "a", "trackName": "b", "msPlayed": 1,'
        ' "artistId": "0000000000000000000002", "artistName": "c"}\n'
        '{"playedAt": "not a time", "trackId": "a", "trackName": "b", "msPlayed": "x",'
        ' "artistId": "0000000000000000000002", "artistName": "c"}\n',
        encoding="utf-8",
    )

    result = project.run("run-operation", "load_listening_history", "--args", f"{{path: '{broken}'}}")

    assert not result.ok
    assert "broken_history.jsonl" in result.output
    assert project.query("select count(*) from lake.lake_spotify__normalized_listening_history") == before
