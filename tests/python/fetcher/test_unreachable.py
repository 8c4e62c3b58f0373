"""A Spotify that is gone or hangs: the run's circuit breaker, the run time limit and a run in which
every artist failed. Each fault is injected by the real emulator over HTTP (killed, slowed down, or a
port nobody listens on)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from fetcher_helpers import (
    assert_each_artist_once,
    cli_command,
    cli_environ,
    closed_port_url,
    emulator_environ,
    emulator_settings,
    landed_records,
    run_cli,
    write_ids,
)

from spotify_enrichment.fetcher import fetch_to_landing
from spotify_enrichment_dev.emulator_process import EmulatorProcess

UNREACHABLE = re.compile(r"Spotify unreachable since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def test_spotify_killed_mid_run_stops_the_run_fast_keeps_the_answers_and_a_rerun_asks_the_rest(
    artists_csv: Path, artist_ids: list[str], workdir: Path
) -> None:
    ids = artist_ids[:1000]
    landing = workdir / "landing"
    ids_file = write_ids(workdir / "ids.txt", ids)
    with EmulatorProcess(artists_csv, quota="development", latency_ms=250) as emulator:
        process = subprocess.Popen(
            cli_command(ids_file, landing),
            cwd=workdir,
            env=cli_environ(emulator_environ(emulator), workdir),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(4)
        os.kill(emulator.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        stdout, stderr = process.communicate(timeout=120)
        stopped_after = time.monotonic() - killed_at
    assert process.returncode == 5, stderr
    assert stopped_after < 60, f"the run went on for {stopped_after:.0f} s after Spotify died"
    assert UNREACHABLE.search(stderr), stderr
    assert "SPOTIFY_API_URL" in stderr
    summary: dict[str, Any] = json.loads(stdout)
    assert summary["stop_reason"] == "unreachable"
    assert summary["exit_code"] == 5
    kept = assert_each_artist_once(landed_records(landing))
    assert len(kept) == summary["ok"] + summary["not_found"] > 0, "answers fetched before are landed"
    assert summary["skipped"] > 0, "the rest was not asked again and again"
    assert len(kept) + summary["failed"] + summary["skipped"] == len(ids)

    with EmulatorProcess(artists_csv, quota="development") as restarted:
        rerun = run_cli(ids_file, landing, emulator_environ(restarted), cwd=workdir)
        asked_again = set(restarted.stats()["ids_requested"])
    assert rerun.returncode == 0, rerun.stderr
    assert asked_again == set(ids) - set(kept), "the rerun asks exactly the artists not answered"
    assert set(assert_each_artist_once(landed_records(landing))) == set(ids)


def test_a_hanging_token_endpoint_stops_the_run_within_60s_naming_the_accounts_url(
    artists_csv: Path, artist_ids: list[str], workdir: Path
) -> None:
    """35 s per answer against the default 30 s read timeout: the token request times out, and the run
    gives up at once instead of retrying it for every artist (default settings)."""
    ids_file = write_ids(workdir / "ids.txt", artist_ids[:100])
    landing = workdir / "landing"
    with EmulatorProcess(artists_csv, quota="development", latency_ms=35_000) as emulator:
        started = time.monotonic()
        run = run_cli(ids_file, landing, emulator.settings_environ(), cwd=workdir, timeout=120)
        elapsed = time.monotonic() - started
        stats = emulator.stats()
    assert run.returncode == 5, run.stderr
    assert elapsed < 60, f"took {elapsed:.0f} s"
    assert UNREACHABLE.search(run.stderr), run.stderr
    assert "SPOTIFY_ACCOUNTS_URL" in run.stderr
    summary = run.summary
    assert (summary["stop_reason"], summary["ok"], summary["file"]) == ("unreachable", 0, None)
    assert stats["max_concurrent_requests"] == 1, "one token request at a time, never an API call"
    assert stats["artist_ids_requested_total"] == 0
    assert landed_records(landing) == []


def test_a_token_endpoint_refusing_connections_stops_the_run_within_60s(
    artists_csv: Path, artist_ids: list[str], landing: Path
) -> None:
    with EmulatorProcess(artists_csv, quota="development") as emulator:
        settings = emulator_settings(emulator, SPOTIFY_ACCOUNTS_URL=closed_port_url())
        started = time.monotonic()
        summary = fetch_to_landing(artist_ids[:100], str(landing), settings)
        elapsed = time.monotonic() - started
        api_calls = emulator.stats()["artist_ids_requested_total"]
    assert (summary.exit_code, summary.stop_reason) == (5, "unreachable"), summary.message
    assert elapsed < 60
    assert UNREACHABLE.search(summary.message)
    assert "SPOTIFY_ACCOUNTS_URL" in summary.message and settings.accounts_url in summary.message
    assert (summary.ok, summary.file, api_calls) == (0, None, 0)
    assert summary.skipped > 0


def test_the_breaker_trips_after_the_configured_failures_in_a_row(
    artists_csv: Path, artist_ids: list[str], landing: Path
) -> None:
    with EmulatorProcess(artists_csv) as emulator:
        settings = emulator_settings(
            emulator,
            SPOTIFY_API_URL=closed_port_url() + "/v1",
            SPOTIFY_UNREACHABLE_AFTER_FAILURES="3",
            SPOTIFY_BATCH_CONCURRENCY="1",
            SPOTIFY_BACKOFF_SECONDS="0.01",
        )
        summary = fetch_to_landing(artist_ids[:500], str(landing), settings)
    assert (summary.exit_code, summary.stop_reason) == (5, "unreachable"), summary.message
    assert "3 connection failures or timeouts in a row" in summary.message
    assert "SPOTIFY_API_URL" in summary.message
    assert summary.requests == 3, "no attempt after the breaker tripped"
    assert summary.skipped == 500


def test_the_run_time_limit_stops_cleanly_and_keeps_the_answers(
    artists_csv: Path, artist_ids: list[str], landing: Path
) -> None:
    ids = artist_ids[:400]
    with EmulatorProcess(artists_csv, quota="development", latency_ms=100) as emulator:
        settings = emulator_settings(emulator, SPOTIFY_MAX_RUN_SECONDS="2", SPOTIFY_CONCURRENCY="4")
        summary = fetch_to_landing(ids, str(landing), settings)
    # Stopped by the limit, not by the end of the work (the skipped artists below); how soon after
    # the limit is the machine's speed, no result.
    assert (summary.exit_code, summary.stop_reason) == (4, "time_limit"), summary.message
    assert "SPOTIFY_MAX_RUN_SECONDS=2" in summary.message
    kept = assert_each_artist_once(landed_records(landing))
    assert 0 < len(kept) == summary.ok + summary.not_found
    assert summary.skipped == len(ids) - len(kept) > 0


def test_every_artist_failing_with_5xx_exits_5(
    artists_csv: Path, artist_ids: list[str], landing: Path
) -> None:
    with EmulatorProcess(artists_csv, fail_every=1, fail_status=503) as emulator:
        settings = emulator_settings(emulator, SPOTIFY_BACKOFF_SECONDS="0.01", SPOTIFY_MAX_RETRIES="1")
        summary = fetch_to_landing(artist_ids[:120], str(landing), settings)
    assert (summary.exit_code, summary.stop_reason) == (5, "all_failed"), summary.message
    assert summary.failed == 120
    assert "every one of the 120 artists asked failed" in summary.message
