"""Genre families and similar artists on real data, end to end: the real artist files (artists.csv and
artists_37k.csv) served by the Spotify emulator over HTTP, a listening history of 5,000 of their artists,
`enrich_artists` backfill, one `dbt build` of the seed, the models and their tests. Then:
- the similar-artist lists equal a dense brute-force cosine top-k of the hub's genres (ties by ID);
- primaryGenreFamily equals the seed's rule recomputed here, and is NULL for every artist without genres
  or without a matching genre: never a made-up family."""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from enrichment_helpers import Warehouse, base_environ, contract_lake, summary_of
from support.dbt_runner import PROJECT_ROOT, DbtResult

from spotify_enrichment_dev.catalogue import load_catalogue
from spotify_enrichment_dev.emulator_process import EmulatorProcess
from spotify_enrichment_dev.similarity_reference import brute_force_similar_artists

LIBRARY_PER_FILE = 2_500
# The project's defaults: the build passes the same vars as enrich_artists, so dbt's partial parse of
# that command is reused instead of a new parse (seconds).
PROJECT_VARS = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
K = PROJECT_VARS["similar_artists_k"]
FAMILY_WEIGHT = PROJECT_VARS["similar_artists_family_weight"]


@dataclass(frozen=True)
class RealLibrary:
    warehouse: Warehouse
    build: DbtResult
    artist_ids: list[str]


def write_history(duckdb_path: Path, artists: list[tuple[str, str]], seed: int) -> None:
    """The lake tables, and one to three plays per artist in November 2026 straight into the listening
    history table (track IDs made up; only the artists matter here, and a dbt command less is 3 s)."""
    rng = random.Random(seed)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    plays = [
        (
            datetime(2026, 11, rng.randint(1, 28), rng.randint(0, 23)),
            "".join(rng.choice(alphabet) for _ in range(22)),
            "Real Artist Track",
            rng.randint(30_000, 300_000),
            artist_id,
            name,
        )
        for artist_id, name in artists
        for _ in range(rng.randint(1, 3))
    ]
    connection, _ = contract_lake(duckdb_path)
    with connection:
        connection.executemany(
            "insert into lake.lake_spotify__normalized_listening_history"
            " (playedAt, trackId, trackName, msPlayed, artistId, artistName) values (?, ?, ?, ?, ?, ?)",
            plays,
        )


@pytest.fixture(scope="module")
def real_library(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealLibrary]:
    files = [shared_data / "artists" / "artists.csv", shared_data / "artists" / "artists_37k.csv"]
    rng = random.Random(14)
    chosen: dict[str, str] = {}
    for path in files:
        catalogue = load_catalogue(path)
        candidates = sorted(artist_id for artist_id in catalogue if artist_id not in chosen)
        for artist_id in rng.sample(candidates, LIBRARY_PER_FILE):
            chosen[artist_id] = catalogue[artist_id]["name"]
    root = tmp_path_factory.mktemp("genre_families_real")
    with EmulatorProcess(files) as emulator:
        warehouse = Warehouse(
            root=root / "warehouse", landing_uri=str(root / "landing"), env=base_environ(emulator)
        )
        warehouse.root.mkdir()
        write_history(warehouse.duckdb_path, sorted(chosen.items()), seed=14)
        backfill = warehouse.enrich(mode="backfill")
        assert backfill.returncode == 0, str(backfill)
        assert int(summary_of(backfill.output)["ok"]) == len(chosen)
    build = warehouse.dbt(
        "build", "--select", "+hub_music__svc_similar_artists", vars={"landing_uri": warehouse.landing_uri}
    )
    assert build.returncode == 0, str(build)
    yield RealLibrary(warehouse=warehouse, build=build, artist_ids=sorted(chosen))


def test_the_build_runs_the_seed_both_models_and_their_tests(real_library: RealLibrary) -> None:
    build = real_library.build
    for node in (
        "seed.spotify_enrichment.genre_families",
        "model.spotify_enrichment.hub_music__svc_artist_genre_families",
        "model.spotify_enrichment.hub_music__svc_similar_artists",
    ):
        assert build.status(node) == "success", node
    for test in ("assert_similar_artists_are_valid", "test_genre_family_precedence_and_ties"):
        assert build.status(test) == "pass", test
    assert set(build.statuses().values()) <= {"success", "pass"}


def test_similar_artists_equal_a_brute_force_cosine_top_k(real_library: RealLibrary) -> None:
    warehouse = real_library.warehouse
    hub = warehouse.query("select artistId, genres from hub.hub_music__svc_dim_artists")
    genres = {
        artist_id: sorted({name.strip().lower() for name in names}) for artist_id, names in hub if names
    }
    families: dict[str, list[str]] = {}
    for artist_id, family in warehouse.query(
        "select artistId, genreFamily from hub.hub_music__svc_artist_genre_families order by all"
    ):
        families.setdefault(artist_id, []).append(family)
    actual = warehouse.query(
        "select artistId, similarArtistId, similarityRank, similarityScore, sharedGenres "
        "from hub.hub_music__svc_similar_artists order by artistId, similarityRank"
    )

    expected = brute_force_similar_artists(genres, families, K, FAMILY_WEIGHT)

    assert len(genres) > 2_500  # real artists with genres from both files
    assert [tuple(row) for row in actual] == [tuple(row) for row in expected]
    assert {row[0] for row in actual} <= set(genres)


def seed_rows() -> list[tuple[re.Pattern[str], str, int, int]]:
    """The seed as regular expressions (LIKE: % any text, _ one character), with its precedence."""
    rows = []
    with (PROJECT_ROOT / "seeds" / "genre_families.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            pattern = "".join(
                ".*" if char == "%" else "." if char == "_" else re.escape(char)
                for char in row["genre_pattern"]
            )
            rows.append(
                (
                    re.compile(pattern, re.DOTALL),
                    row["genre_family"],
                    int(row["precedence"]),
                    len(row["genre_pattern"]),
                )
            )
    return rows


def expected_primary_family(
    names: list[str] | None, seed: list[tuple[re.Pattern[str], str, int, int]]
) -> str | None:
    weights: dict[str, list[int]] = {}
    for name in {name.strip().lower() for name in names or []}:
        matches = [
            (precedence, -length, family)
            for pattern, family, precedence, length in seed
            if pattern.fullmatch(name)
        ]
        if matches:
            precedence, _, family = min(matches)
            weights.setdefault(family, []).append(precedence)
    if not weights:
        return None
    return min(weights, key=lambda family: (-len(weights[family]), min(weights[family]), family))


def test_primary_genre_family_follows_the_seed_and_is_null_without_genres(real_library: RealLibrary) -> None:
    seed = seed_rows()
    rows = real_library.warehouse.query(
        "select artistId, genres, primaryGenreFamily from hub.hub_music__svc_dim_artists"
    )

    assert len(rows) == len(real_library.artist_ids)
    mismatched = [
        (artist_id, names, family)
        for artist_id, names, family in rows
        if family != expected_primary_family(names, seed)
    ]
    assert mismatched == []
    without_genres = [family for _, names, family in rows if not names]
    assert len(without_genres) > 1_000  # most of artists_37k.csv has no genre
    assert set(without_genres) == {None}
    assert {family for _, _, family in rows} - {None} <= {family for _, family, _, _ in seed}
