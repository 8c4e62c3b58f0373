"""The emulator as a program: its command line, start-up, logging and shutdown, and EmulatorProcess."""

import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from emulator_helpers import SpotifyClient

from spotify_enrichment_dev.emulator_process import EmulatorProcess, EmulatorStartError

BEYONCE = "6vWDO969PvNqNYHIOW5v0m"

StartEmulator = Callable[..., SpotifyClient]


def run_emulator_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spotify_enrichment_dev.emulator", *arguments],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_help_documents_every_option() -> None:
    result = run_emulator_cli("--help")

    assert result.returncode == 0
    for option in (
        "--port",
        "--port-file",
        "--catalogue",
        "--quota",
        "--rate-limit",
        "--rate-window",
        "--retry-after",
        "--omit-retry-after",
        "--quota-exceeded-after",
        "--fail-every",
        "--fail-status",
        "--latency-ms",
        "--token-ttl",
        "--client-id",
        "--client-secret",
        "--refresh-token",
        "--verbose",
        "/_stats",
        "QUOTA_EXCEEDED",
    ):
        assert option in result.stdout, option


@pytest.mark.parametrize(
    "arguments",
    [("--rate-limit", "-1"), ("--token-ttl", "0"), ("--fail-status", "404"), ("--quota", "premium")],
)
def test_invalid_option_values_are_refused(arguments: tuple[str, str]) -> None:
    result = run_emulator_cli(*arguments)

    assert result.returncode == 2
    assert arguments[0] in result.stderr


def test_malformed_catalogue_stops_start_up_with_file_and_line(tmp_path: Path) -> None:
    catalogue = tmp_path / "artists.csv"
    catalogue.write_text("id,name,artist_popularity,followers,genre\nnot-an-id,X,1,1,\n", encoding="utf-8")

    with pytest.raises(EmulatorStartError) as raised:
        EmulatorProcess(catalogue).start()

    assert "exited with code 2" in str(raised.value)
    assert f"{catalogue}, line 2: artist id 'not-an-id'" in str(raised.value)


def test_logging_is_quiet_by_default(start_emulator: StartEmulator) -> None:
    client = start_emulator()
    assert client.one_artist(BEYONCE).status_code == 200
    assert client.request_token(client_secret="wrong").status_code == 400

    assert client.emulator.stderr_text() == ""


def test_verbose_logs_requests_but_never_secrets(start_emulator: StartEmulator) -> None:
    client = start_emulator(verbose=True, refresh_token="refresh-token-value-7f3a")
    token = client.token()
    assert client.one_artist(BEYONCE, token).status_code == 200

    log = client.emulator.stderr_text()

    assert f"GET /v1/artists/{BEYONCE}" in log
    assert "POST /api/token" in log
    for secret in (token, client.emulator.client_secret, "refresh-token-value-7f3a"):
        assert secret not in log


def test_client_secret_is_not_on_the_command_line(start_emulator: StartEmulator) -> None:
    client = start_emulator(refresh_token="refresh-token-value-7f3a")
    command_line = Path(f"/proc/{client.emulator.pid}/cmdline").read_bytes().decode()

    assert "spotify_enrichment_dev.emulator" in command_line
    assert client.emulator.client_secret not in command_line
    assert "refresh-token-value-7f3a" not in command_line


def test_each_process_gets_its_own_free_port_and_secret(artists_csv: Path) -> None:
    with EmulatorProcess(artists_csv) as first, EmulatorProcess(artists_csv) as second:
        assert first.port != second.port
        assert first.client_secret != second.client_secret
        assert first.api_url == first.base_url + "/v1"
        assert first.accounts_url == first.base_url
        assert first.settings_environ() == {
            "SPOTIFY_CLIENT_ID": first.client_id,
            "SPOTIFY_CLIENT_SECRET": first.client_secret,
            "SPOTIFY_API_URL": first.api_url,
            "SPOTIFY_ACCOUNTS_URL": first.accounts_url,
        }
        assert first.stats()["catalogue_size"] == 11_518


def test_stop_ends_the_process_cleanly_and_frees_the_port(artists_csv: Path) -> None:
    emulator = EmulatorProcess(artists_csv).start()
    stats_url = emulator.base_url + "/_stats"

    assert emulator.stop() == 0
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(stats_url, timeout=2)  # noqa: S310 - local http URL


def test_cli_writes_the_bound_port_and_announces_it(tmp_path: Path, artists_csv: Path) -> None:
    port_file = tmp_path / "port"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "spotify_enrichment_dev.emulator",
            "--catalogue",
            str(artists_csv),
            "--port-file",
            str(port_file),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline() if process.stdout else ""
        port = int(port_file.read_text(encoding="utf-8"))
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stats", timeout=5) as answer:
            assert answer.status == 200
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert (
        first_line
        == f"spotify emulator listening on http://127.0.0.1:{port} (11518 artists, extended quota)\n"
    )
    assert process.returncode == 0
