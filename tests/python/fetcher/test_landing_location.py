"""The landing location as runs share it or cannot write to it: checked before the first request, and
a landing name of its own per run whatever the clock says. Real CLI processes, the real emulator."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fetcher_helpers import (
    CliRun,
    assert_each_artist_once,
    cli_command,
    cli_environ,
    emulator_environ,
    landed_records,
    write_ids,
)

from spotify_enrichment.landing import LANDING_FILE_NAME
from spotify_enrichment_dev.emulator_process import EmulatorProcess

NOBODY = 65534


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder every user can enter (pytest's tmp_path is private to its owner)."""
    folder = Path(tempfile.mkdtemp(prefix="landing-location-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in folder.rglob("*"):
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(folder)


def run_as_another_user(command: list[str], environ: dict[str, str], cwd: Path) -> CliRun:
    """Root writes anywhere, so as root the fetcher runs as `nobody`: a read-only folder is then
    read-only for it, as it is for any user running the fetcher."""
    if os.geteuid() == 0:
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    completed = subprocess.run(
        command, cwd=cwd, env=environ, capture_output=True, text=True, timeout=120, check=False
    )
    return CliRun(completed.returncode, completed.stdout, completed.stderr)


def test_a_read_only_landing_folder_fails_before_any_request_naming_the_location(
    artists_csv: Path, artist_ids: list[str], shared_dir: Path
) -> None:
    landing = shared_dir / "landing"
    landing.mkdir()
    landing.chmod(0o555)
    ids_file = write_ids(shared_dir / "ids.txt", artist_ids[:400])
    ids_file.chmod(0o644)
    with EmulatorProcess(artists_csv) as emulator:
        environ = cli_environ(emulator.settings_environ(), shared_dir)
        run = run_as_another_user(cli_command(ids_file, landing), environ, shared_dir)
        stats = emulator.stats()
    assert run.returncode == 1, run.stderr
    assert f"the landing location {landing} is not writable" in run.stderr
    assert "nothing was asked from Spotify" in run.stderr
    assert stats["requests_total"] == 0, "no answer may be fetched that cannot be landed"
    assert list(landing.iterdir()) == []


def test_two_runs_started_in_the_same_second_on_one_landing_folder_keep_every_answer(
    artists_csv: Path, artist_ids: list[str], workdir: Path
) -> None:
    """Two warehouses, one landing folder: each run lands its own file with all its answers."""
    landing = workdir / "landing"
    id_sets = {"first": artist_ids[:300], "second": artist_ids[300:600]}
    with EmulatorProcess(artists_csv, quota="development", latency_ms=50) as emulator:
        environ = cli_environ(emulator_environ(emulator, SPOTIFY_CONCURRENCY="4"), workdir)
        commands = {
            name: cli_command(write_ids(workdir / f"{name}.txt", ids), landing, "--run-id", f"run-{name}")
            for name, ids in id_sets.items()
        }
        # Both start right after a second begins, so the clock gives them the same timestamp.
        time.sleep(1 - time.time() % 1)
        processes = {
            name: subprocess.Popen(
                command, cwd=workdir, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for name, command in commands.items()
        }
        outputs = {name: p.communicate(timeout=120) for name, p in processes.items()}
    runs = {name: CliRun(processes[name].returncode, *output) for name, output in outputs.items()}
    summaries: dict[str, dict[str, Any]] = {}
    for name, run in runs.items():
        assert run.returncode == 0, run.stderr
        summaries[name] = json.loads(run.stdout)
        assert summaries[name]["ok"] == len(id_sets[name]) and summaries[name]["recovered"] == 0
    files = {name: Path(summary["file"]) for name, summary in summaries.items()}
    assert files["first"] != files["second"]
    assert files["first"].name[:16] == files["second"].name[:16], "both runs started in the same second"
    for name, path in files.items():
        assert LANDING_FILE_NAME.fullmatch(path.name)
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert {line["runId"] for line in lines} == {f"run-{name}"}
        assert {line["artistId"] for line in lines} == set(id_sets[name])
    assert set(assert_each_artist_once(landed_records(landing))) == set(artist_ids[:600])
    assert not (landing / "spotify" / "partial").exists() or not any(
        (landing / "spotify" / "partial").iterdir()
    )
