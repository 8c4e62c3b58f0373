"""Unit tests of the landing-file check and the loader's file handling (no dbt, local folders)."""

import json
import re
from pathlib import Path

import pytest

from spotify_enrichment import loader
from spotify_enrichment.errors import BadInputError
from spotify_enrichment.landing_check import LANDING_COLUMNS_SQL, check_landing_file

PROJECT_ROOT = Path(__file__).resolve().parents[3]
ARTIST_ID = "0OdUWJ0sBjDrqHygGUXeCF"


def landing_line(**overrides: object) -> str:
    record = {
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
    record.update(overrides)
    return json.dumps(record, ensure_ascii=False)


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_good_file_passes_and_counts_records(tmp_path: Path) -> None:
    lines = [
        landing_line(),
        landing_line(status="not_found", artistName=None, genres=None, popularity=None, images=None),
        "",
        landing_line(genres=[], popularity=None, followerCount=None, apiMode="single"),
    ]
    check = check_landing_file(write_lines(tmp_path / "good.jsonl", lines))
    assert check.ok
    assert check.records == 3


@pytest.mark.parametrize(
    ("bad_line", "expected"),
    [
        ('{"artistId": "0OdUWJ0sBjDrqHygGUXeCF", broken', "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        (landing_line(artistId="abc"), "artistId 'abc' is not a Spotify ID"),
        (landing_line(status="found"), "status 'found'"),
        (landing_line(apiMode="bulk"), "apiMode 'bulk'"),
        (landing_line(enrichedAt="yesterday"), "enrichedAt 'yesterday'"),
        (landing_line(popularity="high"), "popularity has the wrong type"),
        (landing_line(genres="indie"), "genres has the wrong type"),
        (landing_line(images=[{"height": 1}]), "an image has no url"),
    ],
)
def test_a_bad_line_is_named_by_number(tmp_path: Path, bad_line: str, expected: str) -> None:
    path = write_lines(tmp_path / "bad.jsonl", [landing_line(), landing_line(), bad_line, landing_line()])
    check = check_landing_file(path)
    assert not check.ok
    assert check.error_count == 1
    assert check.errors[0].line == 3
    assert expected in check.errors[0].error
    assert check.describe().startswith("line 3: ")


def test_many_bad_lines_are_counted_beyond_the_reported_ones(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "bad.jsonl", ["not json"] * 30 + [landing_line()])
    check = check_landing_file(path)
    assert check.error_count == 30
    assert len(check.errors) == 20
    assert "and 10 more bad lines" in check.describe()


def test_load_macro_reads_files_with_the_checked_columns() -> None:
    """The loader's SQL and the check must agree on the record's columns and types."""
    macro = (PROJECT_ROOT / "macros" / "load_artist_enrichment.sql").read_text(encoding="utf-8")
    block = re.search(r"columns = \{(.*?)\}\s*\)", macro, re.DOTALL)
    assert block is not None
    in_macro = dict(re.findall(r"(\w+): '([^']+)'", block.group(1)))
    in_check = dict(re.findall(r"(\w+): '([^']+)'", LANDING_COLUMNS_SQL))
    assert in_macro == in_check


def test_relative_landing_uri_resolves_against_the_project_dir(tmp_path: Path) -> None:
    assert loader.resolve_landing_uri("landing", str(tmp_path)) == str(tmp_path / "landing")
    assert loader.resolve_landing_uri(str(tmp_path / "x"), "/elsewhere") == str(tmp_path / "x")
    assert loader.resolve_landing_uri("gs://my-bucket/", str(tmp_path)) == "gs://my-bucket"
    with pytest.raises(BadInputError, match="s3://b"):
        loader.resolve_landing_uri("s3://b", str(tmp_path))
    with pytest.raises(BadInputError, match="empty"):
        loader.resolve_landing_uri(" ", str(tmp_path))


def test_archiving_never_overwrites_a_file_already_archived(tmp_path: Path) -> None:
    name = "20261128T160000Z_artist_enrichment.jsonl"
    landing = tmp_path / "spotify" / "landing"
    landing.mkdir(parents=True)
    for content in ("first\n", "second\n"):
        (landing / name).write_text(content)
        loader.move_landing_file(str(tmp_path), name, "archive")
    archive = tmp_path / "spotify" / "archive"
    assert sorted(path.read_text() for path in archive.iterdir()) == ["first\n", "second\n"]
    assert not list(landing.iterdir())


def test_quarantine_writes_the_error_report_beside_the_file(tmp_path: Path) -> None:
    name = "20261128T160000Z_artist_enrichment.jsonl"
    landing = tmp_path / "spotify" / "landing"
    landing.mkdir(parents=True)
    (landing / name).write_text("broken\n")
    uri = loader.move_landing_file(str(tmp_path), name, "quarantine", error_report="line 1: not valid JSON")
    quarantine = tmp_path / "spotify" / "quarantine"
    assert uri == str(quarantine / name)
    assert (
        quarantine / "20261128T160000Z_artist_enrichment.errors.txt"
    ).read_text() == "line 1: not valid JSON\n"


@pytest.mark.parametrize("name", ["../x.jsonl", "a/b.jsonl", ".hidden.jsonl", "notes.txt", ""])
def test_file_names_from_sql_are_validated(tmp_path: Path, name: str) -> None:
    with pytest.raises(BadInputError):
        loader.stage_landing_file(str(tmp_path), name)


def test_release_deletes_only_staging_copies(tmp_path: Path) -> None:
    keep = tmp_path / "keep.jsonl"
    keep.write_text("x\n")
    assert loader.release_staged_file(str(keep)) == ""
    assert keep.exists()
