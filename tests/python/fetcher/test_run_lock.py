"""One run at a time per landing location, on a local folder and on a gs:// prefix (the GCS emulator):
the second run fails at once naming the first; a lock whose run died is taken over."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.gcs_emulator import GcsEmulator

from spotify_enrichment.landing import LandingStore, open_store
from spotify_enrichment.run_lock import RunLock, RunLockBusyError


@pytest.fixture(scope="module")
def gcs() -> Iterator[GcsEmulator]:
    with GcsEmulator(bucket="lock-test") as emulator:
        yield emulator


@pytest.fixture(params=["local", "gcs"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> LandingStore:
    if request.param == "local":
        return open_store(str(tmp_path / "landing"))
    request.getfixturevalue("gcs")
    return open_store(f"gs://lock-test/{tmp_path.name}/prefix")


def test_a_second_run_fails_at_once_naming_the_first_and_may_run_once_it_ended(store: LandingStore) -> None:
    first = RunLock(store, "first-run")
    first.acquire()
    with pytest.raises(RunLockBusyError) as refused:
        RunLock(store, "second-run").acquire()
    message = str(refused.value)
    assert store.root_uri in message
    assert "run first-run (host " in message and f"pid {first.owner.pid}" in message
    first.release()
    with RunLock(store, "third-run"):
        pass


def test_the_lock_of_a_run_killed_with_9_is_taken_over(store: LandingStore, tmp_path: Path) -> None:
    script = (
        "import os, signal, sys\n"
        "from spotify_enrichment.landing import open_store\n"
        "from spotify_enrichment.run_lock import RunLock\n"
        "RunLock(open_store(sys.argv[1]), 'killed-run').acquire()\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    killed = subprocess.run([sys.executable, "-c", script, store.root_uri], check=False, timeout=60)
    assert killed.returncode == -9
    with RunLock(store, "next-run") as lock:
        assert lock.owner.run_id == "next-run"
    leftovers = [key for key in store.list("locks/") if "killed-run" in key]
    assert leftovers == []


def test_a_live_run_on_another_host_keeps_its_gcs_lock(gcs: GcsEmulator, tmp_path: Path) -> None:
    store = open_store(f"gs://lock-test/{tmp_path.name}/shared")
    owner = {"runId": "remote-run", "host": "another-host", "pid": 1, "startedAt": "2026-12-01T00:00:00Z"}
    for suffix in ("beat", "claim"):
        store.write_bytes(f"locks/enrichment/remote-run.{suffix}", json.dumps(owner).encode())
    with pytest.raises(RunLockBusyError, match="run remote-run \\(host another-host, pid 1"):
        RunLock(store, "local-run").acquire()
