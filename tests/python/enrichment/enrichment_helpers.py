"""Helpers of the enrichment tests: a test's own warehouse (DuckDB file, landing folder, target and log
paths) and dbt run as a subprocess from another folder with --project-dir/--profiles-dir."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from support.dbt_runner import PROJECT_ROOT, DbtProject, DbtResult, parse_cache

from spotify_enrichment.contract import duckdb_type
from spotify_enrichment.records import lake_tables
from spotify_enrichment_dev.emulator_process import EmulatorProcess

DEMO_ARTISTS = 300
DEMO_PLAYS = 3000
NEW_ARTISTS = 25


@dataclass
class Warehouse:
    """One test's world: a DuckDB file, a landing location, its own target/log paths and environment
    (`env` is all dbt gets: nothing from the caller's own environment). dbt runs from `root/elsewhere`,
    never from the project folder, unless `cwd` says otherwise."""

    root: Path
    landing_uri: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def duckdb_path(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def landing_dir(self) -> Path:
        return Path(self.landing_uri)

    def project(self) -> DbtProject:
        """The dbt project on this warehouse, with the environment as it is now (tests change `env`)."""
        return DbtProject(
            folder=self.root,
            work_dir=self.root,
            project_dir=PROJECT_ROOT,
            env={**self.env, "DBT_TARGET": "local"},
            inherit_environ=False,
            parse_cache=parse_cache(),
        )

    def dbt(
        self,
        *args: str,
        vars: dict[str, Any] | None = None,
        cwd: Path | None = None,
        project_dir: bool = True,
    ) -> DbtResult:
        return self.project().run(
            *args, vars=vars, cwd=cwd or self.root / "elsewhere", project_dir_flag=project_dir, timeout=300
        )

    def enrich(self, *, landing_uri: str | None = None, **arguments: Any) -> DbtResult:
        """`enrich_artists`; Spotify alone unless `sources` says otherwise (these warehouses have no
        MusicBrainz emulator; the MusicBrainz tests pass `sources`)."""
        arguments.setdefault("sources", ["spotify"])
        return self._operation("enrich_artists", landing_uri, arguments)

    def load(self, *, landing_uri: str | None = None, **arguments: Any) -> DbtResult:
        return self._operation("load_artist_enrichment", landing_uri, arguments)

    def _operation(self, macro: str, landing_uri: str | None, arguments: dict[str, Any]) -> DbtResult:
        return self.dbt(
            *("run-operation", macro, "--args", json.dumps(arguments)),
            vars={"landing_uri": landing_uri or self.landing_uri},
        )

    def query(self, sql: str, parameters: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
            return connection.execute(sql, parameters or []).fetchall()

    def scalar(self, sql: str) -> Any:
        return self.query(sql)[0][0]

    def enrichment_rows(self) -> int:
        return self.scalar("select count(*) from lake.lake_spotify__normalized_artist_enrichment")

    def enriched_ids(self, status: str | None = None) -> set[str]:
        rows = self.query(
            "select distinct artistId from lake.lake_spotify__normalized_artist_enrichment"
            " where status = coalesce(?, status)",
            [status],
        )
        return {row[0] for row in rows}

    def ledger_rows(self) -> int:
        return self.scalar("select count(*) from lake.lake_spotify__artist_enrichment_load_ledger")

    def execute(self, sql: str, parameters: list[Any] | None = None) -> None:
        with duckdb.connect(str(self.duckdb_path)) as connection:
            connection.execute(sql, parameters or [])

    def files(self, folder: str) -> list[str]:
        path = self.landing_dir / "spotify" / folder
        return sorted(item.name for item in path.iterdir()) if path.is_dir() else []

    def copy_to(self, root: Path) -> Warehouse:
        """A copy of the DuckDB file and the landing folder under `root` (same emulator and environment)."""
        root.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.duckdb_path, root / "warehouse.duckdb")
        landing = root / "landing"
        if self.landing_dir.is_dir():
            shutil.copytree(self.landing_dir, landing)
        else:
            landing.mkdir()
        return Warehouse(root=root, landing_uri=str(landing), env=dict(self.env))


SUMMARY = re.compile(
    r"enrich_artists summary: mode (\w+), requested (\d+), ok (\d+), not_found (\d+), failed (\d+), "
    r"invalid (\d+), landing file (\S+), ([\d.]+) s, API mode (\w+)"
)


def summary_of(output: str) -> dict[str, str]:
    """The fields of the one summary line `enrich_artists` logs (also when the run fails)."""
    match = SUMMARY.search(output)
    assert match, f"no summary line in:\n{output[-4000:]}"
    keys = ("mode", "requested", "ok", "not_found", "failed", "invalid", "file", "seconds", "api_mode")
    return dict(zip(keys, match.groups(), strict=True))


def base_environ(emulator: EmulatorProcess) -> dict[str, str]:
    """What dbt needs from this process's environment, plus the SPOTIFY_* settings of `emulator`."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    environ = {name: os.environ[name] for name in keep if name in os.environ}
    environ.update(emulator.settings_environ())
    environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return environ


def run_checked(warehouse: Warehouse, *args: str) -> DbtResult:
    result = warehouse.dbt(*args)
    assert result.returncode == 0, str(result)
    return result


def add_plays_today(warehouse: Warehouse, artist_ids: list[str]) -> None:
    """One play per artist, an hour ago, straight into the listening history source table."""
    played_at = (datetime.now(UTC) - timedelta(hours=1)).replace(tzinfo=None)
    rows = [
        [played_at, "TIzz9BA9ua5BtXqmtpfYrL", "New Song", 200000, artist_id, f"New Artist {number}"]
        for number, artist_id in enumerate(artist_ids)
    ]
    with duckdb.connect(str(warehouse.duckdb_path)) as connection:
        connection.executemany(
            "insert into lake.lake_spotify__normalized_listening_history values (?, ?, ?, ?, ?, ?)", rows
        )


def artist_requests(emulator: EmulatorProcess) -> dict[str, int]:
    """Artist IDs the emulator was asked about since the last reset (batch and single calls)."""
    return dict(emulator.stats()["ids_requested"])


@dataclass(frozen=True)
class DemoData:
    folder: Path
    history: Path
    catalogue: Path
    missing_ids: list[str]
    new_artist_ids: list[str]
    new_catalogue: Path
    artist_count: int


@dataclass(frozen=True)
class Snapshots:
    history_only: Warehouse
    enriched: Warehouse
    backfill_output: str
    build_output: str


def contract_lake(path: Path) -> tuple[duckdb.DuckDBPyConnection, dict[str, str]]:
    """A DuckDB file with schema `lake` holding every table of the landing contract, and the relation of
    each as dbt would render it (what the load step is given)."""
    connection = duckdb.connect(str(path))
    connection.execute("create schema lake")
    relations = {}
    for name, table in lake_tables().items():
        columns = ", ".join(f'"{column.name}" {duckdb_type(column)}' for column in table.fields)
        connection.execute(f"create table lake.{name} ({columns})")
        relations[name] = f'"{path.stem}"."lake"."{name}"'
    return connection, relations


def write_real_history(shared_data: Path, path: Path) -> Path:
    """../shared/data/history/recently_played_plays.csv (14,842 real plays of 1,323 artists) as the
    listening-history JSONL `load_listening_history` reads: one line per play and artist."""
    source = shared_data / "history" / "recently_played_plays.csv"
    with source.open(encoding="utf-8", newline="") as plays, path.open("w", encoding="utf-8") as out:
        for play in csv.DictReader(plays):
            names = play["artist_names"].split(";")
            for artist_id, name in zip(play["artist_ids"].split(";"), names, strict=True):
                line = {
                    "playedAt": play["played_at"],
                    "trackId": play["track_id"],
                    "trackName": play["track_name"],
                    "msPlayed": int(play["duration_ms"]),
                    "artistId": artist_id,
                    "artistName": name,
                }
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return path
