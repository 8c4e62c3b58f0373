"""The real dbt CLI as a subprocess, for tests, benchmarks and scripts: one place for the command line,
its environment, the profiles rendering and the results.

A `DbtProject` is the repository's dbt project bound to one warehouse folder (its DuckDB file, and the
landing folder the caller keeps there) and to its own profiles, target and log folders, so several can
run beside each other and beside a developer's own warehouse. dbt runs in a subprocess: no state leaks
from one command to the next and a crash cannot take the caller with it.

    project = DbtProject.create(tmp_path)                 # tmp_path/warehouse.duckdb, tmp_path/dbt/...
    result = project.run("build", vars={"enrichment_min_coverage": 0.9})
    assert result.ok, result.output
    assert result.status("enrichment_coverage") == "fail"

Partial parsing. dbt parses the whole project again (about 2 s of CPU) whenever its command-line vars
or the profile's connection (the DuckDB path) differ from those of the parse saved in the target folder.
Projects that share a `ParseCache` see every warehouse folder through one path, a symlink pointed at the
project's folder for the length of each command (under a lock, so one command at a time uses it); their
DuckDB path and the vars naming paths in that folder are then the same strings from one warehouse to the
next, and each command starts from the last parse saved for the same vars and target.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

PROFILES_TEMPLATE = "profiles.yml.example"
# profiles.yml.example names the project folder so; `make install` writes the absolute path instead.
PROJECT_ROOT_PLACEHOLDER = "__PROJECT_ROOT__"
PARTIAL_PARSE_FILE = "partial_parse.msgpack"
# Environment variables profiles.yml.example reads, and dbt's own: they decide the parse a command can reuse.
PARSE_ENVIRONMENT_PREFIXES = ("DBT_", "DUCKDB_", "BQ_", "BIGQUERY_")
PLAIN_OUTPUT = {"DBT_USE_COLORS": "false", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
DEFAULT_TIMEOUT_SECONDS = 600.0


def dbt_executable() -> Path:
    """The dbt of the running interpreter's virtualenv."""
    return Path(sys.executable).with_name("dbt")


def render_profiles(template: Path, profiles_dir: Path, project_root: Path) -> Path:
    """profiles.yml in `profiles_dir` from `template` (the project's profiles.yml.example) as
    `make install` renders it, the project folder written in; returns `profiles_dir`."""
    rendered = template.read_text(encoding="utf-8").replace(PROJECT_ROOT_PLACEHOLDER, str(project_root))
    profiles_dir.mkdir(parents=True, exist_ok=True)
    (profiles_dir / "profiles.yml").write_text(rendered, encoding="utf-8")
    return profiles_dir


@dataclass(frozen=True)
class DbtResult:
    """One dbt command: its arguments, exit code, console output, wall time and run_results.json
    (sources.json for `source freshness`), when written."""

    args: tuple[str, ...]
    returncode: int
    output: str
    run_results: dict[str, Any] | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def __str__(self) -> str:
        return f"dbt {' '.join(self.args)}: exit {self.returncode}\n{self.output[-6000:]}"

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


class ParseCache:
    """dbt parses shared by the projects that use this cache: the folder alias and the saved parses
    (one per combination of project, vars and target environment) live under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.alias = root / "warehouse"
        self._parses = root / "parses"
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def borrow(self, folder: Path) -> Iterator[Path]:
        """The alias, pointing at `folder` until the block ends; one borrower at a time."""
        with self._lock:
            self.root.mkdir(parents=True, exist_ok=True)
            pointer = self.root / "warehouse.next"
            pointer.unlink(missing_ok=True)
            pointer.symlink_to(folder.resolve(), target_is_directory=True)
            pointer.replace(self.alias)
            yield self.alias

    def seed(self, key: str, target_path: Path) -> None:
        """Put the saved parse for `key`, if any, where dbt looks for it."""
        saved = self._parses / f"{key}.msgpack"
        if saved.is_file():
            target_path.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(saved, target_path / PARTIAL_PARSE_FILE)

    def keep(self, key: str, target_path: Path) -> None:
        """Save the parse the command just wrote (written aside first, so a reader never sees half)."""
        written = target_path / PARTIAL_PARSE_FILE
        if written.is_file():
            self._parses.mkdir(parents=True, exist_ok=True)
            partial = self._parses / f"{key}.msgpack.part"
            shutil.copyfile(written, partial)
            partial.replace(self._parses / f"{key}.msgpack")


@dataclass
class DbtProject:
    """The dbt project in `project_dir` bound to the warehouse in `folder` (DuckDB file `duckdb_name`)
    and to private profiles/target/log folders under `work_dir`; without a `work_dir`, dbt runs as the
    README has users run it: the project's own profiles.yml (made by `make install`), target/ and logs/.

    `env` is added to the environment of every command, over the caller's own (`inherit_environ`) or
    over nothing; `vars` are passed to every command, so dbt's saved parse stays valid from one command
    to the next; a command's own vars are added to them."""

    folder: Path
    work_dir: Path | None
    project_dir: Path
    duckdb_name: str = "warehouse.duckdb"
    env: dict[str, str] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)
    inherit_environ: bool = True
    parse_cache: ParseCache | None = None

    @classmethod
    def create(cls, folder: Path, project_dir: Path, **options: Any) -> DbtProject:
        """A project on `folder/warehouse.duckdb` with its dbt folders in `folder/dbt`."""
        folder.mkdir(parents=True, exist_ok=True)
        return cls(folder=folder, work_dir=folder / "dbt", project_dir=project_dir, **options)

    @property
    def duckdb_path(self) -> Path:
        return self.folder / self.duckdb_name

    @property
    def target_path(self) -> Path:
        if self.work_dir is None:
            return Path(os.environ.get("DBT_TARGET_PATH") or self.project_dir / "target")
        return self.work_dir / "target"

    @property
    def log_path(self) -> Path:
        if self.work_dir is None:
            return Path(os.environ.get("DBT_LOG_PATH") or self.project_dir / "logs")
        return self.work_dir / "logs"

    @property
    def profiles_dir(self) -> Path:
        if self.work_dir is None:
            return self.project_dir
        profiles_dir = self.work_dir / "profiles"
        if not (profiles_dir / "profiles.yml").exists():
            render_profiles(self.project_dir / PROFILES_TEMPLATE, profiles_dir, self.project_dir)
        return profiles_dir

    def command(
        self, *args: str, vars: Mapping[str, Any] | None = None, project_dir_flag: bool = True
    ) -> list[str]:
        """The dbt command line; without `project_dir_flag` dbt finds the project from its cwd."""
        command = [str(dbt_executable()), *args]
        if project_dir_flag:
            command += ["--project-dir", str(self.project_dir)]
        command += ["--profiles-dir", str(self.profiles_dir)]
        if self.work_dir is not None:
            command += ["--target-path", str(self.target_path), "--log-path", str(self.log_path)]
        merged = {**self.vars, **(vars or {})}
        if merged:
            command += ["--vars", json.dumps(merged, sort_keys=True)]
        return command

    def environ(self, env: Mapping[str, str] | None = None, *, folder: Path | None = None) -> dict[str, str]:
        """The command's environment; `folder` stands for the warehouse folder (the cache's alias)."""
        base = dict(os.environ) if self.inherit_environ else {}
        # Plain, untracked output for the programs that read it; the user's own settings otherwise.
        plain = PLAIN_OUTPUT if self.work_dir is not None else {}
        duckdb_path = (folder or self.folder) / self.duckdb_name
        return {**base, **plain, "DUCKDB_PATH": str(duckdb_path), **self.env, **(env or {})}

    def run(
        self,
        *args: str,
        vars: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        project_dir_flag: bool = True,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        stream: bool = False,
    ) -> DbtResult:
        """Run `dbt ARGS` and return whatever happened (check `.ok`); with `stream` its output goes to
        this process's stdout and stderr as it comes instead of into the result."""
        workdir = cwd or self.project_dir
        workdir.mkdir(parents=True, exist_ok=True)
        merged = {**self.vars, **(vars or {})}
        with contextlib.ExitStack() as stack:
            folder = self.folder
            if self.parse_cache is not None:
                folder = stack.enter_context(self.parse_cache.borrow(self.folder))
                merged = self._through_alias(merged, folder)
            environ = self.environ(env, folder=folder)
            command = self.command(*args, vars=merged, project_dir_flag=project_dir_flag)
            key = self._parse_key(command, environ)
            if self.parse_cache is not None:
                self.parse_cache.seed(key, self.target_path)
            results_files = [self.target_path / "run_results.json", self.target_path / "sources.json"]
            for results_file in results_files:
                results_file.unlink(missing_ok=True)
            started = time.perf_counter()
            completed = subprocess.run(
                command,
                cwd=workdir,
                env=environ,
                capture_output=not stream,
                text=True,
                timeout=timeout,
                check=False,
            )
            seconds = time.perf_counter() - started
            if self.parse_cache is not None:
                self.parse_cache.keep(key, self.target_path)
        written = [results_file for results_file in results_files if results_file.exists()]
        run_results = json.loads(written[0].read_text(encoding="utf-8")) if written else None
        output = "" if stream else completed.stdout + completed.stderr
        return DbtResult(tuple(args), completed.returncode, output, run_results, seconds)

    def _through_alias(self, vars: dict[str, Any], alias: Path) -> dict[str, Any]:
        """Vars naming this project's folder or a path in it, as paths through the alias."""
        folders = {str(self.folder), str(self.folder.resolve())}

        def through(value: Any) -> Any:
            for folder in folders:
                if isinstance(value, str) and (value == folder or value.startswith(folder + os.sep)):
                    return str(alias) + value[len(folder) :]
            return value

        return {name: through(value) for name, value in vars.items()}

    def _parse_key(self, command: list[str], environ: Mapping[str, str]) -> str:
        """What decides whether dbt can reuse a parse: the project, the vars and --target on the command
        line, and the environment the profile reads."""
        vars_at = command.index("--vars") + 1 if "--vars" in command else None
        target_at = command.index("--target") + 1 if "--target" in command else None
        decisive = {
            "project": str(self.project_dir),
            "vars": command[vars_at] if vars_at else None,
            "target": command[target_at] if target_at else None,
            "env": sorted(item for item in environ.items() if item[0].startswith(PARSE_ENVIRONMENT_PREFIXES)),
        }
        return hashlib.sha256(json.dumps(decisive).encode("utf-8")).hexdigest()[:20]

    def copy_to(self, folder: Path, *, duckdb_name: str | None = None) -> DbtProject:
        """A project like this one on a copy of its DuckDB file in `folder` (for variants of one built
        warehouse); dbt folders of its own."""
        name = duckdb_name or self.duckdb_name
        copy = DbtProject.create(
            folder,
            self.project_dir,
            duckdb_name=name,
            env=dict(self.env),
            vars=dict(self.vars),
            inherit_environ=self.inherit_environ,
            parse_cache=self.parse_cache,
        )
        shutil.copyfile(self.duckdb_path, copy.duckdb_path)
        return copy

    def connect(self, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A direct DuckDB connection to this project's file (close it before the next dbt command)."""
        return duckdb.connect(str(self.duckdb_path), read_only=read_only)

    def query(
        self, sql: str, parameters: list[Any] | None = None, *, read_only: bool = False
    ) -> list[tuple[Any, ...]]:
        with self.connect(read_only=read_only) as connection:
            return connection.execute(sql, parameters or []).fetchall()

    def execute(self, sql: str, parameters: list[Any] | None = None) -> None:
        with self.connect() as connection:
            connection.execute(sql, parameters or [])

    def table_rows(self, qualified_name: str) -> list[tuple[Any, ...]]:
        """Every row of a table or view, e.g. `hub.hub_music__svc_dim_artists`."""
        schema, _, name = qualified_name.rpartition(".")
        identifier = ".".join(f'"{part}"' for part in (schema, name) if part)
        with self.connect(read_only=True) as connection:
            return connection.sql(f"from {identifier}").fetchall()
