"""Run the real dbt CLI against a private DuckDB file, for tests, benchmarks and scripts.

Every `DbtProject` has its own DuckDB file, target path, log path and profiles folder (rendered from
profiles.yml.example), so tests can run dbt at the same time as other tests and other people. dbt runs in a
subprocess: no global state leaks between invocations and a crash cannot take the test process with it.

    project = DbtProject.create(tmp_path)          # tmp_path/warehouse.duckdb, tmp_path/dbt/...
    result = project.run("build", vars={"enrichment_min_coverage": 0.9})
    assert result.ok, result.output
    assert result.status("enrichment_coverage") == "fail"
    rows = project.query("select count(*) from hub.hub_music__svc_dim_artists")
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")


@dataclass(frozen=True)
class DbtResult:
    """One dbt invocation: its arguments, exit code, console output and run_results.json (sources.json for
    `source freshness`), if written."""

    args: tuple[str, ...]
    returncode: int
    output: str
    run_results: dict[str, Any] | None

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def results(self) -> list[dict[str, Any]]:
        return list((self.run_results or {}).get("results", []))

    def statuses(self) -> dict[str, str]:
        """unique_id -> status (success, error, pass, fail, warn, skipped, runtime error)."""
        return {result["unique_id"]: result["status"] for result in self.results()}

    def status(self, name_part: str) -> str:
        """The status of the one node whose unique_id contains `name_part` (error if none or several)."""
        matches = {uid: status for uid, status in self.statuses().items() if name_part in uid}
        if len(matches) != 1:
            raise AssertionError(f"expected one node matching {name_part!r}, got {sorted(matches)}")
        return next(iter(matches.values()))

    def failures(self, name_part: str) -> int:
        """The failing row count dbt reported for the one test whose unique_id contains `name_part`."""
        matches = [result for result in self.results() if name_part in result["unique_id"]]
        if len(matches) != 1:
            raise AssertionError(f"expected one node matching {name_part!r}, got {len(matches)}")
        return int(matches[0].get("failures") or 0)


@dataclass
class DbtProject:
    """The repository's dbt project bound to one DuckDB file and private target/log/profiles folders."""

    duckdb_path: Path
    work_dir: Path
    project_dir: Path = PROJECT_ROOT
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, base_dir: Path, *, duckdb_name: str = "warehouse.duckdb", **kwargs: Any) -> DbtProject:
        base_dir.mkdir(parents=True, exist_ok=True)
        return cls(duckdb_path=base_dir / duckdb_name, work_dir=base_dir / "dbt", **kwargs)

    @property
    def target_path(self) -> Path:
        return self.work_dir / "target"

    @property
    def log_path(self) -> Path:
        return self.work_dir / "logs"

    @property
    def profiles_dir(self) -> Path:
        profiles_dir = self.work_dir / "profiles"
        profiles_file = profiles_dir / "profiles.yml"
        if not profiles_file.exists():
            profiles_dir.mkdir(parents=True, exist_ok=True)
            example = (self.project_dir / "profiles.yml.example").read_text(encoding="utf-8")
            profiles_file.write_text(
                example.replace("__PROJECT_ROOT__", str(self.project_dir)), encoding="utf-8"
            )
        return profiles_dir

    def copy_to(self, base_dir: Path, *, duckdb_name: str = "warehouse.duckdb") -> DbtProject:
        """A new project on a copy of this DuckDB file (for variants of one built warehouse)."""
        copy = DbtProject.create(
            base_dir, duckdb_name=duckdb_name, project_dir=self.project_dir, env=dict(self.env)
        )
        shutil.copyfile(self.duckdb_path, copy.duckdb_path)
        return copy

    def run(
        self,
        *args: str,
        vars: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 600,
    ) -> DbtResult:
        """Run `dbt <args>`; returns whatever happened (check `.ok`). Never the project's target/ or logs/."""
        command = [
            str(DBT_EXECUTABLE),
            *args,
            "--project-dir",
            str(self.project_dir),
            "--profiles-dir",
            str(self.profiles_dir),
            "--target-path",
            str(self.target_path),
            "--log-path",
            str(self.log_path),
        ]
        if vars:
            command += ["--vars", json.dumps(vars)]
        run_env = {
            **os.environ,
            "DUCKDB_PATH": str(self.duckdb_path),
            "DBT_USE_COLORS": "false",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            **self.env,
            **(env or {}),
        }
        # `dbt source freshness` writes sources.json; every other command run_results.json.
        results_files = [self.target_path / "run_results.json", self.target_path / "sources.json"]
        for results_file in results_files:
            results_file.unlink(missing_ok=True)
        completed = subprocess.run(
            command,
            cwd=self.project_dir,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        written = [results_file for results_file in results_files if results_file.exists()]
        run_results = json.loads(written[0].read_text(encoding="utf-8")) if written else None
        return DbtResult(tuple(args), completed.returncode, completed.stdout + completed.stderr, run_results)

    def connect(self, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A direct DuckDB connection to this project's file (close it before the next dbt run)."""
        return duckdb.connect(str(self.duckdb_path), read_only=read_only)

    def query(self, sql: str, parameters: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with self.connect() as connection:
            return connection.execute(sql, parameters or []).fetchall()

    def table_rows(self, qualified_name: str) -> list[tuple[Any, ...]]:
        """Every row of a table or view, e.g. `hub.hub_music__svc_dim_artists`."""
        schema, _, name = qualified_name.rpartition(".")
        identifier = ".".join(f'"{part}"' for part in (schema, name) if part)
        with self.connect() as connection:
            return connection.sql(f"from {identifier}").fetchall()
