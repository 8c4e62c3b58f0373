"""Start the Spotify emulator as a subprocess on a free port, for tests, the demo and benchmarks.

Usage: `with EmulatorProcess("catalogue.jsonl", quota="development", rate_limit=20) as emulator:` then
point a fetcher at `emulator.settings_environ()` (the SPOTIFY_* variables) and read `emulator.stats()`.
"""

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from spotify_enrichment_dev.emulator import (
    CLIENT_SECRET_ENV,
    DEFAULT_CLIENT_ID,
    REFRESH_TOKEN_ENV,
    EmulatorStats,
)

PACKAGE_PARENT = Path(__file__).resolve().parents[1]


class EmulatorStartError(RuntimeError):
    """The emulator subprocess exited or did not answer in time; the message carries its stderr."""


class EmulatorProcess:
    """The emulator in a subprocess of this interpreter, bound to a free port on 127.0.0.1.

    Options are the CLI's (`python -m spotify_enrichment_dev.emulator --help`). The client secret defaults to
    a fresh random value per process and reaches the subprocess through its environment, never argv.
    """

    MODULE = "spotify_enrichment_dev.emulator"
    NAME = "the Spotify emulator"

    def __init__(
        self,
        catalogue: str | Path | Iterable[str | Path] | None = None,
        *,
        quota: str = "extended",
        rate_limit: int = 0,
        rate_window: float = 30.0,
        retry_after: int | None = None,
        omit_retry_after: bool = False,
        quota_exceeded_after: int | None = None,
        fail_every: int = 0,
        fail_status: int = 500,
        latency_ms: int = 0,
        token_ttl: float = 3600.0,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str | None = None,
        refresh_token: str | None = None,
        reject_ids: Sequence[str] = (),
        verbose: bool = False,
        extra_args: Sequence[str] = (),
        ready_timeout: float = 15.0,
    ) -> None:
        if catalogue is None:
            self.catalogue_files: list[Path] = []
        elif isinstance(catalogue, str | Path):
            self.catalogue_files = [Path(catalogue)]
        else:
            self.catalogue_files = [Path(path) for path in catalogue]
        self.client_id = client_id
        self.client_secret = client_secret if client_secret is not None else secrets.token_hex(16)
        self.refresh_token = refresh_token
        self.ready_timeout = ready_timeout
        self._options: list[str] = [
            "--quota",
            quota,
            "--rate-limit",
            str(rate_limit),
            "--rate-window",
            str(rate_window),
            "--fail-every",
            str(fail_every),
            "--fail-status",
            str(fail_status),
            "--latency-ms",
            str(latency_ms),
            "--token-ttl",
            str(token_ttl),
            "--client-id",
            client_id,
        ]
        if retry_after is not None:
            self._options += ["--retry-after", str(retry_after)]
        if omit_retry_after:
            self._options.append("--omit-retry-after")
        if quota_exceeded_after is not None:
            self._options += ["--quota-exceeded-after", str(quota_exceeded_after)]
        for path in self.catalogue_files:
            self._options += ["--catalogue", str(path)]
        if reject_ids:
            self._options += ["--reject-ids", ",".join(reject_ids)]
        if verbose:
            self._options.append("--verbose")
        self._options += list(extra_args)
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None
        self._port: int | None = None
        self._stderr_after_stop = ""

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self) -> Self:
        """Start the subprocess and return once `/_stats` answers; raise EmulatorStartError otherwise."""
        if self._process is not None:
            raise RuntimeError("this EmulatorProcess is already started")
        self._workdir = tempfile.TemporaryDirectory(prefix="spotify-emulator-")
        workdir = Path(self._workdir.name)
        port_file = workdir / "port"
        environ = dict(os.environ)
        environ[CLIENT_SECRET_ENV] = self.client_secret
        if self.refresh_token is not None:
            environ[REFRESH_TOKEN_ENV] = self.refresh_token
        environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(PACKAGE_PARENT), environ.get("PYTHONPATH")])
        )
        command = [
            sys.executable,
            "-m",
            self.MODULE,
            "--port",
            "0",
            "--port-file",
            str(port_file),
        ]
        with (workdir / "stdout.log").open("wb") as stdout, (workdir / "stderr.log").open("wb") as stderr:
            self._process = subprocess.Popen(
                [*command, *self._options],
                stdout=stdout,
                stderr=stderr,
                env=environ,
                stdin=subprocess.DEVNULL,
            )
        try:
            self._wait_until_ready(port_file)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self, port_file: Path) -> None:
        process = self._process
        assert process is not None
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise EmulatorStartError(
                    f"{self.NAME} exited with code {process.returncode} before it was ready: "
                    f"{self.stderr_text().strip() or '(no stderr)'}"
                )
            if self._port is None and port_file.is_file():
                self._port = int(port_file.read_text(encoding="utf-8"))
            if self._port is not None:
                try:
                    self.stats()
                    return
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
            time.sleep(0.02)
        raise EmulatorStartError(
            f"{self.NAME} did not answer within {self.ready_timeout:.0f} s: "
            f"{self.stderr_text().strip() or '(no stderr)'}"
        )

    def stop(self, timeout: float = 5.0) -> int | None:
        """Terminate the subprocess (kill it after `timeout` seconds); return its exit code."""
        process = self._process
        returncode = None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=timeout)
            returncode = process.returncode
        if self._workdir is not None:
            self._stderr_after_stop = self.stderr_text()
            self._workdir.cleanup()
            self._workdir = None
        return returncode

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # --- addresses and helpers --------------------------------------------------------------------

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("the emulator is not started")
        return self._process.pid

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the emulator is not started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def accounts_url(self) -> str:
        """The value for SPOTIFY_ACCOUNTS_URL: the token endpoint is `{accounts_url}/api/token`."""
        return self.base_url

    @property
    def api_url(self) -> str:
        """The value for SPOTIFY_API_URL."""
        return self.base_url + "/v1"

    def settings_environ(self) -> dict[str, str]:
        """SPOTIFY_* environment variables that point a fetcher at this emulator."""
        environ = {
            "SPOTIFY_CLIENT_ID": self.client_id,
            "SPOTIFY_CLIENT_SECRET": self.client_secret,
            "SPOTIFY_API_URL": self.api_url,
            "SPOTIFY_ACCOUNTS_URL": self.accounts_url,
        }
        if self.refresh_token is not None:
            environ["SPOTIFY_REFRESH_TOKEN"] = self.refresh_token
        return environ

    def stats(self) -> EmulatorStats:
        """`GET /_stats`: request counts since start or the last reset."""
        return self._stats_request("GET", "/_stats")

    def reset_stats(self) -> EmulatorStats:
        """`POST /_stats/reset`: clear counts, the rate-limit window and the fail/quota counters."""
        return self._stats_request("POST", "/_stats/reset")

    def _stats_request(self, method: str, path: str) -> EmulatorStats:
        url = self.base_url + path  # always http://127.0.0.1:PORT/...
        request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)  # noqa: S310
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return json.loads(response.read())

    def stderr_text(self) -> str:
        """What the emulator wrote to stderr so far (the last of it once stopped)."""
        if self._workdir is None:
            return self._stderr_after_stop
        return (Path(self._workdir.name) / "stderr.log").read_text(encoding="utf-8", errors="replace")


class MusicBrainzEmulatorProcess(EmulatorProcess):
    """The MusicBrainz emulator (`python -m spotify_enrichment_dev.musicbrainz_emulator --help`) in a
    subprocess on a free port; `settings_environ()` gives the MUSICBRAINZ_* settings that point at it."""

    MODULE = "spotify_enrichment_dev.musicbrainz_emulator"
    NAME = "the MusicBrainz emulator"

    def __init__(
        self,
        catalogue: str | Path | Iterable[str | Path] | None = None,
        *,
        rate_limit: float = 1.0,
        burst: float = 1.0,
        fail_every: int = 0,
        fail_status: int = 503,
        latency_ms: int = 0,
        stall_every: int = 0,
        stall_ms: int = 0,
        retry_after: int | None = None,
        ready_timeout: float = 15.0,
    ) -> None:
        super().__init__(catalogue, ready_timeout=ready_timeout)
        self._options = [
            "--rate-limit",
            str(rate_limit),
            "--burst",
            str(burst),
            "--fail-every",
            str(fail_every),
            "--fail-status",
            str(fail_status),
            "--latency-ms",
            str(latency_ms),
            "--stall-every",
            str(stall_every),
            "--stall-ms",
            str(stall_ms),
        ]
        if retry_after is not None:
            self._options += ["--retry-after", str(retry_after)]
        for path in self.catalogue_files:
            self._options += ["--catalogue", str(path)]
        self.rate_limit = rate_limit

    @property
    def api_url(self) -> str:
        """The value for MUSICBRAINZ_API_URL."""
        return self.base_url + "/ws/2"

    def settings_environ(self) -> dict[str, str]:  # type: ignore[override]
        return {
            "MUSICBRAINZ_API_URL": self.api_url,
            "MUSICBRAINZ_REQUESTS_PER_SECOND": str(self.rate_limit or 1000),
        }

    def stats(self) -> Any:  # type: ignore[override]
        return self._stats_request("GET", "/_stats")

    def reset_stats(self) -> Any:  # type: ignore[override]
        return self._stats_request("POST", "/_stats/reset")
