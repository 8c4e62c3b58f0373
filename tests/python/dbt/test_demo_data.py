"""The demo-data generator: deterministic, realistic, consistent between history and catalogue, and its
landing fixture options do what they say."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from spotify_enrichment.artist_ids import is_valid_artist_id
from spotify_enrichment.records import LANDING_KEYS
from spotify_enrichment_dev.demo_data import DemoDataError, DemoDataSpec, generate_demo_data
from spotify_enrichment_dev.demo_enrichment_fixture import FixtureSpec, write_enrichment_fixture
from spotify_enrichment_dev.demo_vocabulary import GENRES

PROJECT_ROOT = Path(__file__).resolve().parents[3]
SPEC = DemoDataSpec(artists=2_000, plays=20_000, seed=11, end_date=date(2026, 11, 28))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out_dir = tmp_path_factory.mktemp("demo")
    generate_demo_data(out_dir, SPEC)
    return out_dir


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_same_seed_gives_identical_files_and_another_seed_does_not(data_dir: Path, tmp_path: Path) -> None:
    generate_demo_data(tmp_path / "same", SPEC)
    generate_demo_data(
        tmp_path / "other", DemoDataSpec(artists=2_000, plays=20_000, seed=12, end_date=SPEC.end_date)
    )
    for name in ("listening_history.jsonl", "catalogue.jsonl", "missing_artist_ids.txt"):
        assert (tmp_path / "same" / name).read_bytes() == (data_dir / name).read_bytes(), name
        assert (tmp_path / "other" / name).read_bytes() != (data_dir / name).read_bytes(), name


def test_history_covers_two_years_with_zipf_like_play_counts(data_dir: Path) -> None:
    plays = _jsonl(data_dir / "listening_history.jsonl")
    assert {tuple(play) for play in plays} == {
        ("playedAt", "trackId", "trackName", "msPlayed", "artistId", "artistName")
    }
    assert len(plays) >= 20_000
    played_at = [datetime.fromisoformat(play["playedAt"]) for play in plays]
    end = datetime(2026, 11, 28, tzinfo=UTC)
    assert min(played_at) >= end - timedelta(days=730)
    assert max(played_at) < end
    assert all(play["playedAt"].endswith("Z") for play in plays)
    counts = Counter(play["artistId"] for play in plays)
    assert len(counts) == 2_000
    ranked = [count for _, count in counts.most_common()]
    assert ranked[0] > 20 * ranked[len(ranked) // 2]  # a head of favourites, a long tail
    assert all(is_valid_artist_id(play["artistId"]) and is_valid_artist_id(play["trackId"]) for play in plays)
    first_played = {}
    for play, when in zip(plays, played_at, strict=True):
        first_played[play["artistId"]] = min(first_played.get(play["artistId"], when), when)
    recent = [artist for artist, when in first_played.items() if when >= end - timedelta(days=7)]
    assert 20 <= len(recent) <= 60
    assert any(not play["artistName"].isascii() for play in plays)


def test_catalogue_holds_every_played_artist_but_the_missing_ones(data_dir: Path) -> None:
    catalogue = _jsonl(data_dir / "catalogue.jsonl")
    missing = (data_dir / "missing_artist_ids.txt").read_text().split()
    played = {play["artistId"] for play in _jsonl(data_dir / "listening_history.jsonl")}
    catalogue_ids = {artist["id"] for artist in catalogue}
    assert 5 <= len(missing) <= 20
    assert catalogue_ids | set(missing) == played
    assert not catalogue_ids & set(missing)

    artist = catalogue[0]
    assert list(artist) == [
        "external_urls", "followers", "genres", "href", "id", "images", "name", "popularity", "type", "uri"
    ]  # fmt: skip
    assert artist["uri"] == f"spotify:artist:{artist['id']}"
    assert artist["href"] == f"https://api.spotify.com/v1/artists/{artist['id']}"
    assert artist["external_urls"]["spotify"] == f"https://open.spotify.com/artist/{artist['id']}"
    no_genres = sum(1 for artist in catalogue if not artist["genres"])
    assert 0.2 < no_genres / len(catalogue) < 0.3
    assert {genre for artist in catalogue for genre in artist["genres"]} <= set(GENRES)
    assert all(0 <= artist["popularity"] <= 100 for artist in catalogue)
    followers = sorted(artist["followers"]["total"] for artist in catalogue)
    assert followers[-1] > 100 * followers[len(followers) // 2]  # heavy tail
    widths = Counter(tuple(image["width"] for image in artist["images"]) for artist in catalogue)
    assert set(widths) == {(640, 320, 160), ()}
    assert widths[()] > 0 and widths[(640, 320, 160)] > 0.9 * len(catalogue)


def test_landing_fixture_options(data_dir: Path, tmp_path: Path) -> None:
    reference = datetime(2026, 11, 28, 12, tzinfo=UTC)
    spec = FixtureSpec(
        coverage=0.9, stale_share=0.2, stale_age_days=120, dev_mode_share=0.1, reference=reference
    )
    summary = write_enrichment_fixture(data_dir, tmp_path / "fixture.jsonl", spec)
    rows = _jsonl(tmp_path / "fixture.jsonl")

    assert summary.rows == len(rows) == 1_800 and summary.omitted == 200
    assert all(tuple(row) == LANDING_KEYS for row in rows)
    not_found = [row for row in rows if row["status"] == "not_found"]
    assert not_found and all(row["artistName"] is None and row["genres"] is None for row in not_found)
    ok = [row for row in rows if row["status"] == "ok"]
    stale = [row for row in ok if row["enrichedAt"].startswith("2026-07-31")]
    assert 0.15 < len(stale) / len(ok) < 0.25 and len(stale) == summary.stale
    withheld = [row for row in ok if row["popularity"] is None]
    assert all(row["followerCount"] is None and row["genres"] is None for row in withheld)
    assert 0.05 < len(withheld) / len(ok) < 0.15
    assert any(row["genres"] == [] for row in ok)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--artists", "0"], "--artists must be at least 1"),
        (["--artists", "100", "--plays", "50"], "--plays (50) must be at least --artists (100)"),
    ],
)
def test_bad_arguments_exit_2_naming_the_argument(tmp_path: Path, arguments: list[str], message: str) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "generate_demo_data.py"),
            "--out",
            str(tmp_path),
            *arguments,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert message in completed.stderr


def test_bad_fixture_share_is_rejected(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(DemoDataError, match=r"coverage must be within 0\.\.1"):
        write_enrichment_fixture(data_dir, tmp_path / "f.jsonl", FixtureSpec(coverage=1.5))


def test_fixture_without_generated_data_names_the_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DemoDataError, match=r"catalogue\.jsonl not found: generate the demo data"):
        write_enrichment_fixture(tmp_path, tmp_path / "f.jsonl", FixtureSpec())
