"""The in-memory API (for the BigQuery remote function), gs:// landing, the CLI surface, and secrets."""

from __future__ import annotations

import os
import re
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
    emulator_environ,
    emulator_settings,
    expected_record_fields,
    run_cli,
    write_ids,
)
from support.gcs_emulator import GcsEmulator

from spotify_enrichment import cli
from spotify_enrichment.client import AccessToken, SpotifyClient
from spotify_enrichment.fetcher import fetch_artists, fetch_to_landing
from spotify_enrichment.landing import (
    LANDING_FILE_NAME,
    LANDING_PREFIX,
    PARTIAL_PREFIX,
    open_store,
    parse_landing_lines,
)
from spotify_enrichment.settings import SETTING_DOCS
from spotify_enrichment_dev.emulator_process import EmulatorProcess


def test_fetch_artists_returns_an_outcome_per_input_and_lands_nothing(
    artists_csv: Path, catalogue: dict[str, Any], artist_ids: list[str], tmp_path: Path
) -> None:
    ids = [*artist_ids[:120], "0000000000000000000000", "bad id", artist_ids[0]]
    with EmulatorProcess(artists_csv) as emulator, SpotifyClient(emulator_settings(emulator)) as client:
        first = fetch_artists(ids, client.settings, client=client)
        second = fetch_artists(artist_ids[120:130], client.settings, client=client)
        stats = emulator.stats()
    assert set(first.outcomes) == set(ids)
    assert first.stop_reason is None and not first.throttled
    assert first.outcomes["bad id"].status == "invalid"
    assert first.outcomes["0000000000000000000000"].status == "not_found"
    for artist_id in artist_ids[:120]:
        outcome = first.outcomes[artist_id]
        assert outcome.status == "ok" and outcome.record is not None
        expected = expected_record_fields(catalogue[artist_id], development=False)
        assert {key: outcome.record[key] for key in expected} == expected
    assert all(outcome.status == "ok" for outcome in second.outcomes.values())
    assert stats["tokens_issued"] == 1, "a long-lived client reuses its token across calls"
    assert list(tmp_path.iterdir()) == []


def test_fetch_artists_tells_the_caller_spotify_throttled_it(
    artists_csv: Path, artist_ids: list[str]
) -> None:
    with EmulatorProcess(artists_csv, quota="development", rate_limit=5, retry_after=3600) as emulator:
        result = fetch_artists(artist_ids[:40], emulator_settings(emulator, SPOTIFY_CONCURRENCY="2"))
        answered = emulator.stats()["by_kind_status"]["single"]["200"]
    assert result.throttled and result.stop_reason == "rate_limit"
    assert result.retry_after_seconds == 3600
    statuses = [outcome.status for outcome in result.outcomes.values()]
    assert 1 <= statuses.count("ok") == answered < 5  # the refused batch call counts in the limit too
    assert set(statuses) == {"ok", "skipped"}


def test_a_400_on_a_batch_is_split_to_isolate_the_offending_id(
    artists_csv: Path, artist_ids: list[str]
) -> None:
    ids = artist_ids[:50]
    with EmulatorProcess(artists_csv, reject_ids=[ids[17]]) as emulator:
        result = fetch_artists(ids, emulator_settings(emulator))
        batch_answers = emulator.stats()["by_kind_status"]["batch"]
    failed = [outcome for outcome in result.outcomes.values() if outcome.status == "failed"]
    assert [outcome.artist_id for outcome in failed] == [ids[17]]
    assert "invalid id" in (failed[0].reason or "")
    assert sum(outcome.status == "ok" for outcome in result.outcomes.values()) == 49
    # The full batch was refused, then halves until the one ID stood alone; the rest was answered.
    assert batch_answers["400"] >= 2
    assert batch_answers["200"] >= 1


def test_landing_on_gcs_and_recovering_a_killed_run_there(
    artists_csv: Path, catalogue: dict[str, Any], artist_ids: list[str], workdir: Path
) -> None:
    ids = artist_ids[5000:5300]
    ids_file = write_ids(workdir / "ids.txt", ids)
    uri = "gs://landing-test/enrichment"
    with GcsEmulator(bucket="landing-test") as gcs:
        store = open_store(uri)
        with EmulatorProcess(artists_csv, quota="development", latency_ms=50) as emulator:
            environ = {**emulator_environ(emulator, SPOTIFY_CONCURRENCY="2"), **gcs.environ()}
            process = subprocess.Popen(
                cli_command(ids_file, uri),
                cwd=workdir,
                env=cli_environ(environ, workdir),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(store.list(PARTIAL_PREFIX)) < 3:  # run.json + 2 chunks
                time.sleep(0.1)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            assert store.list(LANDING_PREFIX) == []
            assert len(store.list(PARTIAL_PREFIX)) >= 3

            summary = fetch_to_landing(ids, uri, emulator_settings(emulator))
        assert summary.exit_code == 0, summary.message
        assert summary.recovered > 0 and len(summary.recovered_files) == 1
        assert summary.file is not None and summary.file.startswith(f"{uri}/spotify/landing/")
        assert re.fullmatch(rf"{uri}/spotify/landing/{LANDING_FILE_NAME.pattern}", summary.file)
        records = [
            record
            for key in store.list(LANDING_PREFIX)
            for record in parse_landing_lines(store.read_bytes(key).decode(), key)
        ]
        assert store.list(PARTIAL_PREFIX) == []
    landed = assert_each_artist_once(records)  # type: ignore[arg-type]
    assert set(landed) == set(ids)
    for artist_id in ids:
        expected = expected_record_fields(catalogue[artist_id], development=True)
        assert {key: landed[artist_id][key] for key in expected} == expected


def test_help_documents_every_option_and_setting(workdir: Path) -> None:
    completed = subprocess.run(
        [*cli_command("x", "y")[:4], "--help"],
        cwd=workdir,
        env=cli_environ({}, workdir),
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0
    for option in ("--ids-file", "--landing-uri", "--api-mode", "--run-id", "--env-file", "--progress-every"):
        assert option in completed.stdout
    for name in SETTING_DOCS:
        assert name in completed.stdout
    for code in ("0 ", "2 ", "3 ", "4 "):
        assert f"\n  {code}" in completed.stdout


def test_missing_ids_file_and_bad_settings_exit_2_naming_the_input(workdir: Path) -> None:
    environ = {"SPOTIFY_CLIENT_ID": "id", "SPOTIFY_CLIENT_SECRET": "secret-x"}
    missing = run_cli(workdir / "missing.txt", workdir / "landing", environ, cwd=workdir)
    assert missing.returncode == 2
    assert "missing.txt" in missing.stderr
    bad_mode = run_cli(
        "-", workdir / "landing", {**environ, "SPOTIFY_API_MODE": "turbo"}, cwd=workdir, stdin=""
    )
    assert bad_mode.returncode == 2
    assert "SPOTIFY_API_MODE" in bad_mode.stderr
    bad_uri = run_cli("-", "s3://elsewhere", environ, cwd=workdir, stdin="0000000000000000000000\n")
    assert bad_uri.returncode == 2
    assert "s3://elsewhere" in bad_uri.stderr


@pytest.fixture
def issued_tokens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every access token the fetcher receives (a spy around the real token parser)."""
    issued: list[str] = []
    original_parse = AccessToken._parse

    def recording_parse(response: Any, started: float) -> tuple[str, float]:
        token, renew_at = original_parse(response, started)
        issued.append(token)
        return token, renew_at

    monkeypatch.setattr(AccessToken, "_parse", staticmethod(recording_parse))
    return issued


def test_no_secret_or_access_token_in_any_log_line_or_output(
    artists_csv: Path,
    tmp_path: Path,
    issued_tokens: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A run that renews tokens, retries 500s and switches mode, then one with a refused refresh token:
    grep everything they printed, logged (DEBUG, urllib3 included) and landed for the client secret, the
    refresh token and every access token issued."""
    first_ids = [line.split("\t")[0] for line in artists_csv.read_text(encoding="utf-8").splitlines()[1:301]]
    ids_file = write_ids(tmp_path / "ids.txt", [*first_ids, "not an id"])
    refresh_token = "refresh-token-3f9a7c21d4"
    with EmulatorProcess(
        artists_csv, quota="development", fail_every=7, token_ttl=1, latency_ms=20
    ) as emulator:
        secret = emulator.client_secret
        for name, value in emulator_environ(emulator, SPOTIFY_CONCURRENCY="4", **FAST_KNOBS).items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)
        landing = tmp_path / "landing"
        exit_code = cli.main(
            ["fetch", "--ids-file", str(ids_file), "--landing-uri", str(landing), "--verbose"]
        )
        monkeypatch.setenv("SPOTIFY_REFRESH_TOKEN", refresh_token)
        refused = cli.main(["fetch", "--ids-file", str(ids_file), "--landing-uri", str(tmp_path / "other")])
    captured = capsys.readouterr()
    assert exit_code == 2  # the malformed ID; every valid one landed
    assert refused == 3
    assert "SPOTIFY_REFRESH_TOKEN" in captured.err
    assert "urllib3" in captured.err, "debug logging of the HTTP layer should be on"
    assert len(issued_tokens) >= 2, "the run should have renewed its token"
    outputs = {"stdout": captured.out, "stderr": captured.err}
    for path in tmp_path.rglob("*.jsonl"):
        outputs[str(path)] = path.read_text(encoding="utf-8")
    assert len(outputs) >= 3, "the run should have landed a file"
    for name, text in outputs.items():
        for value in (secret, refresh_token, *issued_tokens):
            assert value not in text, f"a secret or token leaked into {name}"


def test_the_refresh_token_grant_is_used_when_a_refresh_token_is_set(
    artists_csv: Path, artist_ids: list[str], tmp_path: Path
) -> None:
    with EmulatorProcess(artists_csv, refresh_token="refresh-abc-123") as emulator:
        settings = emulator_settings(emulator)
        assert settings.refresh_token == "refresh-abc-123"
        summary = fetch_to_landing(artist_ids[:60], str(tmp_path / "landing"), settings)
        stats = emulator.stats()
        expired = emulator_settings(emulator, SPOTIFY_REFRESH_TOKEN="refresh-from-last-year")
        refused = fetch_to_landing(artist_ids[:60], str(tmp_path / "other"), expired)
    assert summary.exit_code == 0, summary.message
    assert summary.ok == 60
    assert stats["tokens_issued"] == 1
    assert refused.exit_code == 3
    assert "SPOTIFY_REFRESH_TOKEN" in refused.message and "invalid_grant" in refused.message
    assert "refresh-from-last-year" not in refused.message


def test_the_cli_reads_settings_from_dotenv_and_the_environment_wins(
    artists_csv: Path, artist_ids: list[str], workdir: Path
) -> None:
    ids_file = write_ids(workdir / "ids.txt", artist_ids[:60])
    with EmulatorProcess(artists_csv) as emulator:
        dotenv = "".join(f"{name}={value}\n" for name, value in emulator.settings_environ().items())
        (workdir / ".env").write_text(dotenv + "SPOTIFY_API_MODE=single\n", encoding="utf-8")
        from_dotenv = run_cli(ids_file, workdir / "landing", {}, cwd=workdir)
        overridden = run_cli(ids_file, workdir / "other", {"SPOTIFY_API_MODE": "batch"}, cwd=workdir)
        elsewhere = workdir / "settings.env"
        elsewhere.write_text(dotenv, encoding="utf-8")
        (workdir / ".env").unlink()
        explicit = run_cli(ids_file, workdir / "third", {}, "--env-file", str(elsewhere), cwd=workdir)
    assert from_dotenv.returncode == 0, from_dotenv.stderr
    assert (from_dotenv.summary["ok"], from_dotenv.summary["api_mode"]) == (60, "single")
    assert overridden.returncode == 0, overridden.stderr
    assert overridden.summary["api_mode"] == "batch"
    assert explicit.returncode == 0, explicit.stderr
    assert explicit.summary["ok"] == 60
