"""spotipy is a bench-only dependency: installed into the running virtualenv from requirements-bench.lock
when it is missing, so `make install` stays free of it."""

import importlib.metadata
import logging
import subprocess
import sys
from pathlib import Path

logger = logging.getLogger(__name__)

SPOTIPY_VERSION = "2.26.0"


class BenchRequirementsError(RuntimeError):
    """The bench-only packages could not be installed."""


def installed_version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def ensure_bench_requirements(lock_file: Path) -> None:
    """Install the pinned bench packages with this interpreter's pip unless spotipy is already at its pin."""
    if installed_version("spotipy") == SPOTIPY_VERSION:
        return
    if not lock_file.is_file():
        raise BenchRequirementsError(f"{lock_file} is missing: it pins spotipy {SPOTIPY_VERSION}")
    logger.info("installing bench-only packages from %s", lock_file.name)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "-r", str(lock_file)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BenchRequirementsError(
            f"pip could not install {lock_file.name} (exit {completed.returncode}): "
            f"{completed.stderr.strip()[-2000:]}; install it by hand with `{' '.join(command)}`"
        )
    importlib.invalidate_caches()
    if installed_version("spotipy") != SPOTIPY_VERSION:
        raise BenchRequirementsError(
            f"spotipy {SPOTIPY_VERSION} is still missing after installing {lock_file}"
        )
