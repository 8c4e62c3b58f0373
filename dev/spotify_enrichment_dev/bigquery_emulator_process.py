"""Start the BigQuery emulator (bqemulator) on a free 127.0.0.1 port for tests and scripts.

bqemulator lives in its own virtualenv, `.bqemulator-venv` at the project root, installed from
`requirements-bqemulator.lock`: it pins its own DuckDB and needs DuckDB's spatial extension, which
it would download at start-up; here the extension comes from PyPI (duckdb-extension-spatial) and
is copied into DuckDB's extension folder once by `duckdb_extensions.import_extension`.

The caller names the project root (the repository folder holding the lock file): this module may be
installed anywhere, so it never guesses the project from its own location. Installing needs PyPI, so
only `make bqemulator` (`python -m spotify_enrichment_dev.bigquery_emulator_process --project-root DIR`)
and `scripts/test_bigquery.py` install; starting the emulator (the tests) only checks the virtualenv.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import requests

logger = logging.getLogger(__name__)

VENV_DIR_NAME = ".bqemulator-venv"
LOCK_FILE_NAME = "requirements-bqemulator.lock"
DEFAULT_PROJECT = "local-project"
_START_TIMEOUT_SECONDS = 60.0
_STOP_TIMEOUT_SECONDS = 10.0


class BigQueryEmulatorError(RuntimeError):
    """The BigQuery emulator could not be installed or started."""


def venv_dir(project_root: Path) -> Path:
    return project_root / VENV_DIR_NAME


def _lock_digest(project_root: Path) -> str:
    lock_file = project_root / LOCK_FILE_NAME
    if not lock_file.is_file():
        raise BigQueryEmulatorError(
            f"{lock_file} not found: it pins bqemulator and its DuckDB. Pass the spotify-enrichment "
            f"repository root (the folder with dbt_project.yml and {LOCK_FILE_NAME}) as the project root"
        )
    return hashlib.sha256(lock_file.read_bytes()).hexdigest()


def _is_current(venv: Path, lock_digest: str) -> bool:
    """The virtualenv exists and was made from the lock file as it is now."""
    stamp = venv / ".installed-lock-sha256"
    return (
        (venv / "bin" / "bqemulator").exists()
        and stamp.exists()
        and stamp.read_text(encoding="utf-8") == lock_digest
    )


def require_bqemulator_venv(project_root: Path) -> Path:
    """The emulator's python, when its virtualenv is current; never installs (no network in tests)."""
    venv = venv_dir(project_root)
    if not _is_current(venv, _lock_digest(project_root)):
        raise BigQueryEmulatorError(
            f"{venv} is missing or older than {LOCK_FILE_NAME}: run `make bqemulator` "
            "(make test and make test-bigquery do) to install the BigQuery emulator"
        )
    _import_spatial_extension(venv / "bin" / "python")
    return venv / "bin" / "python"


def ensure_bqemulator_venv(project_root: Path) -> Path:
    """Create the emulator's virtualenv under `project_root` from the project's lock file when missing
    or when the lock changed since it was made; return its python."""
    lock_file = project_root / LOCK_FILE_NAME
    lock_digest = _lock_digest(project_root)
    venv = venv_dir(project_root)
    python = venv / "bin" / "python"
    stamp = venv / ".installed-lock-sha256"
    if not _is_current(venv, lock_digest):
        logger.info("creating %s from %s (about a minute, once)", venv, lock_file.name)
        _run([sys.executable, "-m", "venv", "--clear", str(venv)], "create the virtualenv")
        _run(
            [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-r", str(lock_file)],
            f"install {lock_file.name} (pip needs PyPI)",
        )
        stamp.write_text(lock_digest, encoding="utf-8")
    _import_spatial_extension(python)
    return python


def _import_spatial_extension(python: Path) -> None:
    """Idempotent, offline and cheap: copies the spatial extension from its installed package into
    ~/.duckdb/extensions when absent."""
    _run(
        [str(python), "-c", 'import duckdb_extensions; duckdb_extensions.import_extension("spatial")'],
        "install DuckDB's spatial extension from the duckdb-extension-spatial package",
    )


def _run(command: list[str], what: str) -> None:
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BigQueryEmulatorError(
            f"could not {what}: {' '.join(command[:4])}... exited {completed.returncode}\n"
            f"{completed.stderr[-2000:]}"
        )


@dataclass(frozen=True)
class BigQueryEmulatorEndpoint:
    """Where a running emulator answers."""

    rest_url: str
    grpc_port: int
    project: str


class BigQueryEmulatorProcess:
    """bqemulator as a subprocess on free ports; `gcs_root` is where its load jobs read `gs://`.

    `gs://bucket/path` resolves to `{gcs_root}/bucket/path`. `project_root` is the repository root,
    where the emulator's virtualenv and lock file are. Use as a context manager: the process is
    stopped on exit, also after an exception.
    """

    def __init__(
        self,
        gcs_root: Path,
        log_path: Path,
        *,
        project_root: Path,
        project: str = DEFAULT_PROJECT,
    ) -> None:
        self._gcs_root = gcs_root
        self._log_path = log_path
        self._project = project
        self._project_root = project_root
        self._process: subprocess.Popen[bytes] | None = None
        self._endpoint: BigQueryEmulatorEndpoint | None = None

    @property
    def endpoint(self) -> BigQueryEmulatorEndpoint:
        if self._endpoint is None:
            raise BigQueryEmulatorError("the BigQuery emulator is not running: call start() first")
        return self._endpoint

    @property
    def rest_url(self) -> str:
        return self.endpoint.rest_url

    @property
    def gcs_root(self) -> Path:
        """The folder that stands for Cloud Storage: `gs://bucket/path` is `{gcs_root}/bucket/path`."""
        return self._gcs_root

    def start(self) -> BigQueryEmulatorEndpoint:
        python = require_bqemulator_venv(self._project_root)
        self._gcs_root.mkdir(parents=True, exist_ok=True)
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        environment = {
            **os.environ,
            "BQEMU_GCS_LOCAL_ROOT": str(self._gcs_root),
            # The avro extension would be downloaded at start-up; nothing here loads Avro.
            "BQEMU_ENABLE_FORMAT_EXTENSIONS": "false",
        }
        command = [
            str(python.with_name("bqemulator")),
            "start",
            "--rest-host=127.0.0.1",
            "--rest-port=0",
            "--grpc-host=127.0.0.1",
            "--grpc-port=0",
            "--ephemeral",
            f"--project={self._project}",
            "--log-format=json",
            "--log-level=info",
        ]
        with self._log_path.open("wb") as log_file:
            self._process = subprocess.Popen(
                command,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=environment,
                cwd=self._gcs_root,
                start_new_session=True,
            )
        try:
            self._endpoint = self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        logger.info("BigQuery emulator ready at %s (log %s)", self._endpoint.rest_url, self._log_path)
        return self._endpoint

    def _wait_until_ready(self) -> BigQueryEmulatorEndpoint:
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        rest_port: int | None = None
        grpc_port: int | None = None
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise BigQueryEmulatorError(
                    f"bqemulator exited with {self._process.returncode} while starting; "
                    f"last log lines:\n{self.log_tail()}"
                )
            rest_port, grpc_port = self._ports_from_log()
            if rest_port is not None and grpc_port is not None:
                rest_url = f"http://127.0.0.1:{rest_port}"
                try:
                    if requests.get(f"{rest_url}/readyz", timeout=2).status_code == 200:
                        return BigQueryEmulatorEndpoint(rest_url, grpc_port, self._project)
                except requests.RequestException:
                    pass
            time.sleep(0.2)
        raise BigQueryEmulatorError(
            f"bqemulator not ready within {_START_TIMEOUT_SECONDS:.0f} s; last log lines:\n{self.log_tail()}"
        )

    def _ports_from_log(self) -> tuple[int | None, int | None]:
        rest_port: int | None = None
        grpc_port: int | None = None
        for line in self._log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if event.get("event") == "rest.listen":
                rest_port = int(event["port"])
            elif event.get("event") == "grpc.listen":
                grpc_port = int(event["port"])
        return rest_port, grpc_port

    def log_tail(self, lines: int = 20) -> str:
        if not self._log_path.exists():
            return "(no log)"
        return "\n".join(self._log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        process, self._process = self._process, None
        self._endpoint = None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=_STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def __enter__(self) -> BigQueryEmulatorProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m spotify_enrichment_dev.bigquery_emulator_process",
        description=f"Create or update {VENV_DIR_NAME} (bqemulator) from {LOCK_FILE_NAME}.",
    )
    parser.add_argument("--project-root", type=Path, required=True, help="the repository root")
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        python = ensure_bqemulator_venv(options.project_root.resolve())
    except BigQueryEmulatorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"BigQuery emulator ready: {python.with_name('bqemulator')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
