"""How much of the real artist files' genres the seed `seeds/genre_families.csv` covers: the share of
artist-genre assignments (one per artist and distinct genre name, per file) whose name, lowercased and
trimmed as hub_music__svc_artist_genre_families does, matches at least one seed pattern (SQL LIKE, run
by DuckDB). The files are read by the emulator's own catalogue reader, as the emulator serves them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from spotify_enrichment_dev.catalogue import load_catalogue

REAL_ARTIST_FILES = ("artists.csv", "artists_37k.csv")
SEED_FILE = Path("seeds") / "genre_families.csv"
TARGET_SHARE = 0.95


@dataclass(frozen=True)
class FileCoverage:
    file: str
    artists: int
    artists_with_genres: int
    assignments: int
    covered: int
    distinct_genres: int
    distinct_covered: int

    @property
    def share(self) -> float:
        return self.covered / self.assignments if self.assignments else 0.0


@dataclass(frozen=True)
class Coverage:
    files: list[FileCoverage]
    top_uncovered: list[tuple[str, int]]

    @property
    def assignments(self) -> int:
        return sum(item.assignments for item in self.files)

    @property
    def covered(self) -> int:
        return sum(item.covered for item in self.files)

    @property
    def share(self) -> float:
        return self.covered / self.assignments if self.assignments else 0.0


def genre_assignments(artist_file: Path) -> tuple[int, list[tuple[str, str]]]:
    """Number of artists and the (artistId, genre) pairs of one catalogue file."""
    catalogue = load_catalogue(artist_file)
    pairs = {
        (artist_id, genre.strip().lower())
        for artist_id, artist in catalogue.items()
        for genre in artist.get("genres", [])
        if genre.strip()
    }
    return len(catalogue), sorted(pairs)


def measure_coverage(project_dir: Path, artists_dir: Path, top: int = 20) -> Coverage:
    """Coverage of the seed in `project_dir` over the real files in `artists_dir` (missing files fail)."""
    seed = project_dir / SEED_FILE
    if not seed.is_file():
        raise FileNotFoundError(f"the genre families seed {seed} does not exist")
    with duckdb.connect() as connection:
        connection.execute(
            "create table seed as select * from read_csv(?, header = true, all_varchar = true)", [str(seed)]
        )
        artist_counts = {}
        columns: dict[str, list[str]] = {"file": [], "artistId": [], "genre": []}
        for name in REAL_ARTIST_FILES:
            path = artists_dir / name
            if not path.is_file():
                raise FileNotFoundError(f"real artist file {path} is missing (../shared/data/artists/)")
            artist_counts[name], pairs = genre_assignments(path)
            columns["file"] += [name] * len(pairs)
            columns["artistId"] += [artist_id for artist_id, _ in pairs]
            columns["genre"] += [genre for _, genre in pairs]
        # One bulk insert from Arrow (executemany takes seconds for 47,000 rows).
        connection.register("assignments_arrow", pa.table(columns))
        connection.execute("create table assignments as select * from assignments_arrow")
        connection.execute(
            """
            create table matched as
            select
                assignments.*,
                exists (select 1 from seed where assignments.genre like seed.genre_pattern) as covered
            from assignments
            """
        )
        per_file = connection.execute(
            """
            select file, count(distinct artistId), count(*), count(*) filter (where covered),
                count(distinct genre), count(distinct genre) filter (where covered)
            from matched group by file
            """
        ).fetchall()
        uncovered = connection.execute(
            "select genre, count(*) from matched where not covered group by genre order by 2 desc, 1 limit ?",
            [top],
        ).fetchall()
    by_file = {row[0]: row for row in per_file}
    files = [
        FileCoverage(
            file=name,
            artists=artist_counts[name],
            artists_with_genres=by_file[name][1] if name in by_file else 0,
            assignments=by_file[name][2] if name in by_file else 0,
            covered=by_file[name][3] if name in by_file else 0,
            distinct_genres=by_file[name][4] if name in by_file else 0,
            distinct_covered=by_file[name][5] if name in by_file else 0,
        )
        for name in REAL_ARTIST_FILES
    ]
    return Coverage(files=files, top_uncovered=[(genre, count) for genre, count in uncovered])


def render_coverage(coverage: Coverage) -> str:
    lines = [
        "| file | artists | with genres | assignments | covered | share | distinct genres covered |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for item in coverage.files:
        lines.append(
            f"| {item.file} | {item.artists:,} | {item.artists_with_genres:,} | {item.assignments:,} | "
            f"{item.covered:,} | {item.share:.3f} | {item.distinct_covered:,} / {item.distinct_genres:,} |"
        )
    lines.append(f"| both | | | {coverage.assignments:,} | {coverage.covered:,} | {coverage.share:.3f} | |")
    verdict = "met" if coverage.share >= TARGET_SHARE else "MISSED"
    lines.append(f"target: >= {TARGET_SHARE} of the assignments covered: {verdict}")
    uncovered = ", ".join(f"{genre} ({count})" for genre, count in coverage.top_uncovered)
    lines.append(f"most frequent uncovered genres: {uncovered}")
    return "\n".join(lines)
