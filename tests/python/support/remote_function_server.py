"""A BigQuery remote-function handler served over real HTTP by functions-framework, for tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

PROJECT_ROOT = Path(__file__).resolve().parents[3]
HANDLER_SOURCE = PROJECT_ROOT / "spotify_enrichment" / "remote_function.py"
HANDLER_TARGET = "enrich_artists_remote"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RemoteFunctionServer:
    """`functions-framework --target enrich_artists_remote` on a free 127.0.0.1 port, with the
    SPOTIFY_* settings given (as Cloud Run would pass them from env vars and Secret Manager)."""

    def __init__(self, spotify_environ: Mapping[str, str], log_path: Path) -> None:
        self._environ = {
            **{key: value for key, value in os.environ.items() if not key.startswith("SPOTIFY_")},
            **spotify_environ,
        }
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> RemoteFunctionServer:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}/"
        command = [
            str(Path(sys.executable).parent / "functions-framework"),
            f"--target={HANDLER_TARGET}",
            f"--source={HANDLER_SOURCE}",
            "--host=127.0.0.1",
            f"--port={port}",
        ]
        with self._log_path.open("wb") as log_file:
            self._process = subprocess.Popen(
                command,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=self._environ,
                cwd=self._log_path.parent,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"functions-framework exited: {self.log_text()}")
            try:
                requests.get(self.url, timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"functions-framework did not answer within 20 s: {self.log_text()}")

    def call(self, artist_ids: list[Any], **extra: Any) -> requests.Response:
        body = {
            "requestId": "test-request",
            "caller": "//bigquery.googleapis.com/projects/local-project/jobs/test",
            "sessionUser": "test@example.com",
            "userDefinedContext": {},
            "calls": [[artist_id] for artist_id in artist_ids],
            **extra,
        }
        return requests.post(self.url, json=body, timeout=60)

    def log_text(self) -> str:
        return self._log_path.read_text(encoding="utf-8", errors="replace") if self._log_path.exists() else ""

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> RemoteFunctionServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
