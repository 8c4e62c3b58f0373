"""The history readers and the history load on DuckDB, without dbt: kinds told by name and content,
skips by reason, the play key, the ledger, unload and replace, and loud failures naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from enrichment.enrichment_helpers import contract_lake
from history_helpers import RealHistory

from spotify_enrichment.errors import BadInputError
from spotify_enrichment.history_export import HistoryFormatError, HistoryInput, find_inputs, parse, zip_bytes
from spotify_enrichment.history_load import load_history, unload_history

TRACK = "spotify:track:280QqgbMrLeMs6B80mIPG2"


def _stream(ts: str, ms: int = 1000, uri: str | None = TRACK, **extra: object) -> dict[str, object]:
    return {
        "ts": ts,
        "ms_played": ms,
        "master_metadata_track_name": "De Madrugada" if uri else None,
        "master_metadata_album_artist_name": "A.C.O" if uri else None,
        "spotify_track_uri": uri,
        "spotify_episode_uri": None,
        **extra,
    }


def _file(name: str, value: object) -> HistoryInput:
    return HistoryInput(source=f"/x/{name}", name=name, data=json.dumps(value).encode())


def test_two_streams_ending_in_the_same_second_are_two_plays_and_reloading_keeps_their_keys() -> None:
    streams = [_stream("2023-09-01T15:22:06Z", 205090), _stream("2023-09-01T15:22:06Z", 205090)]
    first = parse(_file("Streaming_History_Audio_2023_0.json", streams))
    again = parse(_file("endsong_0.json", streams))
    assert len(first.plays) == 2
    assert len({play["playKey"] for play in first.plays}) == 2
    assert [p["playKey"] for p in first.plays] == [p["playKey"] for p in again.plays]


def test_episodes_audiobooks_local_files_and_trackless_entries_are_skipped_by_reason() -> None:
    streams = [
        _stream("2024-01-01T00:00:00Z"),
        _stream(
            "2024-01-01T00:01:00Z", uri=None, spotify_episode_uri="spotify:episode:4rOoJ6Egrf8K2IrywzwOMk"
        ),
        _stream("2024-01-01T00:02:00Z", uri=None, audiobook_uri="spotify:audiobook:x"),
        _stream("2024-01-01T00:03:00Z", uri="spotify:local:a:b:c:1"),
        _stream("2024-01-01T00:04:00Z", uri=None),
    ]
    parsed = parse(_file("Streaming_History_Audio_2024_0.json", streams))
    assert len(parsed.plays) == 1 and parsed.entries == 5
    assert dict(parsed.skipped) == {"episode": 1, "audiobook": 1, "local file": 1, "no track": 1}
    assert parsed.plays[0]["trackId"] == "280QqgbMrLeMs6B80mIPG2" and parsed.plays[0]["artistId"] is None


def test_account_data_rows_load_with_their_names_and_unknown_ones_are_skipped() -> None:
    rows = [
        {"endTime": "2024-03-01 10:15", "artistName": "Beyoncé", "trackName": "Halo", "msPlayed": 1000},
        {
            "endTime": "2024-03-01 10:20",
            "artistName": "Unknown Artist",
            "trackName": "Unknown Track",
            "msPlayed": 5,
        },
    ]
    parsed = parse(_file("StreamingHistory_music_0.json", rows))
    assert parsed.kind == "account" and dict(parsed.skipped) == {"no track": 1}
    (play,) = parsed.plays
    assert (play["playedAt"], play["trackId"], play["artistName"]) == (
        "2024-03-01T10:15:00Z",
        None,
        "Beyoncé",
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("Streaming_History_Audio_1.json", [{"endTime": "2024-01-01 00:00", "msPlayed": 1}], "the name says"),
        ("Streaming_History_Audio_1.json", {"ts": "x"}, "expected a JSON array"),
        (
            "Streaming_History_Audio_1.json",
            [_stream("2024-01-01T00:00:00Z", ms="12")],
            "ms_played '12' is not int",
        ),
        ("Streaming_History_Audio_1.json", [_stream("2999-01-01T00:00:00Z")], "dated in the future"),
        ("Streaming_History_Audio_1.json", [_stream("yesterday")], "is not an ISO 8601 time"),
        ("notes.json", {"a": 1}, "not a listening history"),
    ],
)
def test_a_file_that_cannot_be_loaded_is_named_with_what_is_wrong(
    name: str, value: object, message: str
) -> None:
    with pytest.raises(HistoryFormatError) as raised:
        parse(_file(name, value))
    assert f"/x/{name}" in str(raised.value) and message in str(raised.value)


def test_a_folder_and_a_zip_are_searched_and_other_files_named(tmp_path: Path) -> None:
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "Streaming_History_Audio_2024_0.json").write_text(
        json.dumps([_stream("2024-01-01T00:00:00Z")])
    )
    (tmp_path / "export" / "Streaming_History_Video_2024.json").write_text("[]")
    (tmp_path / "export" / "Userdata.json").write_text("{}")
    (tmp_path / "export" / "data.zip").write_bytes(
        zip_bytes({"a/endsong_0.json": b"[]", "a/ReadMe.pdf": b"%PDF"})
    )
    inputs = find_inputs(tmp_path / "export")
    assert [item.name for item in inputs.files] == ["Streaming_History_Audio_2024_0.json", "a/endsong_0.json"]
    assert list(inputs.skipped_files.values()) == ["video history"]
    assert sorted(Path(name.replace("!", "/")).name for name in inputs.ignored) == [
        "ReadMe.pdf",
        "Userdata.json",
    ]
    with pytest.raises(HistoryFormatError, match="no such file"):
        find_inputs(tmp_path / "missing")


def test_loading_unloading_and_replacing_one_export_file(tmp_path: Path, real_history: RealHistory) -> None:
    connection, relations = contract_lake(tmp_path / "warehouse.duckdb")
    export = tmp_path / "export"
    export.mkdir()
    for path in real_history.export_files:
        (export / path.name).write_bytes(path.read_bytes())
    count = "select count(*) from lake.lake_spotify__normalized_listening_history"

    summary = load_history(connection, str(export), relations)
    assert summary.loaded == 14842 and summary.seconds < 10
    assert connection.execute(count).fetchone() == (14842,)

    second = real_history.export_files[1].name
    removed = unload_history(connection, second, relations)
    left = connection.execute(count).fetchone()[0]
    assert removed.plays + left == 14842 and removed.plays > 7000
    with pytest.raises(BadInputError, match="no loaded history file match"):
        unload_history(connection, second, relations)

    again = load_history(connection, str(export), relations)
    assert [item.loaded_before for item in again.files] == [True, False]
    assert again.loaded == removed.plays and connection.execute(count).fetchone() == (14842,)

    replaced = load_history(connection, str(export / second), relations, replace=True)
    assert replaced.replaced == removed.plays and replaced.loaded == removed.plays
    assert connection.execute(count).fetchone() == (14842,)
    ledger = connection.execute(
        "select count(*) from lake.lake_spotify__listening_history_load_ledger"
    ).fetchone()
    assert ledger == (2,)


def test_jsonl_is_read_by_duckdb_keeping_identical_lines_and_loads_once_from_a_zip_too(
    tmp_path: Path,
) -> None:
    connection, relations = contract_lake(tmp_path / "warehouse.duckdb")
    line = (
        '{"playedAt": "2026-11-27T08:00:00Z", "trackId": "0000000000000000000001", "trackName": "t",'
        ' "msPlayed": 1000, "artistId": "0000000000000000000002", "artistName": "a"}\n'
    )
    plays = tmp_path / "plays.jsonl"
    plays.write_text(line * 2, encoding="utf-8")
    first = load_history(connection, str(plays), relations)
    assert (first.files[0].entries, first.loaded) == (2, 2)
    zipped = tmp_path / "plays.zip"
    zipped.write_bytes(zip_bytes({"history/plays.jsonl": (line * 3).encode()}))
    again = load_history(connection, str(zipped), relations)
    assert (again.loaded, again.files[0].already_present) == (1, 2)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(line + '{"playedAt": "2026-11-27T08:00:00Z", "msPlayed": "x"}\n', encoding="utf-8")
    with pytest.raises(HistoryFormatError, match=r"bad\.jsonl: cannot be read as JSONL plays"):
        load_history(connection, str(bad), relations)
    count = connection.execute(
        "select count(*) from lake.lake_spotify__normalized_listening_history"
    ).fetchone()
    assert count == (3,)
