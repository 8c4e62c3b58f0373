"""One test per fault, each injected by the real emulator over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from fetcher_helpers import (
    FAST_KNOBS,
    assert_each_artist_once,
    cli_command,
    cli_environ,
    closed_port_url,
    emulator_environ,
    emulator_settings,
    expected_record_fields,
    landed_records,
    run_cli,
    write_ids,
)

from spotify_enrichment.fetcher import fetch_to_landing
from spotify_enrichment_dev.emulator_process import EmulatorProcess


def assert_landed_as_catalogue(
    landing: Path, ids: list[str], catalogue: dict[str, Any], *, development: bool
) -> None:
    landed = assert_each_artist_once(landed_records(landing))
    assert set(landed) == set(ids)
    for artist_id in ids:
        expected = expected_record_fields(catalogue[artist_id], development=development)
        assert {key: landed[artist_id][key] for key in expected} == expected, artist_id


def test_retry_after_1s_is_honoured_and_every_artist_lands(
    artists_csv: Path, catalogue: dict[str, Any], artist_ids: list[str], landing: Path
) -> None:
    ids = artist_ids[:600]  # 12 batches against a limit of 3 requests per 2 s window
    with EmulatorProcess(artists_csv, rate_limit=3, rate_window=2, retry_after=1) as emulator:
        settings = emulator_settings(emulator, SPOTIFY_WINDOW_SECONDS="2", **FAST_KNOBS)
        started = time.monotonic()
        summary = fetch_to_landing(ids, str(landing), settings)
        elapsed = time.monotonic() - started
        stats = emulator.stats()
    assert summary.exit_code == 0, summary.message
    assert (summary.ok, summary.failed, summary.skipped) == (600, 0, 0)
    assert stats["by_status"].get("429", 0) >= 1
    assert summary.rate_limited == stats["by_status"]["429"]
    assert elapsed < 60
    assert_landed_as_catalogue(landing, ids, catalogue, development=False)


def _stop_then_rerun(
    emulator_options: dict[str, Any],
    *,
    artists_csv: Path,
    catalogue: dict[str, Any],
    ids: list[str],
    landing: Path,
    workdir: Path,
) -> dict[str, Any]:
    """First run is stopped by the emulator; a second run against a fresh emulator finishes the job."""
    ids_file = write_ids(workdir / "ids.txt", ids)
    with EmulatorProcess(artists_csv, **emulator_options) as emulator:
        started = time.monotonic()
        first = run_cli(ids_file, landing, emulator_environ(emulator, **FAST_KNOBS), cwd=workdir)
        elapsed = time.monotonic() - started
    assert first.returncode == 4, first.stderr
    assert elapsed < 30, f"a stop must be clean and quick, took {elapsed:.1f}s"
    summary = first.summary
    assert summary["exit_code"] == 4
    assert summary["ok"] >= 50 and summary["skipped"] > 0
    assert summary["ok"] + summary["skipped"] == len(ids)
    kept = landed_records(landing)
    assert len(kept) == summary["ok"], "every answer fetched before the stop is landed"
    kept_ids = {record["artistId"] for record in kept}

    with EmulatorProcess(artists_csv) as emulator:
        second = run_cli(ids_file, landing, emulator_environ(emulator), cwd=workdir)
        asked_again = set(emulator.stats()["ids_requested"])
    assert second.returncode == 0, second.stderr
    assert second.summary["recovered"] == len(kept_ids)
    assert not asked_again & kept_ids, "answers kept from the stopped run must not be asked again"
    assert asked_again == set(ids) - kept_ids
    assert_landed_as_catalogue(landing, ids, catalogue, development=False)
    return {"first": first, "summary": summary}


def test_retry_after_above_the_cap_stops_cleanly_and_the_next_run_reuses_the_answers(
    artists_csv: Path, catalogue: dict[str, Any], artist_ids: list[str], landing: Path, workdir: Path
) -> None:
    result = _stop_then_rerun(
        {"rate_limit": 4, "retry_after": 3600},
        artists_csv=artists_csv,
        catalogue=catalogue,
        ids=artist_ids[:1000],
        landing=landing,
        workdir=workdir,
    )
    summary = result["summary"]
    assert summary["stop_reason"] == "rate_limit"
    assert summary["retry_after_seconds"] == 3600
    assert "run again after" in summary["message"]
    assert "run again after" in result["first"].stderr


def test_quota_exceeded_stops_cleanly_and_the_next_run_reuses_the_answers(
    artists_csv: Path, catalogue: dict[str, Any], artist_ids: list[str], landing: Path, workdir: Path
) -> None:
    result = _stop_then_rerun(
        {"quota_exceeded_after": 4},
        artists_csv=artists_csv,
        catalogue=catalogue,
        ids=artist_ids[1000:2000],
        landing=landing,
        workdir=workdir,
    )
    summary = result["summary"]
    assert summary["stop_reason"] == "quota"
    assert "QUOTA_EXCEEDED" in summary["message"]
    assert "run again later" in result["first"].stderr


def test_a_500_on_every_5th_request_is_retried_and_every_artist_lands(
    artists_csv: Path, catalogue: dict[str, Any], artist_ids: list[str], tmp_path: Path
) -> None:
    for quota, ids in (("extended", artist_ids[:1000]), ("development", artist_ids[1000:1300])):
        landing = tmp_path / quota
        with EmulatorProcess(artists_csv, quota=quota, fail_every=5) as emulator:
            summary = fetch_to_landing(ids, str(landing), emulator_settings(emulator, **FAST_KNOBS))
            stats = emulator.stats()
        assert summary.exit_code == 0, summary.message
        assert (summary.ok, summary.failed) == (len(ids), 0)
        assert stats["by_status"]["500"] >= len(ids) // 50 // 5
        assert_landed_as_catalogue(landing, ids, catalogue, development=quota == "development")


def test_a_2s_token_lifetime_on_a_10s_run_renews_and_every_artist_lands(
    artists_csv: Path, catalogue: dict[str, Any], artist_ids: list[str], landing: Path, workdir: Path
) -> None:
    ids = artist_ids[2000:2700]
    ids_file = write_ids(workdir / "ids.txt", ids)
    with EmulatorProcess(artists_csv, quota="development", latency_ms=50, token_ttl=2) as emulator:
        environ = emulator_environ(emulator, SPOTIFY_CONCURRENCY="4", **FAST_KNOBS)
        run = run_cli("-", landing, environ, "--progress-every", "1", cwd=workdir, stdin=ids_file.read_text())
        stats = emulator.stats()
    assert run.returncode == 0, run.stderr
    summary = run.summary
    assert summary["seconds"] >= 6, "the run must outlive several tokens"
    assert stats["tokens_issued"] >= summary["seconds"] // 2
    assert (summary["ok"], summary["failed"]) == (len(ids), 0)
    progress = [line for line in run.stderr.splitlines() if line.startswith("progress: ")]
    assert len(progress) >= 3
    assert f"/{len(ids)} artists" in progress[0]
    assert "artists/s" in progress[0] and "429" in progress[0]
    assert_landed_as_catalogue(landing, ids, catalogue, development=True)


@pytest.mark.parametrize(
    "kill", [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGTERM, 130)], ids=["kill-9", "sigterm"]
)
def test_killed_midway_then_a_rerun_lands_every_artist_exactly_once(
    artists_csv: Path, catalogue: dict[str, Any], artist_ids: list[str], workdir: Path, kill: tuple[int, int]
) -> None:
    signal_number, returncode = kill
    landing = workdir / "landing"
    ids = artist_ids[3000:3400]
    ids_file = write_ids(workdir / "ids.txt", ids)
    partial_root = landing / "spotify" / "partial"
    with EmulatorProcess(artists_csv, quota="development", latency_ms=50) as emulator:
        environ = emulator_environ(emulator, SPOTIFY_CONCURRENCY="2")
        process = subprocess.Popen(
            cli_command(ids_file, landing),
            cwd=workdir,
            env=cli_environ(environ, workdir),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(list(partial_root.glob("*/part-*.jsonl"))) < 2:
            time.sleep(0.05)
        os.kill(process.pid, signal_number)
        _, stderr = process.communicate(timeout=20)
        assert process.returncode == returncode, stderr
        if signal_number == signal.SIGTERM:
            assert b"the next run lands them" in stderr
        chunks = list(partial_root.glob("*/part-*.jsonl"))
        assert len(chunks) >= 2, "the killed run should have flushed some answers"
        answered_before_kill = {
            json.loads(line)["artistId"] for chunk in chunks for line in chunk.read_text().splitlines()
        }
        assert 0 < len(answered_before_kill) < len(ids)
        assert landed_records(landing) == []

        emulator.reset_stats()
        rerun = run_cli(ids_file, landing, emulator_settings_environ(emulator), cwd=workdir)
        asked_again = set(emulator.stats()["ids_requested"])

    assert rerun.returncode == 0, rerun.stderr
    summary = rerun.summary
    assert summary["recovered"] == len(answered_before_kill)
    assert len(summary["recovered_files"]) == 1
    assert not asked_again & answered_before_kill
    assert list(partial_root.glob("*/*")) == []
    assert_landed_as_catalogue(landing, ids, catalogue, development=True)


def emulator_settings_environ(emulator: EmulatorProcess) -> dict[str, str]:
    return emulator_environ(emulator, SPOTIFY_CONCURRENCY="16")


def test_bad_secret_exits_3_with_a_clear_message_and_never_prints_the_secret(
    artists_csv: Path, artist_ids: list[str], landing: Path, workdir: Path
) -> None:
    wrong_secret = "wrong-secret-6f1c0d9e2b7a4c58"
    ids_file = write_ids(workdir / "ids.txt", artist_ids[:120])
    with EmulatorProcess(artists_csv) as emulator:
        environ = {**emulator.settings_environ(), "SPOTIFY_CLIENT_SECRET": wrong_secret}
        run = run_cli(ids_file, landing, environ, "--verbose", cwd=workdir)
        stats = emulator.stats()
    assert run.returncode == 3, run.stderr
    assert "SPOTIFY_CLIENT_SECRET" in run.stderr and "SPOTIFY_CLIENT_ID" in run.stderr
    assert "invalid_client" in run.stderr
    for output in (run.stdout, run.stderr):
        assert wrong_secret not in output
        assert emulator.client_secret not in output
    summary = run.summary
    assert summary["stop_reason"] == "auth"
    assert summary["file"] is None and summary["ok"] == 0 and summary["skipped"] == 120
    assert stats["by_kind"].get("batch", 0) == 0 and stats["by_kind"].get("single", 0) == 0
    assert not landing.exists() or landed_records(landing) == []


def test_batch_mode_on_a_development_app_stops_with_exit_3_naming_the_api_mode_setting(
    artists_csv: Path, artist_ids: list[str], landing: Path
) -> None:
    with EmulatorProcess(artists_csv, quota="development") as emulator:
        settings = emulator_settings(emulator, SPOTIFY_API_MODE="batch")
        summary = fetch_to_landing(artist_ids[:200], str(landing), settings)
    assert summary.exit_code == 3
    assert summary.stop_reason == "auth"
    assert "SPOTIFY_API_MODE" in summary.message
    assert summary.skipped == 200


def test_a_401_that_survives_a_renewed_token_ends_the_run_with_exit_3(
    artists_csv: Path, artist_ids: list[str], landing: Path, workdir: Path
) -> None:
    """Tokens from one emulator are unknown to another: every API call answers 401 'Invalid access token'."""
    ids_file = write_ids(workdir / "ids.txt", artist_ids[:100])
    with EmulatorProcess(artists_csv) as accounts, EmulatorProcess(artists_csv) as api:
        environ = {
            **accounts.settings_environ(),
            "SPOTIFY_API_URL": api.api_url,
        }
        run = run_cli(ids_file, landing, environ, cwd=workdir)
        api_stats, accounts_stats = api.stats(), accounts.stats()
    assert run.returncode == 3, run.stderr
    assert run.summary["stop_reason"] == "auth"
    assert "SPOTIFY_API_URL" in run.stderr
    assert api_stats["by_status"]["401"] >= 2
    assert accounts_stats["tokens_issued"] >= 2, "the first 401 must renew the token once"
    assert api_stats["by_status"]["401"] <= 2 * 4, "each request renews once, then gives up"


def test_timeouts_and_refused_connections_fail_after_bounded_retries_exit_5_and_are_asked_again_next_run(
    artists_csv: Path, catalogue: dict[str, Any], artist_ids: list[str], landing: Path
) -> None:
    ids = artist_ids[4000:4100]
    knobs = {**FAST_KNOBS, "SPOTIFY_READ_TIMEOUT_SECONDS": "0.2", "SPOTIFY_MAX_RETRIES": "2"}
    with EmulatorProcess(artists_csv, latency_ms=1500) as slow:
        settings = emulator_settings(slow, **knobs)
        started = time.monotonic()
        timed_out = fetch_to_landing(ids, str(landing), settings)
        elapsed = time.monotonic() - started
    # The token request times out on each of its 3 attempts: no request can be sent, the run stops.
    assert (timed_out.exit_code, timed_out.stop_reason) == (5, "unreachable"), timed_out.message
    assert (timed_out.ok, timed_out.skipped, timed_out.file) == (0, len(ids), None)
    assert "Spotify unreachable since" in timed_out.message and "ReadTimeout" in timed_out.message
    assert "SPOTIFY_ACCOUNTS_URL" in timed_out.message
    assert elapsed < 20

    with EmulatorProcess(artists_csv) as healthy:
        # Tokens come, the API refuses every connection: 2 batches of 3 attempts each are too few to
        # call Spotify unreachable, but a run in which every artist failed never exits 0.
        closed = emulator_settings(healthy, **knobs, SPOTIFY_API_URL=closed_port_url() + "/v1")
        refused = fetch_to_landing(ids, str(landing), closed)
    assert (refused.exit_code, refused.stop_reason) == (5, "all_failed"), refused.message
    assert (refused.ok, refused.failed, refused.file) == (0, len(ids), None)
    assert sorted(refused.failed_ids) == sorted(ids)
    assert all(
        "ConnectionError" in reason and "3 attempts" in reason for reason in refused.failed_reasons.values()
    )
    assert f"every one of the {len(ids)} artists asked failed" in refused.message

    with EmulatorProcess(artists_csv) as healthy:
        gone = emulator_settings(healthy, **knobs)
    # The emulator is gone: every connection, the token's first, is refused.
    refused_all = fetch_to_landing(ids, str(landing), gone)
    assert (refused_all.exit_code, refused_all.stop_reason) == (5, "unreachable"), refused_all.message
    assert "SPOTIFY_ACCOUNTS_URL" in refused_all.message

    with EmulatorProcess(artists_csv) as healthy:
        recovered = fetch_to_landing(ids, str(landing), emulator_settings(healthy))
        asked = healthy.stats()["ids_requested"]
    assert (recovered.ok, recovered.failed, recovered.recovered) == (len(ids), 0, 0)
    assert set(asked) == set(ids), "failed artists are asked again on the next run"
    assert_landed_as_catalogue(landing, ids, catalogue, development=False)
