"""The Python model hub_music__svc_similar_artists as plain functions (its file imported as a module):
the block-wise sparse top-k equals the dense brute-force reference, whatever the block size, ties
included; bad vars are refused with their name."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from spotify_enrichment_dev.bench.genres import load_model_module
from spotify_enrichment_dev.similarity_reference import brute_force_similar_artists

GENRES = ("pop", "dance pop", "rock", "indie rock", "hip hop", "trap", "jazz", "latin hip hop", "k-pop")
GENRES += ("emo",)
FAMILIES = {
    "pop": "pop",
    "dance pop": "pop",
    "k-pop": "pop",
    "rock": "rock",
    "indie rock": "rock",
    "emo": "punk",
}


MODEL = load_model_module(Path(__file__).resolve().parents[3])


def small_library(artists: int, seed: int) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Few genre names, so many artists have identical vectors: the ties are the hard part."""
    rng = random.Random(seed)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    genres: dict[str, list[str]] = {}
    while len(genres) < artists:
        artist_id = "".join(rng.choice(alphabet) for _ in range(22))
        genres[artist_id] = sorted(set(rng.sample(GENRES, rng.randint(1, 3))))
    families = {
        artist_id: sorted({FAMILIES[name] for name in names if name in FAMILIES})
        for artist_id, names in genres.items()
    }
    return genres, {artist_id: names for artist_id, names in families.items() if names}


@pytest.mark.parametrize("block_cells", [1, 7, 1_000, 4_000_000])
@pytest.mark.parametrize("family_weight", [0.0, 0.25])
def test_block_wise_top_k_equals_the_brute_force_reference(block_cells: int, family_weight: float) -> None:
    genres, families = small_library(300, seed=block_cells)

    actual = MODEL.similar_artists(genres, families, 10, family_weight, block_cells=block_cells)

    assert actual == brute_force_similar_artists(genres, families, 10, family_weight)
    assert len(actual) == 300 * 10


def test_ties_rank_by_similar_artist_id_and_nobody_is_similar_to_themselves() -> None:
    genres = {"C" * 22: ["rock"], "A" * 22: ["rock"], "B" * 22: ["rock"], "D" * 22: ["jazz"]}

    rows = MODEL.similar_artists(genres, {}, 5, 0.25)

    assert rows == [
        ("A" * 22, "B" * 22, 1, 1.0, ["rock"]),
        ("A" * 22, "C" * 22, 2, 1.0, ["rock"]),
        ("B" * 22, "A" * 22, 1, 1.0, ["rock"]),
        ("B" * 22, "C" * 22, 2, 1.0, ["rock"]),
        ("C" * 22, "A" * 22, 1, 1.0, ["rock"]),
        ("C" * 22, "B" * 22, 2, 1.0, ["rock"]),
    ]


def test_a_shared_family_alone_gives_a_lower_score_and_no_shared_genre() -> None:
    genres = {"A" * 22: ["dance pop"], "B" * 22: ["k-pop"], "C" * 22: ["jazz"]}
    families = {"A" * 22: ["pop"], "B" * 22: ["pop"]}

    rows = MODEL.similar_artists(genres, families, 10, 0.25)

    assert [(row[0], row[1], row[4]) for row in rows] == [("A" * 22, "B" * 22, []), ("B" * 22, "A" * 22, [])]
    assert 0 < rows[0][3] < 1
    assert MODEL.similar_artists(genres, families, 10, 0.0) == []


def test_genre_names_are_compared_lowercased_trimmed_and_once() -> None:
    rows = [("A" * 22, [" Rock", "rock", "", None]), ("B" * 22, None), ("C" * 22, [])]

    library = MODEL.library_genres(rows)

    assert library == {"A" * 22: ["rock"]}


@pytest.mark.parametrize("value", ["0", "-1", "1001", "ten", "2.5", "", None])
def test_a_bad_k_names_the_var(value: object) -> None:
    with pytest.raises(ValueError, match=r"var similar_artists_k must be a whole number from 1 to 1000"):
        MODEL.parse_k(value)


@pytest.mark.parametrize("value", ["-0.1", "1.5", "nan", "heavy", None])
def test_a_bad_family_weight_names_the_var(value: object) -> None:
    with pytest.raises(ValueError, match=r"var similar_artists_family_weight must be a number from 0 to 1"):
        MODEL.parse_family_weight(value)


def test_good_vars_parse() -> None:
    assert MODEL.parse_k("10") == 10
    assert MODEL.parse_k(3) == 3
    assert MODEL.parse_family_weight("0.25") == 0.25


def test_a_library_without_two_artists_with_genres_gives_an_empty_typed_table() -> None:
    rows = MODEL.similar_artists({"A" * 22: ["rock"]}, {}, 10, 0.25)

    table = MODEL.to_frame(rows, session=object())

    assert rows == []
    assert table.num_rows == 0
    assert table.column_names == list(MODEL.COLUMNS)
    assert str(table.schema.field("sharedGenres").type) == "list<item: string>"
