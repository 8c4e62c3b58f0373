"""A brute-force reference for hub_music__svc_similar_artists: dense vectors built straight from the
definition in the model's docstring, every pair's cosine, every row fully sorted. It shares no code with
the model, so tests compare the two, and the benchmark times it as the dense baseline."""

from __future__ import annotations

import numpy as np

SCORE_DECIMALS = 6

SimilarRow = tuple[str, str, int, float, list[str]]


def dense_vectors(
    genres: dict[str, list[str]], families: dict[str, list[str]], family_weight: float
) -> tuple[list[str], np.ndarray]:
    """Artist IDs (sorted) and their L2-normalised TF-IDF vectors, one dense row each."""
    artist_ids = sorted(genres)
    genre_names = sorted({name for names in genres.values() for name in names})
    family_names = sorted({name for artist_id in artist_ids for name in families.get(artist_id, [])})
    features = {("genre", name): number for number, name in enumerate(genre_names)}
    features.update({("family", name): len(genre_names) + n for n, name in enumerate(family_names)})
    present = np.zeros((len(artist_ids), len(features)), dtype=np.float64)
    for row, artist_id in enumerate(artist_ids):
        for name in genres[artist_id]:
            present[row, features["genre", name]] = 1.0
        if family_weight > 0:
            for name in families.get(artist_id, []):
                present[row, features["family", name]] = 1.0
    idf = np.log((1.0 + len(artist_ids)) / (1.0 + present.sum(axis=0))) + 1.0
    weights = np.ones(len(features))
    weights[len(genre_names) :] = family_weight
    vectors = present * idf * weights
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return artist_ids, vectors


def brute_force_similar_artists(
    genres: dict[str, list[str]], families: dict[str, list[str]], k: int, family_weight: float
) -> list[SimilarRow]:
    """(artistId, similarArtistId, rank, score, sharedGenres): every other artist scored, sorted by
    score (rounded) descending then artistId, the first k with a score above 0 kept."""
    artist_ids, vectors = dense_vectors(genres, families, family_weight)
    scores = np.minimum(np.round(vectors @ vectors.T, SCORE_DECIMALS), 1.0)
    positions = np.arange(len(artist_ids))
    rows: list[SimilarRow] = []
    for row, artist_id in enumerate(artist_ids):
        order = np.lexsort((positions, -scores[row]))
        ranked = [column for column in order.tolist() if column != row and scores[row, column] > 0][:k]
        for rank, column in enumerate(ranked, start=1):
            other = artist_ids[column]
            shared = sorted(set(genres[artist_id]) & set(genres[other]))
            rows.append((artist_id, other, rank, float(scores[row, column]), shared))
    return rows
