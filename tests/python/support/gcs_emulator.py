"""gcp-storage-emulator in a subprocess on a free 127.0.0.1 port, for tests that use gs:// landing URIs.

with GcsEmulator(bucket="landing-test") as gcs:
    # STORAGE_EMULATOR_HOST points google-cloud-storage at the emulator inside the block
    store = open_store(f"gs://{gcs.bucket}")
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

EMULATOR_ENV = "STORAGE_EMULATOR_HOST"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class GcsEmulatorError(RuntimeError):
    """The GCS emulator did not start; the message carries its output."""


class GcsEmulator:
    """Start `gcp-storage-emulator` (in-memory) with a default bucket; set STORAGE_EMULATOR_HOST for
    clients in this process while inside the `with` block (and restore it after)."""

    def __init__(self, bucket: str = "landing-test", *, ready_timeout: float = 20.0) -> None:
        self.bucket = bucket
        self.ready_timeout = ready_timeout
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log: tempfile._TemporaryFileWrapper[bytes] | None = None
        self._previous_env: str | None = None

    @property
    def host(self) -> str:
        """The value of STORAGE_EMULATOR_HOST."""
        return f"http://127.0.0.1:{self.port}"

    def environ(self) -> dict[str, str]:
        """Environment variables for a subprocess that should use this emulator."""
        return {EMULATOR_ENV: self.host}

    def start(self) -> GcsEmulator:
        executable = Path(sys.executable).with_name("gcp-storage-emulator")
        command = [str(executable)] if executable.exists() else [sys.executable, "-m", "gcp_storage_emulator"]
        for _attempt in range(3):  # a free port can be taken between the probe and the bind
            self.port = free_port()
            self._log = tempfile.NamedTemporaryFile(prefix="gcs-emulator-", suffix=".log")  # noqa: SIM115
            self._process = subprocess.Popen(
                [
                    *command,
                    "start",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--in-memory",
                    "--default-bucket",
                    self.bucket,
                ],
                stdout=self._log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            if self._wait_until_ready():
                self._previous_env = os.environ.get(EMULATOR_ENV)
                os.environ[EMULATOR_ENV] = self.host
                return self
            self._terminate()
        raise GcsEmulatorError(f"gcp-storage-emulator did not start: {self._output()}")

    def _wait_until_ready(self) -> bool:
        assert self._process is not None
        deadline = time.monotonic() + self.ready_timeout
        url = f"{self.host}/storage/v1/b/{self.bucket}"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (our own 127.0.0.1 URL)
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        return False

    def _output(self) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        return Path(self._log.name).read_text(encoding="utf-8", errors="replace")[-2000:]

    def _terminate(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
        self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self) -> None:
        if self._previous_env is None:
            os.environ.pop(EMULATOR_ENV, None)
        else:
            os.environ[EMULATOR_ENV] = self._previous_env
        self._terminate()

    def __enter__(self) -> GcsEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
