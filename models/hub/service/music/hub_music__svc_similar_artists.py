"""The k artists of your own library most like each artist, by the genres they share.

Spotify removed the Related Artists endpoint for new apps in 2024-11; this is the same question asked of
your library only. Each artist with genres is a TF-IDF vector over genre names (binary term frequency,
idf = ln((1 + n) / (1 + df)) + 1, n artists with genres, df artists with the genre), plus its genre
families (hub_music__svc_artist_genre_families) as extra features at `similar_artists_family_weight`
times their own TF-IDF weight; vectors are L2-normalised, so a dot product is the cosine similarity.

Scores are rounded to 6 decimals before ranking, and equal scores rank by similarArtistId ascending, so
the lists are deterministic and a brute-force computation gives the same rows. Only scores > 0 count: an
artist sharing no genre or family with anyone has no rows; an artist is never similar to itself.

Memory stays bounded: the vectors are a sparse matrix, and the similarities are computed for a block of
rows at a time (about `BLOCK_CELLS` scores), of which only the top k per row are kept.

Runs in-process on DuckDB (dbt-duckdb: `dbt.ref` returns a DuckDB relation; a pyarrow table is
returned) and with `submission_method: bigframes` on BigQuery (`dbt.ref` returns a BigQuery DataFrames
frame; a frame read from pandas is returned). The model imports only numpy, scipy and pyarrow/pandas,
because the BigQuery notebook runtime has the project's own package nowhere.
"""

import math

import numpy as np
from scipy import sparse

BLOCK_CELLS = 4_000_000
SCORE_DECIMALS = 6
MAX_K = 1000
COLUMNS = ("artistId", "similarArtistId", "similarityRank", "similarityScore", "sharedGenres")


def model(dbt, session):
    dbt.config(materialized="table")
    k = parse_k(dbt.config.get("similar_artists_k"))
    family_weight = parse_family_weight(dbt.config.get("similar_artists_family_weight"))
    artists = fetch_rows(dbt.ref("hub_music__svc_dim_artists"), ("artistId", "genres"))
    families = fetch_rows(dbt.ref("hub_music__svc_artist_genre_families"), ("artistId", "genreFamily"))
    rows = similar_artists(library_genres(artists), library_families(families), k, family_weight)
    return to_frame(rows, session)


def parse_k(value):
    """The var `similar_artists_k` (a rendered config value, so possibly a string)."""
    try:
        k = int(str(value).strip())
    except ValueError:
        k = 0
    if not 1 <= k <= MAX_K or str(value).strip() != str(k):
        raise ValueError(f"var similar_artists_k must be a whole number from 1 to {MAX_K}; got {value!r}")
    return k


def parse_family_weight(value):
    """The var `similar_artists_family_weight`: 0 leaves families out of the vectors."""
    try:
        weight = float(str(value).strip())
    except ValueError:
        weight = -1.0
    if not (math.isfinite(weight) and 0.0 <= weight <= 1.0):
        raise ValueError(f"var similar_artists_family_weight must be a number from 0 to 1; got {value!r}")
    return weight


def fetch_rows(relation, columns):
    """Rows of `columns` as tuples, from a DuckDB relation or a BigQuery DataFrames frame."""
    if hasattr(relation, "fetchall"):
        return relation.project(", ".join(f'"{column}"' for column in columns)).fetchall()
    frame = relation[list(columns)].to_pandas()
    return list(frame.itertuples(index=False, name=None))


def library_genres(rows):
    """artistId -> sorted distinct genre names (lowercased, trimmed), for artists with at least one."""
    library = {}
    for artist_id, genres in rows:
        if genres is None:
            continue
        names = sorted({str(genre).strip().lower() for genre in genres if genre is not None} - {""})
        if names:
            library[artist_id] = names
    return library


def library_families(rows):
    """artistId -> sorted distinct genre families."""
    families = {}
    for artist_id, family in rows:
        families.setdefault(artist_id, set()).add(family)
    return {artist_id: sorted(names) for artist_id, names in families.items()}


def feature_matrix(artist_ids, genres, families, family_weight):
    """Rows: artists in `artist_ids` order; columns: genres, then families. TF-IDF, L2-normalised."""
    genre_names = sorted({name for artist_id in artist_ids for name in genres[artist_id]})
    family_names = sorted({name for artist_id in artist_ids for name in families.get(artist_id, ())})
    genre_column = {name: number for number, name in enumerate(genre_names)}
    family_column = {name: len(genre_names) + number for number, name in enumerate(family_names)}
    row_numbers, column_numbers, kinds = [], [], []
    for row, artist_id in enumerate(artist_ids):
        for name in genres[artist_id]:
            row_numbers.append(row)
            column_numbers.append(genre_column[name])
            kinds.append(1.0)
        if family_weight > 0:
            for name in families.get(artist_id, ()):
                row_numbers.append(row)
                column_numbers.append(family_column[name])
                kinds.append(family_weight)
    shape = (len(artist_ids), len(genre_names) + len(family_names))
    columns = np.asarray(column_numbers, dtype=np.int64)
    document_frequency = np.bincount(columns, minlength=shape[1]).astype(np.float64)
    idf = np.log((1.0 + shape[0]) / (1.0 + document_frequency)) + 1.0
    values = np.asarray(kinds, dtype=np.float64) * idf[columns]
    matrix = sparse.csr_matrix((values, (np.asarray(row_numbers, dtype=np.int64), columns)), shape=shape)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return sparse.diags(1.0 / norms) @ matrix


def top_k_block(scores, first_row, k):
    """(row, column, score, rank) of the top k per row of a dense block of similarities: self excluded,
    scores rounded, only scores > 0, equal scores by column (the artistId order). `scores` is changed."""
    rows_in_block, columns_in_block = scores.shape
    kept = min(k, columns_in_block - 1)
    empty = np.zeros(0, dtype=np.int64)
    if kept < 1:
        return empty, empty, np.zeros(0), empty
    scores[np.arange(rows_in_block), first_row + np.arange(rows_in_block)] = -1.0
    # Rounding is monotonic, so every score whose rounded value reaches the rounded k-th largest is at
    # least that value less half a unit: a small superset of candidates, ranked after rounding, so ties
    # at the k-th place are cut by artistId, not by chance. Only candidates are rounded.
    # (Selecting the k-th smallest of the negated scores: numpy's introselect is many times slower on
    # the k-th largest of rows that are mostly zeros.)
    kth_largest = -np.partition(-scores, kept - 1, axis=1)[:, kept - 1]
    half_unit = 0.5 * 10.0**-SCORE_DECIMALS
    # ...and a score rounding to 0 is no similarity: rows with fewer than k others sharing anything.
    floor = np.maximum(np.round(kth_largest, SCORE_DECIMALS) - half_unit, half_unit) - 1e-12
    rows, columns = np.nonzero(scores >= floor[:, None])
    values = np.minimum(np.round(scores[rows, columns], SCORE_DECIMALS), 1.0)
    positive = values > 0
    rows, columns, values = rows[positive], columns[positive], values[positive]
    order = np.lexsort((columns, -values, rows))
    rows, columns, values = rows[order], columns[order], values[order]
    rank = np.arange(len(rows)) - np.searchsorted(rows, np.arange(rows_in_block))[rows]
    keep = rank < k
    return rows[keep], columns[keep], values[keep], rank[keep] + 1


def similar_artists(genres, families, k, family_weight, block_cells=BLOCK_CELLS):
    """Rows (artistId, similarArtistId, similarityRank, similarityScore, sharedGenres) for every artist
    of `genres` (artistId -> genre names) with at least one artist sharing a genre or family."""
    artist_ids = sorted(genres)
    if len(artist_ids) < 2:
        return []
    matrix = feature_matrix(artist_ids, genres, families, family_weight)
    transposed = matrix.T.tocsc()
    block_rows = max(1, block_cells // len(artist_ids))
    rows = []
    for first in range(0, len(artist_ids), block_rows):
        block = (matrix[first : first + block_rows] @ transposed).toarray()
        found = top_k_block(block, first, k)
        for row, column, score, rank in zip(*(values.tolist() for values in found), strict=True):
            artist_id = artist_ids[first + row]
            similar_id = artist_ids[column]
            shared = sorted(set(genres[artist_id]).intersection(genres[similar_id]))
            rows.append((artist_id, similar_id, rank, score, shared))
    return rows


def to_frame(rows, session):
    """The model's result: a pyarrow table for DuckDB, a BigQuery DataFrames frame for bigframes."""
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in COLUMNS]
    if hasattr(session, "read_pandas"):
        # Only here: DuckDB installs need neither pandas nor bigframes.
        import pandas as pd  # noqa: PLC0415

        frame = pd.DataFrame({name: list(values) for name, values in zip(COLUMNS, columns, strict=True)})
        return session.read_pandas(frame)
    import pyarrow as pa  # noqa: PLC0415

    schema = pa.schema(
        [
            ("artistId", pa.string()),
            ("similarArtistId", pa.string()),
            ("similarityRank", pa.int64()),
            ("similarityScore", pa.float64()),
            ("sharedGenres", pa.list_(pa.string())),
        ]
    )
    arrays = [pa.array(list(values), type=field.type) for values, field in zip(columns, schema, strict=True)]
    return pa.table(arrays, schema=schema)
