"""What the HTML report shows, read from the warehouse: top-N lists and aggregates only, so the page
stays small for a warehouse of millions of artists. Sections whose relation or column belongs to a
part of the pipeline this warehouse does not have (yet) carry a note instead of rows."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from spotify_enrichment import loader
from spotify_enrichment.errors import SpotifyEnrichmentError
from spotify_enrichment.landing import QUARANTINE_PREFIX, open_store
from spotify_enrichment.report_warehouse import DbtWarehouse, FreshnessThresholds, Row

logger = logging.getLogger(__name__)

DIM_ARTISTS = "hub_music__svc_dim_artists"
RUN_HISTORY = "hub_music__svc_enrichment_runs"
FAILURES = "lake_enrichment.lake_enrichment__failures"
ENRICHMENT_SOURCE_TABLE = "lake_spotify__normalized_artist_enrichment"

TOP_GENRES = 15
# Every genre is read, so the artist ranking is exact; a personal library has hundreds to thousands.
GENRE_ROWS = 50_000
GALLERY_ARTISTS = 24
ATTENTION_ROWS = 50
RUNS = 10
GENRE_SOURCES = 20
MONTHS = 240
QUARANTINE_FILES = 50
ERROR_EXCERPT_CHARS = 300


@dataclass(frozen=True)
class Section:
    """Rows of a section that needs a relation or column the warehouse may lack; `note` says why not."""

    rows: list[Row] | None
    note: str = ""

    @property
    def available(self) -> bool:
        return self.rows is not None


@dataclass(frozen=True)
class QuarantinedFile:
    name: str
    error_excerpt: str


@dataclass(frozen=True)
class ReportData:
    generated_at: datetime
    adapter_type: str
    health: Row
    freshness: FreshnessThresholds
    genres: list[Row]
    listening_by_month: list[Row]
    popularity_bands: list[Row]
    follower_bands: list[Row]
    most_played: list[Row]
    not_found: list[Row]
    latest_runs: list[Row]
    run_history: Section
    genre_families: Section
    genre_sources: Section
    failed_runs: Section
    failed_artists: Section
    quarantine: Section
    quarantined_files: list[QuarantinedFile] = field(default_factory=list)

    @property
    def top_genre(self) -> str | None:
        """The genre with the most artists (ties: alphabetical), the headline's figure."""
        ranked = sorted(self.genres, key=lambda row: (-int(row["artists"]), str(row["genre"])))
        return str(ranked[0]["genre"]) if ranked else None


def _macro_rows(warehouse: DbtWarehouse, macro: str, limit: int) -> list[Row]:
    """Rows of one of the report's macros (macros/report/report_queries.sql)."""
    return warehouse.inline(f"{{{{ spotify_enrichment.{macro}() }}}}", limit, f"report query {macro}")


def _missing(relation: str, columns: frozenset[str] | None, needed: Sequence[str]) -> str | None:
    """Why a section cannot be shown (None: it can)."""
    if columns is None:
        return f"not available: this warehouse has no {relation} (a newer pipeline builds it)"
    absent = [column for column in needed if column not in columns]
    if absent:
        return f"not available: {relation} has no column {', '.join(absent)} (a newer pipeline adds it)"
    return None


def read_optional(
    warehouse: DbtWarehouse,
    macro: str,
    *,
    relation: str,
    columns: frozenset[str] | None,
    needed: Sequence[str],
    limit: int,
) -> Section:
    note = _missing(relation, columns, needed)
    return Section(None, note) if note else Section(_macro_rows(warehouse, macro, limit))


def read_quarantine(warehouse: DbtWarehouse) -> tuple[Section, list[QuarantinedFile]]:
    """Files the load step refused, from the landing location itself (the warehouse has no record)."""
    try:
        project_dir = str(warehouse.location.project_dir)
        uri = loader.resolve_landing_uri(warehouse.project_var("landing_uri"), project_dir)
        store = open_store(uri)
        keys = [key for key in store.list(QUARANTINE_PREFIX) if not key.endswith(loader.ERROR_REPORT_SUFFIX)]
        files = []
        for key in keys[:QUARANTINE_FILES]:
            report_key = key.removesuffix(".jsonl") + loader.ERROR_REPORT_SUFFIX
            excerpt = ""
            if store.exists(report_key):
                excerpt = store.read_bytes(report_key)[:ERROR_EXCERPT_CHARS].decode("utf-8", "replace")
            files.append(QuarantinedFile(key.removeprefix(QUARANTINE_PREFIX), excerpt))
    except (SpotifyEnrichmentError, OSError, ImportError) as error:
        logger.warning("report: the quarantine folder could not be listed: %s", error)
        return Section(None, f"not available: the landing location could not be listed ({error})"), []
    return Section([{"files": len(keys)}], store.uri(QUARANTINE_PREFIX)), files


def read_report_data(warehouse: DbtWarehouse) -> ReportData:
    columns = warehouse.relation_columns([DIM_ARTISTS, RUN_HISTORY, FAILURES])
    dims, runs = columns[DIM_ARTISTS], columns[RUN_HISTORY]
    if dims is None:
        raise SpotifyEnrichmentError(
            f"the warehouse has no {DIM_ARTISTS}: run `dbt build --select +{DIM_ARTISTS}` first"
        )
    health = warehouse.analysis("enrichment_health", 1)[0]
    quarantine, quarantined_files = read_quarantine(warehouse)
    return ReportData(
        generated_at=datetime.now(UTC),
        adapter_type=warehouse.adapter_type,
        health=health,
        freshness=warehouse.source_freshness(ENRICHMENT_SOURCE_TABLE),
        genres=warehouse.analysis("top_genres", GENRE_ROWS),
        listening_by_month=warehouse.analysis("listening_by_month", MONTHS),
        popularity_bands=warehouse.analysis("popularity_distribution", 20),
        follower_bands=warehouse.analysis("follower_distribution", 30),
        most_played=warehouse.analysis("most_played_artists", GALLERY_ARTISTS),
        not_found=warehouse.analysis("not_found_artists", ATTENTION_ROWS),
        latest_runs=warehouse.analysis("latest_run_stats", RUNS),
        run_history=read_optional(
            warehouse,
            "report_run_history",
            relation=RUN_HISTORY,
            columns=runs,
            needed=["endedAt"],
            limit=RUNS,
        ),
        genre_families=read_optional(
            warehouse,
            "report_genre_families",
            relation=DIM_ARTISTS,
            columns=dims,
            needed=["primaryGenreFamily"],
            limit=TOP_GENRES,
        ),
        genre_sources=read_optional(
            warehouse,
            "report_genre_sources",
            relation=DIM_ARTISTS,
            columns=dims,
            needed=["genresSource"],
            limit=GENRE_SOURCES,
        ),
        failed_runs=read_optional(
            warehouse,
            "report_failed_runs",
            relation=RUN_HISTORY,
            columns=runs,
            needed=["endedAt", "failed", "stopReason", "message"],
            limit=ATTENTION_ROWS,
        ),
        failed_artists=read_optional(
            warehouse,
            "report_failed_artists",
            relation=FAILURES,
            columns=columns[FAILURES],
            needed=["source", "itemId", "failedAt", "reason"],
            limit=ATTENTION_ROWS,
        ),
        quarantine=quarantine,
        quarantined_files=quarantined_files,
    )


def default_output(project_dir: Path) -> Path:
    return project_dir / "target" / "report.html"
