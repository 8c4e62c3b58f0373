"""dbt-duckdb plugin: SQL functions through which the `enrich_artists` and `load_artist_enrichment`
macros call the fetcher and the landing loader inside the dbt process.

Registered in the `local` target of profiles.yml:

    plugins:
      - module: spotify_enrichment.dbt_duckdb_plugin

Every function takes and returns plain SQL values; structured answers are one JSON string that the
macros read with `fromjson`. Artist IDs reach the fetcher as a `VARCHAR[]` value computed by the
worklist query, never as SQL text.

    spotify_resolve_landing_uri(landing_uri, project_dir) -> JSON string (absolute folder or gs:// URI)
    spotify_fetch_artists(artist_ids VARCHAR[], landing_uri, run_id, project_dir, owner) -> JSON FetchSummary
    musicbrainz_fetch_artists(artist_ids VARCHAR[], landing_uri, run_id, project_dir, owner)
        -> JSON MusicBrainzSummary
    spotify_load_landing(landing_uri, relations_json, dry_run, owner) -> JSON LoadSummary (the load step)
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.events.event_handler import DbtEventLoggingHandler, set_package_logging
from dbt_common.events.functions import get_event_manager
from duckdb import DuckDBPyConnection, list_type, sqltype

from spotify_enrichment import loader
from spotify_enrichment.errors import BadInputError, LandingError, SettingsError
from spotify_enrichment.fetcher import FetchProgress, fetch_to_landing
from spotify_enrichment.landing import OWNER
from spotify_enrichment.musicbrainz_fetcher import MusicBrainzSummary, fetch_musicbrainz_to_landing
from spotify_enrichment.settings import load_settings
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
            "enrich_artists: %s/%s artists (ok %s, not_found %s, failed %s), %s requests, %s rate-limited, "
            "%.1f artists/s, api mode %s",
            progress.done,
            progress.total,
            progress.ok,
            progress.not_found,
            progress.failed,
            progress.requests,
            progress.rate_limited,
            progress.artists_per_second,
            progress.api_mode,
        )


def fetch_artists(
    artist_ids: list[str] | None, landing_uri: str, run_id: str, project_dir: str, owner: str | None
) -> str:
    """Fetch the artists and land them; returns the FetchSummary as one JSON line.

    Settings come from the environment and `{project_dir}/.env`. Spotify trouble (auth, quota,
    rate limit), unusable settings and an unusable landing location end up in the summary's
    `stop_reason` and `message`; the macro decides the exit."""
    dotenv_path = Path(project_dir) / ".env"
    try:
        settings = load_settings(dotenv_path=dotenv_path if dotenv_path.is_file() else None)
        summary = fetch_to_landing(
            artist_ids or [],
            loader.resolve_landing_uri(landing_uri, project_dir),
            settings,
            run_id=run_id or None,
            owner=owner or None,
            progress=ProgressLogger(),
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
    dotenv_path = Path(project_dir) / ".env"

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
        settings = load_settings(dotenv_path=dotenv_path if dotenv_path.is_file() else None)
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


VARCHAR = sqltype("VARCHAR")

# name: (python function, parameter types); every function returns VARCHAR and has side effects, so
# DuckDB never folds or caches a call.
SQL_FUNCTIONS: dict[str, tuple[Callable[..., str], list[Any]]] = {
    "spotify_resolve_landing_uri": (resolve_landing_uri, [VARCHAR, VARCHAR]),
    "spotify_fetch_artists": (fetch_artists, [list_type(VARCHAR), VARCHAR, VARCHAR, VARCHAR, VARCHAR]),
    "musicbrainz_fetch_artists": (
        fetch_musicbrainz,
        [list_type(VARCHAR), VARCHAR, VARCHAR, VARCHAR, VARCHAR],
    ),
}
# Functions that work on the database itself get a cursor of the connection they are registered on.
CONNECTION_FUNCTIONS: dict[str, tuple[Callable[..., str], list[Any]]] = {
    "spotify_load_landing": (load_landing, [VARCHAR, VARCHAR, sqltype("BOOLEAN"), VARCHAR]),
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
