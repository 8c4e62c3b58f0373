"""kill -9 in the middle of a long single-call run: every answer received was on disk before the next
request went out, so the rerun asks again at most the requests that were in flight."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

from fetcher_helpers import (
    assert_each_artist_once,
    cli_command,
    cli_environ,
    emulator_environ,
    landed_records,
    run_cli,
    write_ids,
)

from spotify_enrichment_dev.emulator_process import EmulatorProcess

CONCURRENCY = 8


def flushed_answers(landing: Path) -> set[str]:
    chunks = (landing / "spotify" / "partial").glob("*/part-*.jsonl")
    return {json.loads(line)["artistId"] for chunk in chunks for line in chunk.read_text().splitlines()}


def test_kill_9_midway_through_600_single_calls_re_asks_at_most_the_requests_in_flight(
    artists_csv: Path, artist_ids: list[str], catalogue: dict[str, Any], workdir: Path
) -> None:
    landing = workdir / "landing"
    ids = artist_ids[5000:5600]
    ids_file = write_ids(workdir / "ids.txt", ids)
    with EmulatorProcess(artists_csv, quota="development", latency_ms=30) as emulator:
        environ = emulator_environ(emulator, SPOTIFY_CONCURRENCY=str(CONCURRENCY), SPOTIFY_API_MODE="single")
        process = subprocess.Popen(
            cli_command(ids_file, landing),
            cwd=workdir,
            env=cli_environ(environ, workdir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(flushed_answers(landing)) < 250:
            time.sleep(0.02)
        time.sleep(0.1)  # not right after a flush: answers keep coming in
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
        asked_first = Counter(emulator.stats()["ids_requested"])
        assert 250 <= len(flushed_answers(landing)) < len(ids), "the kill should come midway"

        emulator.reset_stats()
        rerun = run_cli(ids_file, landing, environ, cwd=workdir)
        asked_again = set(emulator.stats()["ids_requested"])

    assert rerun.returncode == 0, rerun.stderr
    landed = assert_each_artist_once(landed_records(landing))
    assert set(landed) == set(ids), "every artist exactly once"
    asked_twice = asked_again & set(asked_first)
    assert len(asked_twice) <= CONCURRENCY, f"{len(asked_twice)} answers were lost to the kill"
