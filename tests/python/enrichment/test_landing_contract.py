"""The landing contract: one definition per record type (records.py), and every rule of its line check
held on both paths of the load, the Python check of record (`landing_check.check_lines`) and the DuckDB
SQL check the loader runs first (`contract.duckdb_check_sql`). No dbt here; the loader's file handling
on local folders."""

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from enrichment_helpers import contract_lake

from spotify_enrichment import loader
from spotify_enrichment.contract import (
    duckdb_keys_check_sql,
    duckdb_read_columns,
    duckdb_values_check_sql,
    json_line,
    line_error,
)
from spotify_enrichment.errors import BadInputError
from spotify_enrichment.landing import LocalStore, landing_file_name, landing_file_owner
from spotify_enrichment.landing_check import check_lines
from spotify_enrichment.records import ARTIST_ENRICHMENT
from spotify_enrichment.warehouse_duckdb import DuckDBWarehouse

PROJECT_ROOT = Path(__file__).resolve().parents[3]
ARTIST_ID = "0OdUWJ0sBjDrqHygGUXeCF"
NAME = "20261128T160000Z_run1_artist_enrichment.jsonl"
STARTED = datetime(2026, 11, 28, 16, 0, tzinfo=UTC)


def record(**overrides: object) -> dict[str, object]:
    value: dict[str, object] = {
        "artistId": ARTIST_ID,
        "artistName": "Ünïcode Band",
        "genres": ["indie"],
        "popularity": 50,
        "followerCount": 1200,
        "images": [{"url": "https://i.scdn.co/image/a", "height": 640, "width": 640}],
        "externalUrls": {"spotify": f"https://open.spotify.com/artist/{ARTIST_ID}"},
        "enrichedAt": "2026-11-28T16:42:00.123456Z",
        "status": "ok",
        "apiMode": "batch",
        "runId": "run-1",
    }
    value.update(overrides)
    return value


def landing_line(**overrides: object) -> str:
    return json.dumps(record(**overrides), ensure_ascii=False)


def sql_verdicts(lines: list[str], tmp_path: Path) -> list[bool]:
    """Each line's verdict on the DuckDB path: its keys pass and its column values pass."""
    path = tmp_path / "lines.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    connection = duckdb.connect()
    keys = connection.execute(
        f"select {duckdb_keys_check_sql(ARTIST_ENRICHMENT, 'json')} from read_ndjson_objects(?)",  # noqa: S608
        [str(path)],
    ).fetchall()
    columns = duckdb_read_columns(ARTIST_ENRICHMENT, json=True)
    try:
        values = connection.execute(
            f"select {duckdb_values_check_sql(ARTIST_ENRICHMENT)}"  # noqa: S608
            f" from read_json(?, format = 'newline_delimited', columns = {columns})",
            [str(path)],
        ).fetchall()
    except duckdb.Error:
        # DuckDB's reader refuses a line that is no object at all: the loader falls back to the
        # line check, which names it. Here the keys pass has the verdict for such a line.
        values = [(key[0],) for key in keys]
    return [bool(key[0]) and bool(value[0]) for key, value in zip(keys, values, strict=True)]


GOOD_LINES = [
    landing_line(),
    landing_line(status="not_found", artistName=None, genres=None, popularity=None, images=None),
    landing_line(genres=[], popularity=None, followerCount=None, apiMode="single", images=[]),
    landing_line(popularity=0, followerCount=0, enrichedAt="2026-11-28T17:42:00+01:00"),
    landing_line(popularity=100, images=[{"url": "u", "height": None, "width": None}], externalUrls=None),
]

BAD_LINES = [
    ("[1, 2]", "not a JSON object"),
    (landing_line(artistId="abc"), "artistId 'abc' is not a Spotify ID"),
    (landing_line(artistId=" 66CXWjxzNUsdJxJ2JdwvnR"), "is not a Spotify ID"),
    (landing_line(artistId=None), "artistId is missing"),
    (landing_line(status="found"), "status 'found' is not one of ok, not_found"),
    (landing_line(apiMode="bulk"), "apiMode 'bulk' is not one of"),
    (landing_line(enrichedAt="yesterday"), "enrichedAt 'yesterday' is not an ISO 8601 timestamp"),
    (landing_line(enrichedAt="2026-11-28T16:42:00"), "with a UTC offset"),
    (landing_line(enrichedAt="2026-13-40T16:42:00Z"), "is not a valid date and time"),
    (landing_line(enrichedAt="2099-01-01T00:00:00Z"), "is in the future"),
    (landing_line(popularity="high"), "popularity 'high' is not a whole number"),
    (landing_line(popularity="50"), "popularity '50' is not a whole number"),
    (landing_line(popularity=50.7), "popularity 50.7 is not a whole number"),
    (landing_line(popularity=True), "popularity True is not a whole number"),
    (landing_line(popularity=500), "popularity 500 is above 100"),
    (landing_line(followerCount=-5), "followerCount -5 is below 0"),
    (landing_line(followerCount=2**63), "is not a whole number"),
    (landing_line(artistName=123), "artistName 123 is not a string"),
    (landing_line(genres="indie"), "genres is not a list"),
    (landing_line(genres=["indie", 3]), "genres[1] 3 is not a string"),
    (landing_line(genres=[None]), "genres[0] is missing"),
    (landing_line(images=[{"height": 1}]), "images[0].url is missing"),
    (landing_line(images=[{"url": "u", "height": "1"}]), "images[0].height '1' is not a whole number"),
    (landing_line(images=[{"url": "u", "alt": "x"}]), "images[0].alt is not a column"),
    (landing_line(externalUrls={"spotify": 1}), "externalUrls.spotify 1 is not a string"),
    (landing_line(externalUrls="https://x"), "externalUrls is not an object"),
    (landing_line(runId="run 1; drop"), "runId 'run 1; drop' is not a run ID"),
    (landing_line(extra=1), "extra is not a column of the landing contract"),
    (landing_line()[:-1] + ', "artistId": "abc"}', "key 'artistId' appears twice"),
]


def test_good_lines_pass_both_checks(tmp_path: Path) -> None:
    assert [line_error(ARTIST_ENRICHMENT, json.loads(line)) for line in GOOD_LINES] == [None] * len(
        GOOD_LINES
    )
    assert sql_verdicts(GOOD_LINES, tmp_path) == [True] * len(GOOD_LINES)


@pytest.mark.parametrize(("bad_line", "expected"), BAD_LINES, ids=[expected for _, expected in BAD_LINES])
def test_every_rule_holds_on_both_paths(tmp_path: Path, bad_line: str, expected: str) -> None:
    lines = [landing_line(), landing_line(), bad_line, landing_line()]
    check = check_lines(ARTIST_ENRICHMENT, (line.encode() + b"\n" for line in lines))
    assert (check.error_count, check.errors[0].line) == (1, 3), check
    assert expected in check.errors[0].error
    assert check.describe().startswith("line 3: ")
    assert sql_verdicts(lines, tmp_path) == [True, True, False, True]


def test_many_bad_lines_are_counted_beyond_the_reported_ones() -> None:
    check = check_lines(ARTIST_ENRICHMENT, [b"not json\n"] * 30 + [landing_line().encode()])
    assert check.error_count == 30
    assert len(check.errors) == 20
    assert "and 10 more bad lines" in check.describe()


def test_the_writer_puts_keys_in_contract_order() -> None:
    shuffled = dict(reversed(list(record().items())))
    assert list(json.loads(json_line(ARTIST_ENRICHMENT, shuffled))) == list(ARTIST_ENRICHMENT.keys)


def test_the_generated_lake_contract_macro_is_in_sync_with_records_py() -> None:
    checked = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "generate_lake_contract.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def test_the_artist_landing_columns_are_written_in_one_python_definition() -> None:
    """No module but records.py spells the columns out (the generated macro says where it comes from)."""
    spelled = []
    for path in (PROJECT_ROOT / "spotify_enrichment").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if all(f"{name}:" in text for name in ("followerCount", "externalUrls", "apiMode")):
            spelled.append(path.name)
    assert spelled == ["records.py"]


def duckdb_lake(tmp_path: Path) -> DuckDBWarehouse:
    return DuckDBWarehouse(*contract_lake(tmp_path / "w.duckdb"))


def test_the_duckdb_load_coerces_nothing_the_line_check_rejects(tmp_path: Path) -> None:
    """Issue 16: popularity 50.7 / "50", artistName 123, popularity 500, followerCount -5 and a 2099
    enrichedAt used to load through DuckDB's typed reader; now the file is quarantined, lines named."""
    warehouse = duckdb_lake(tmp_path)
    landing = tmp_path / "landing" / "spotify" / "landing"
    landing.mkdir(parents=True)
    bad = [
        landing_line(popularity=50.7),
        landing_line(popularity="50"),
        landing_line(artistName=123),
        landing_line(popularity=500),
        landing_line(followerCount=-5),
        landing_line(enrichedAt="2099-01-01T00:00:00Z"),
    ]
    (landing / NAME).write_text("".join(line + "\n" for line in [landing_line(), *bad]), encoding="utf-8")
    summary = loader.load_landing(str(tmp_path / "landing"), warehouse)
    assert (summary.loaded_files, summary.rows) == (0, 0)
    (message,) = summary.quarantined
    for number in range(2, 8):
        assert f"line {number}: " in message
    rows = warehouse.connection.execute(
        "select count(*) from lake.lake_spotify__normalized_artist_enrichment"
    )
    assert rows.fetchone() == (0,)


def test_relative_landing_uri_resolves_against_the_project_dir(tmp_path: Path) -> None:
    assert loader.resolve_landing_uri("landing", str(tmp_path)) == str(tmp_path / "landing")
    assert loader.resolve_landing_uri(str(tmp_path / "x"), "/elsewhere") == str(tmp_path / "x")
    assert loader.resolve_landing_uri("gs://my-bucket/", str(tmp_path)) == "gs://my-bucket"
    with pytest.raises(BadInputError, match="s3://b"):
        loader.resolve_landing_uri("s3://b", str(tmp_path))
    with pytest.raises(BadInputError, match="empty"):
        loader.resolve_landing_uri(" ", str(tmp_path))


def test_archiving_never_overwrites_a_file_already_archived(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    landing = tmp_path / "spotify" / "landing"
    landing.mkdir(parents=True)
    for content in ("first\n", "second\n"):
        (landing / NAME).write_text(content)
        loader.move_landing_file(store, NAME, "archive")
    archive = tmp_path / "spotify" / "archive"
    assert sorted(path.read_text() for path in archive.iterdir()) == ["first\n", "second\n"]
    assert not list(landing.iterdir())


def test_quarantine_writes_the_error_report_beside_the_file(tmp_path: Path) -> None:
    landing = tmp_path / "spotify" / "landing"
    landing.mkdir(parents=True)
    (landing / NAME).write_text("broken\n")
    uri = loader.move_landing_file(
        LocalStore(tmp_path), NAME, "quarantine", error_report="line 1: not valid JSON"
    )
    quarantine = tmp_path / "spotify" / "quarantine"
    assert uri == str(quarantine / NAME)
    assert (quarantine / NAME.replace(".jsonl", ".errors.txt")).read_text() == "line 1: not valid JSON\n"


def test_files_that_are_no_landing_file_are_reported_and_left_in_place(tmp_path: Path) -> None:
    warehouse = duckdb_lake(tmp_path)
    landing = tmp_path / "landing" / "spotify" / "landing"
    (landing / "sub").mkdir(parents=True)
    for name in (".hidden_artist_enrichment.jsonl", "notes.jsonl", "sub/x_artist_enrichment.jsonl"):
        (landing / name).write_text(landing_line() + "\n")
    summary = loader.load_landing(str(tmp_path / "landing"), warehouse)
    assert summary.files == 0
    reasons = sorted(item.split(".jsonl (", 1)[1] for item in summary.ignored)
    assert reasons[0] == "a hidden file)"
    assert reasons[1] == "in a subfolder)"
    suffixes = (
        "_artist_enrichment.jsonl, _musicbrainz_artist.jsonl, _track_artists.jsonl, _track_search.jsonl, "
        "_enrichment_runs.jsonl, _enrichment_failures.jsonl"
    )
    assert reasons[2] == f"its name does not end with a landing suffix ({suffixes}))"
    assert "3 ignored" in summary.line()
    assert len(list(landing.rglob("*.jsonl"))) == 3


def test_a_warehouse_loads_its_own_files_and_unowned_ones_but_leaves_another_warehouses(
    tmp_path: Path,
) -> None:
    warehouse = duckdb_lake(tmp_path)
    landing = tmp_path / "landing" / "spotify" / "landing"
    landing.mkdir(parents=True)
    mine = landing_file_name(STARTED, "1111aaaa", "0000abcd")
    theirs = landing_file_name(STARTED, "2222bbbb", "ffff0000")
    by_hand = landing_file_name(STARTED)
    for index, name in enumerate((mine, theirs, by_hand)):
        artist = f"{index}".ljust(22, "A")
        (landing / name).write_text(landing_line(artistId=artist) + "\n")
    assert landing_file_owner(mine) == "0000abcd"
    assert landing_file_owner(by_hand) is None

    summary = loader.load_landing(str(tmp_path / "landing"), warehouse, owner="0000abcd")

    assert (summary.loaded_files, summary.other_warehouse) == (2, 1)
    assert "1 left for the other warehouse that landed them" in summary.line()
    assert [path.name for path in landing.iterdir()] == [theirs]
