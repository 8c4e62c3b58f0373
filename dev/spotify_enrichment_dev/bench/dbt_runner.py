"""dbt commands for the warehouse benchmarks through the shared runner (spotify_enrichment_dev.dbt_runner),
isolated from the developer's own warehouse: own DuckDB file, profiles, target and log folders under the
bench work folder. Each command is timed from the outside and its peak memory (dbt and any children)
sampled."""

import json
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from spotify_enrichment_dev.bench.peak_memory import PeakRssSampler
from spotify_enrichment_dev.dbt_runner import PROFILES_TEMPLATE, DbtProject, render_profiles

KB = 1024
TEST_HASH_SUFFIX = re.compile(r"\.[0-9a-f]{10}$")
OUTPUT_TAIL_CHARS = 4000


class DbtCommandError(RuntimeError):
    """A dbt command of the bench failed; the message carries the end of its output."""


@dataclass(frozen=True)
class DbtCommand:
    """`node_seconds`: execution time per node from run_results.json (empty for run-operation)."""

    seconds: float
    peak_rss_mb: float
    output: str
    node_seconds: dict[str, float]
    # user + system CPU of dbt and the children it waited for: unlike wall time, not inflated by
    # other work on the machine
    cpu_seconds: float = 0.0

    def slowest_nodes(self, count: int) -> list[tuple[str, float]]:
        ranked = sorted(self.node_seconds.items(), key=lambda item: item[1], reverse=True)
        return [(name, round(seconds, 2)) for name, seconds in ranked[:count]]


def _node_seconds(run_results: Path, since: float) -> dict[str, float]:
    """Per-node times of the command that just ran (an older run_results.json is not this command's)."""
    if not run_results.is_file() or run_results.stat().st_mtime < since:
        return {}
    document = json.loads(run_results.read_text(encoding="utf-8"))
    if document.get("args", {}).get("which") == "run-operation":
        return {}
    return {
        _node_name(result["unique_id"]): float(result.get("execution_time") or 0.0)
        for result in document.get("results", [])
    }


def _node_name(unique_id: str) -> str:
    """`test.spotify_enrichment.unique_x.1a2b3c4d5e` -> `unique_x`: short enough for a table."""
    name = unique_id.split(".", 2)[-1]
    return TEST_HASH_SUFFIX.sub("", name)


@dataclass(frozen=True)
class BenchWarehouse:
    """Where one benchmark's dbt runs keep their state (the shared DbtProject, on `work_dir`). `vars`
    are the same for every command, so dbt's partial parse is reused after the first one, as on a
    user's machine."""

    project_dir: Path
    work_dir: Path
    landing_dir: Path

    @property
    def project(self) -> DbtProject:
        return DbtProject.create(
            self.work_dir,
            self.project_dir,
            env={"DBT_TARGET": "local"},
            vars={"landing_uri": self.landing_dir.as_posix()},
        )

    @property
    def duckdb_path(self) -> Path:
        return self.project.duckdb_path

    def prepare(self) -> None:
        """Profiles from the project's example, pointed at this project folder; an empty landing folder."""
        self.landing_dir.mkdir(parents=True, exist_ok=True)
        profiles_dir = self.project.work_dir / "profiles"
        render_profiles(self.project_dir / PROFILES_TEMPLATE, profiles_dir, self.project_dir)

    def run(self, *arguments: str) -> DbtCommand:
        """`dbt ARGUMENTS` with this warehouse's paths; raises DbtCommandError on a non-zero exit."""
        return self.run_program(self.project.command(*arguments), f"dbt {' '.join(arguments)}")

    def run_program(self, command: list[str], label: str) -> DbtCommand:
        """Any command in this warehouse's environment (DuckDB path, target and log folders), timed."""
        project = self.project
        output_path = self.work_dir / "dbt_output.log"
        started_wall = time.time()
        started = time.perf_counter()
        environ = {
            **project.environ(),
            "DBT_TARGET_PATH": str(project.target_path),
            "DBT_LOG_PATH": str(project.log_path),
        }
        with output_path.open("wb") as output:
            process = subprocess.Popen(
                command,
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=environ,
            )
            try:
                with PeakRssSampler(process.pid) as sampler:
                    # wait4 gives this child's own peak RSS, which sampling can miss between two looks.
                    _, status, usage = os.wait4(process.pid, 0)
            except BaseException:
                process.kill()
                process.wait()
                raise
            seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        text = output_path.read_text(encoding="utf-8", errors="replace")
        if process.returncode != 0:
            tail = text[-OUTPUT_TAIL_CHARS:]
            raise DbtCommandError(f"`{label}` failed (exit {process.returncode}):\n{tail}")
        peak_mb = max(sampler.peak_mb, round(usage.ru_maxrss * KB / 1024**2, 1))
        node_seconds = _node_seconds(project.target_path / "run_results.json", started_wall)
        return DbtCommand(
            seconds=seconds,
            peak_rss_mb=peak_mb,
            output=text,
            node_seconds=node_seconds,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
        )
