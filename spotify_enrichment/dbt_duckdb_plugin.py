"""dbt-duckdb plugin: SQL functions through which the `enrich_artists` and `load_artist_enrichment`
macros call the fetcher and the landing loader inside the dbt process.

Registered in the `local` target of profiles.yml:

    plugins:
      - module: spotify_enrichment.dbt_duckdb_plugin

Every function takes and returns plain SQL values; structured answers are one JSON string that the
macros read with `fromjson`. Artist IDs reach the fetcher as a `VARCHAR[]` value computed by the
worklist query, never as SQL text.

    spotify_resolve_landing_uri(landing_uri, project_dir) -> JSON string (absolute folder or gs:// URI)
    spotify_fetch_artists(artist_ids VARCHAR[], landing_uri, run_id, project_dir, owner, memory_json)
        -> JSON FetchSummary (memory_json: {"regimes": {clientKey: "batch" | "single"}} from the run history)
    spotify_land_run(landing_uri, project_dir, run_json, owner) -> JSON {"files": [...]}: the run record
        and failure records of one run (run_json: source, mode, summary, rows_loaded, landing_file,
        retry_not_before), landed for the next load
    spotify_run_lock(landing_uri, run_id, take) -> JSON {"ok", "message"}: take or release the run lock
    musicbrainz_fetch_artists(artist_ids VARCHAR[], landing_uri, run_id, project_dir, owner)
        -> JSON MusicBrainzSummary
    spotify_load_landing(landing_uri, relations_json, dry_run, owner) -> JSON LoadSummary (the load step)
    spotify_resolve_tracks(track_ids VARCHAR[], landing_uri, run_id, project_dir, owner, memory_json)
        -> JSON FetchSummary
    spotify_search_tracks(track_names VARCHAR[], artist_names VARCHAR[], landing_uri, run_id, project_dir,
                          owner) -> JSON FetchSummary (one GET /search per pair)
    spotify_load_history(path, relations_json, replace) -> JSON HistoryLoadSummary, or {"error": message}
    spotify_unload_history(source_file, relations_json) -> JSON UnloadSummary, or {"error": message}
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.events.event_handler import DbtEventLoggingHandler, set_package_logging
from dbt_common.events.functions import get_event_manager
from duckdb import DuckDBPyConnection, list_type, sqltype

from spotify_enrichment import history_load, loader, runs
from spotify_enrichment.errors import BadInputError, LandingError, SettingsError
from spotify_enrichment.fetcher import FetchProgress, fetch_to_landing
from spotify_enrichment.landing import OWNER, open_store
from spotify_enrichment.musicbrainz_fetcher import MusicBrainzSummary, fetch_musicbrainz_to_landing
from spotify_enrichment.records import ENRICHMENT_FAILURES, ENRICHMENT_RUNS
from spotify_enrichment.run_lock import RunLock
from spotify_enrichment.settings import Settings, load_settings
from spotify_enrichment.track_resolution import resolve_tracks_to_landing
from spotify_enrichment.track_search import search_tracks_to_landing
from spotify_enrichment.warehouse_duckdb import DuckDBWarehouse

logger = logging.getLogger(__name__)

PACKAGE_LOGGER = "spotify_enrichment"
PROGRESS_INTERVAL_SECONDS = 5.0


def _route_package_logging_to_dbt() -> None:
    """Make the package's `logging` records dbt events, so progress shows in dbt's console and log."""
    package_logger = logging.getLogger(PACKAGE_LOGGER)
    if not any(isinstance(handler, DbtEventLoggingHandler) for handler in package_logger.handlers):
        set_package_logging(PACKAGE_LOGGER, logging.INFO, get_event_manager())


class ProgressLogger:
    """Logs the fetcher's progress at most every few seconds, plus the final state."""

    def __init__(self, interval_seconds: float = PROGRESS_INTERVAL_SECONDS) -> None:
        self.interval_seconds = interval_seconds
        self._last_logged = 0.0
        self._finished_logged = False

    def __call__(self, progress: FetchProgress) -> None:
        now = time.monotonic()
        finished = progress.done >= progress.total
        if self._finished_logged or (not finished and now - self._last_logged < self.interval_seconds):
            return
        self._last_logged = now
        self._finished_logged = finished
        logger.info(
            "enrich_artists: %s/%s artists (ok %s, not_found %s, failed %s), %s requests, "
            "%s rate-limited (429), %.1f artists/s, ETA %s, api mode %s",
            progress.done,
            progress.total,
            progress.ok,
            progress.not_found,
            progress.failed,
            progress.requests,
            progress.rate_limited,
            progress.artists_per_second,
            eta_text(progress),
            progress.api_mode,
        )


def eta_text(progress: FetchProgress) -> str:
    """Time left at the rate so far (`unknown` before the first answer), e.g. `1h02m` or `35s`."""
    left = progress.total - progress.done
    if left <= 0:
        return "0s"
    if progress.artists_per_second <= 0:
        return "unknown"
    seconds = int(left / progress.artists_per_second)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


def _settings(project_dir: str) -> Settings:
    dotenv_path = Path(project_dir) / ".env"
    return load_settings(dotenv_path=dotenv_path if dotenv_path.is_file() else None)


def fetch_artists(  # noqa: PLR0917 (a SQL function: positional arguments only)
    artist_ids: list[str] | None,
    landing_uri: str,
    run_id: str,
    project_dir: str,
    owner: str | None,
    memory_json: str | None = None,
) -> str:
    return _fetch(fetch_to_landing, artist_ids, landing_uri, run_id, project_dir, owner, memory_json)


def _fetch(  # noqa: PLR0917 - the SQL function's arguments, plus what to fetch
    fetch: Callable[..., Any],
    artist_ids: list[str] | None,
    landing_uri: str,
    run_id: str,
    project_dir: str,
    owner: str | None,
    memory_json: str | None = None,
) -> str:
    """Fetch the artists and land them; returns the FetchSummary as one JSON line.

    Settings come from the environment and `{project_dir}/.env`. Spotify trouble (auth, quota,
    rate limit), unusable settings and an unusable landing location end up in the summary's
    `stop_reason` and `message`; the macro decides the exit. `memory_json` carries what the run
    history knows of each client ID's API regime (by `runs.client_key`)."""
    try:
        settings = _settings(project_dir)
        memory = json.loads(memory_json) if memory_json else {}
        regimes = memory.get("regimes") if isinstance(memory, dict) else None
        regime = runs.remembered_regime(regimes or {}, runs.client_key(settings.client_id))
        if regime:
            logger.info("enrich_artists: the run history says this client ID's API regime is %s", regime)
        summary = fetch(
            artist_ids or [],
            loader.resolve_landing_uri(landing_uri, project_dir),
            settings,
            run_id=run_id or None,
            owner=owner or None,
            progress=ProgressLogger(),
            api_regime=regime,  # type: ignore[arg-type]
        )
    except SettingsError as error:
        return _not_started(artist_ids, "settings", str(error))
    except (BadInputError, LandingError) as error:
        return _not_started(artist_ids, "landing", str(error))
    return summary.to_json()


def fetch_musicbrainz(
    artist_ids: list[str] | None, landing_uri: str, run_id: str, project_dir: str, owner: str | None
) -> str:
    """Ask MusicBrainz about the artists and land the answers; returns the MusicBrainzSummary as JSON."""

    def progress(summary: MusicBrainzSummary) -> None:
        logger.info(
            "enrich_artists: musicbrainz: %s ok, %s not_linked, %s failed of %s; %s requests, %s 503s",
            summary.ok,
            summary.not_linked,
            summary.failed,
            summary.requested,
            summary.requests,
            summary.refused,
        )

    try:
        settings = _settings(project_dir)
        summary = fetch_musicbrainz_to_landing(
            artist_ids or [],
            loader.resolve_landing_uri(landing_uri, project_dir),
            settings,
            run_id=run_id or None,
            owner=owner or None,
            progress=progress,
        )
    except SettingsError as error:
        return _not_started(artist_ids, "settings", str(error))
    except (BadInputError, LandingError) as error:
        return _not_started(artist_ids, "landing", str(error))
    return summary.to_json()


def _not_started(artist_ids: list[str] | None, reason: str, message: str) -> str:
    """A summary for a run that could not start, so the macro still loads earlier files and reports."""
    return json.dumps(
        {"requested": len(artist_ids or []), "stop_reason": reason, "message": message, "exit_code": 2}
    )


def land_run(landing_uri: str, project_dir: str, run_json: str, owner: str | None) -> str:
    """Land the run record (and failure records) of one run, for the load that follows."""
    run = json.loads(run_json)
    if not isinstance(run, dict) or not isinstance(run.get("summary"), dict):
        raise BadInputError("run_json must be an object with a summary object")
    summary = run["summary"]
    now = datetime.now(UTC)
    # Spotify's credentials name Spotify's runs (artists and tracks); MusicBrainz needs none.
    key: str | None = None
    if run.get("source") != "musicbrainz":
        try:
            key = runs.client_key(_settings(project_dir).client_id)
        except SettingsError:
            key = None
    retry_not_before = run.get("retry_not_before")
    wait_until = datetime.fromisoformat(retry_not_before) if retry_not_before else None
    if wait_until is not None and wait_until.tzinfo is None:
        wait_until = wait_until.replace(tzinfo=UTC)  # the warehouse keeps UTC without an offset
    record = runs.run_record(
        str(run.get("source")),
        run.get("mode"),
        summary,
        ended_at=now,
        rows_loaded=run.get("rows_loaded"),
        landing_file=run.get("landing_file"),
        client_key=key,
        retry_not_before=wait_until,
    )
    failures = runs.failure_records(
        record["source"],
        record["runId"],
        runs.summary_counts(summary).get("failed_reasons") or {},
        failed_at=now,
    )
    try:
        store = open_store(loader.resolve_landing_uri(landing_uri, project_dir))
        files = [
            runs.land_records(store, ENRICHMENT_FAILURES, failures, moment=now, owner=owner or None),
            runs.land_records(store, ENRICHMENT_RUNS, [record], moment=now, owner=owner or None),
        ]
    except LandingError as error:
        return json.dumps({"files": [], "record": record, "error": str(error)})
    return json.dumps({"files": [file for file in files if file], "record": record})


# Held between the macro's take and release calls, within the one dbt process of the run.
_LOCKS: dict[tuple[str, str], RunLock] = {}


def run_lock(landing_uri: str, run_id: str, take: bool) -> str:
    """Take (`take`) or release the run lock of a landing location for `run_id`."""
    uri = loader.resolve_landing_uri(landing_uri, ".")
    if not take:
        lock = _LOCKS.pop((uri, run_id), None)
        if lock is not None:
            lock.release()
        return json.dumps({"ok": True, "message": ""})
    lock = RunLock(open_store(uri), run_id)
    try:
        lock.acquire()
    except LandingError as error:
        return json.dumps({"ok": False, "message": str(error)})
    _LOCKS[(uri, run_id)] = lock
    return json.dumps({"ok": True, "message": ""})


def resolve_landing_uri(landing_uri: str, project_dir: str) -> str:
    return json.dumps(loader.resolve_landing_uri(landing_uri, project_dir))


def load_landing(
    connection: DuckDBPyConnection, landing_uri: str, relations_json: str, dry_run: bool, owner: str | None
) -> str:
    """The whole load step for one landing location; returns the LoadSummary as JSON."""
    relations = json.loads(relations_json)
    if not isinstance(relations, dict) or not all(isinstance(v, str) for v in relations.values()):
        raise BadInputError("relations must be a JSON object of lake table name -> relation")
    warehouse = DuckDBWarehouse(connection, relations)
    if owner is not None and not OWNER.fullmatch(owner):
        raise BadInputError(f"landing owner {owner!r} is not 8 hex digits")
    return loader.load_landing(landing_uri, warehouse, dry_run=bool(dry_run), owner=owner).to_json()


def resolve_tracks(  # noqa: PLR0917 (a SQL function: positional arguments only)
    track_ids: list[str] | None,
    landing_uri: str,
    run_id: str,
    project_dir: str,
    owner: str | None,
    memory_json: str | None = None,
) -> str:
    """`fetch_artists` for tracks (source `spotify_tracks`): resolve them to their artists and land them."""
    return _fetch(resolve_tracks_to_landing, track_ids, landing_uri, run_id, project_dir, owner, memory_json)


def search_tracks(  # noqa: PLR0917 (a SQL function: positional arguments only)
    track_names: list[str] | None,
    artist_names: list[str] | None,
    landing_uri: str,
    run_id: str,
    project_dir: str,
    owner: str | None,
) -> str:
    """`fetch_artists` for account-data plays: one search per (track name, artist name) pair, landed."""
    pairs = list(zip(track_names or [], artist_names or [], strict=True))
    return _fetch(search_tracks_to_landing, pairs, landing_uri, run_id, project_dir, owner)  # type: ignore[arg-type]


def load_history(connection: DuckDBPyConnection, path: str, relations_json: str, replace: bool) -> str:
    """The whole `load_listening_history`; bad input answers {"error": message} for the macro to raise."""
    try:
        return history_load.load_history(
            connection, path, json.loads(relations_json), replace=bool(replace)
        ).to_json()
    except BadInputError as error:
        return json.dumps({"error": str(error)})


def unload_history(connection: DuckDBPyConnection, source_file: str, relations_json: str) -> str:
    try:
        return history_load.unload_history(connection, source_file, json.loads(relations_json)).to_json()
    except BadInputError as error:
        return json.dumps({"error": str(error)})


VARCHAR = sqltype("VARCHAR")

# name: (python function, parameter types); every function returns VARCHAR and has side effects, so
# DuckDB never folds or caches a call.
SQL_FUNCTIONS: dict[str, tuple[Callable[..., str], list[Any]]] = {
    "spotify_resolve_landing_uri": (resolve_landing_uri, [VARCHAR, VARCHAR]),
    "spotify_fetch_artists": (
        fetch_artists,
        [list_type(VARCHAR), VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR],
    ),
    "spotify_land_run": (land_run, [VARCHAR, VARCHAR, VARCHAR, VARCHAR]),
    "spotify_run_lock": (run_lock, [VARCHAR, VARCHAR, sqltype("BOOLEAN")]),
    "musicbrainz_fetch_artists": (
        fetch_musicbrainz,
        [list_type(VARCHAR), VARCHAR, VARCHAR, VARCHAR, VARCHAR],
    ),
    "spotify_resolve_tracks": (
        resolve_tracks,
        [list_type(VARCHAR), VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR],
    ),
    "spotify_search_tracks": (
        search_tracks,
        [list_type(VARCHAR), list_type(VARCHAR), VARCHAR, VARCHAR, VARCHAR, VARCHAR],
    ),
}
# Functions that work on the database itself get a cursor of the connection they are registered on.
CONNECTION_FUNCTIONS: dict[str, tuple[Callable[..., str], list[Any]]] = {
    "spotify_load_landing": (load_landing, [VARCHAR, VARCHAR, sqltype("BOOLEAN"), VARCHAR]),
    "spotify_load_history": (load_history, [VARCHAR, VARCHAR, sqltype("BOOLEAN")]),
    "spotify_unload_history": (unload_history, [VARCHAR, VARCHAR]),
}


def register_sql_functions(connection: DuckDBPyConnection) -> None:
    """Register the functions on a DuckDB connection (the plugin does it; tests call it directly)."""
    bound = {
        name: (functools.partial(function, connection), parameters)
        for name, (function, parameters) in CONNECTION_FUNCTIONS.items()
    }
    for name, (function, parameters) in {**SQL_FUNCTIONS, **bound}.items():
        connection.create_function(
            name,
            function,
            parameters,
            VARCHAR,
            null_handling="special",
            side_effects=True,
        )


class Plugin(BasePlugin):
    """dbt-duckdb entry point: `configure_connection` runs once per DuckDB connection dbt opens."""

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        _route_package_logging_to_dbt()
        register_sql_functions(conn)
