"""Benchmark (issue 13): how soon a second `enrich_artists` is refused while another run holds the
run lock of the landing location. The lock is held by this process (`run_lock.RunLock`, as a running
`enrich_artists` holds it); `dbt run-operation enrich_artists` is then run `lock_refusal_repeats` times
and each must fail naming the holder. Figures: the command's wall seconds (dbt's start included, what a
user waits), its CPU seconds (which other work on the machine does not inflate), and the seconds from
dbt's "Found N models" line to the refusal (dbt's log, whole seconds), medians of the repeats."""

import logging
import os
import re
import statistics
import subprocess
import time
from pathlib import Path

from spotify_enrichment.landing import open_store
from spotify_enrichment.run_lock import RunLock
from spotify_enrichment_dev.bench.dbt_runner import BenchWarehouse
from spotify_enrichment_dev.bench.results import LockRefusalFigures
from spotify_enrichment_dev.bench.scale import BenchScale

logger = logging.getLogger(__name__)

HOLDER_RUN_ID = "bench-lock-holder"
_CLOCK = r"(\d\d):(\d\d):(\d\d)"
PARSED = re.compile(_CLOCK + r"  Found \d+ models")
REFUSED = re.compile(_CLOCK + r"  Encountered an error while running operation")


class LockRefusalBenchError(RuntimeError):
    """The second run was not refused as it should be."""


def _seconds_of_day(match: re.Match[str]) -> int:
    hours, minutes, seconds = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def run_lock_refusal(project_dir: Path, scale: BenchScale, work_dir: Path) -> LockRefusalFigures:
    warehouse = BenchWarehouse(project_dir, work_dir / "lock_refusal", work_dir / "lock_refusal" / "landing")
    warehouse.prepare()
    project = warehouse.project
    command = project.command("run-operation", "enrich_artists", "--args", "{mode: backfill}")
    environ = project.environ()
    lock = RunLock(open_store(str(warehouse.landing_dir)), HOLDER_RUN_ID)
    lock.acquire()
    walls: list[float] = []
    after_parse: list[float] = []
    cpu: list[float] = []
    try:
        for repeat in range(scale.lock_refusal_repeats + 1):
            cpu_before = _children_cpu_seconds()
            started = time.perf_counter()
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=environ,
            )
            output_bytes, _ = process.communicate(timeout=600)
            wall = time.perf_counter() - started
            output = output_bytes.decode("utf-8", errors="replace")
            if process.returncode == 0 or HOLDER_RUN_ID not in output:
                raise LockRefusalBenchError(
                    f"the second run was not refused naming the holder:\n{output[-3000:]}"
                )
            parsed, refused = PARSED.search(output), REFUSED.search(output)
            if not (parsed and refused):
                raise LockRefusalBenchError(f"dbt's log lacks the parse or refusal line:\n{output[-3000:]}")
            if repeat == 0:
                continue  # the first command writes dbt's saved parse; users' later runs reuse it
            walls.append(wall)
            after_parse.append(float(_seconds_of_day(refused) - _seconds_of_day(parsed)))
            cpu.append(_children_cpu_seconds() - cpu_before)
            logger.info("lock refusal %d: %.1f s", repeat, wall)
    finally:
        lock.release()
    return LockRefusalFigures(
        repeats=len(walls),
        command_s=round(statistics.median(walls), 2),
        command_max_s=round(max(walls), 2),
        after_parse_s=statistics.median(after_parse),
        cpu_s=round(statistics.median(cpu), 2),
    )


def _children_cpu_seconds() -> float:
    """CPU seconds (user + system) of every child of this process that has ended so far."""
    times = os.times()
    return times.children_user + times.children_system
