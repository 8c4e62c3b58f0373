"""`dbt run-operation load_listening_history` on real DuckDB: idempotent, and loud on bad input."""

from __future__ import annotations

from pathlib import Path

from support.dbt_runner import DbtProject

COUNT_PLAYS = "select count(*) from lake.lake_spotify__normalized_listening_history"


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
    assert f"(JSONL plays): {lines + 1} entries, 1 new plays loaded, {lines} already present" in result.output
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


def _play(played_at: str | None, track: str) -> str:
    stamp = "null" if played_at is None else f'"{played_at}"'
    return (
        f'{{"playedAt": {stamp}, "trackId": "{track}", "trackName": "t", "msPlayed": 1000,'
        ' "artistId": "0000000000000000000002", "artistName": "a"}\n'
    )


def test_plays_without_played_at_fail_the_load_every_time_instead_of_adding_up(
    history_warehouse: DbtProject, tmp_path: Path
) -> None:
    project = history_warehouse.copy_to(tmp_path)
    before = project.query(COUNT_PLAYS)
    undated = tmp_path / "undated_history.jsonl"
    undated.write_text(
        _play("2026-11-27T08:00:00Z", "0000000000000000000010")
        + _play(None, "0000000000000000000011")
        + '{"trackId": "0000000000000000000012", "trackName": "t", "msPlayed": 1,'
        ' "artistId": "0000000000000000000003", "artistName": "b"}\n',
        encoding="utf-8",
    )
    for _ in range(2):  # before the check, each reload added the undated plays again
        result = project.run("run-operation", "load_listening_history", "--args", f"{{path: '{undated}'}}")
        assert not result.ok, result.output
        assert f"load_listening_history: {undated}: 2 plays without playedAt" in result.output
        assert "trackId 0000000000000000000011, artistId 0000000000000000000002" in result.output
        assert "nothing was loaded" in result.output
        assert project.query(COUNT_PLAYS) == before


def test_a_play_dated_in_the_future_fails_the_load_naming_it(
    history_warehouse: DbtProject, tmp_path: Path
) -> None:
    project = history_warehouse.copy_to(tmp_path)
    before = project.query(COUNT_PLAYS)
    future = tmp_path / "future_history.jsonl"
    future.write_text(
        _play("2026-11-27T08:00:00Z", "0000000000000000000010")
        + _play("2099-01-01T00:00:00Z", "0000000000000000000011"),
        encoding="utf-8",
    )
    result = project.run("run-operation", "load_listening_history", "--args", f"{{path: '{future}'}}")
    assert not result.ok, result.output
    assert f"load_listening_history: {future}: 1 plays dated in the future (latest playedAt 2099-01-01" in (
        result.output
    )
    assert project.query(COUNT_PLAYS) == before
    assert project.query(COUNT_PLAYS + " where playedAt > now()") == [(0,)]
