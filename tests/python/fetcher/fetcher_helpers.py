"""Helpers of the fetcher tests: settings for an emulator, running the CLI, reading landed lines."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spotify_enrichment.settings import Settings, load_settings
from spotify_enrichment_dev.emulator_process import EmulatorProcess

PROJECT_ROOT = Path(__file__).resolve().parents[3]

# Fault tests keep waits short: small backoff steps.
FAST_KNOBS = {"SPOTIFY_BACKOFF_SECONDS": "0.05", "SPOTIFY_MAX_RETRIES": "6"}


def clean_environ() -> dict[str, str]:
    """This process's environment without any SPOTIFY_* setting of the developer's shell."""
    return {key: value for key, value in os.environ.items() if not key.startswith("SPOTIFY_")}


def emulator_environ(emulator: EmulatorProcess, **knobs: str) -> dict[str, str]:
    return {**emulator.settings_environ(), **knobs}


def emulator_settings(emulator: EmulatorProcess, **knobs: str) -> Settings:
    return load_settings(emulator_environ(emulator, **knobs), dotenv_path=os.devnull)


@dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def summary(self) -> dict[str, Any]:
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one JSON summary line on stdout, got: {self.stdout!r}"
        return json.loads(lines[0])


def cli_command(ids_file: Path | str, landing: Path | str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "spotify_enrichment",
        "fetch",
        "--ids-file",
        str(ids_file),
        "--landing-uri",
        str(landing),
        *extra,
    ]


def cli_environ(settings_environ: Mapping[str, str], cwd: Path) -> dict[str, str]:
    return {**clean_environ(), **settings_environ, "PYTHONPATH": str(PROJECT_ROOT)}


def run_cli(
    ids_file: Path | str,
    landing: Path | str,
    settings_environ: Mapping[str, str],
    *extra: str,
    cwd: Path,
    stdin: str | None = None,
    timeout: float = 120,
) -> CliRun:
    """Run `python -m spotify_enrichment fetch` in a subprocess from `cwd` (no stray .env)."""
    completed = subprocess.run(
        cli_command(ids_file, landing, *extra),
        cwd=cwd,
        env=cli_environ(settings_environ, cwd),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CliRun(completed.returncode, completed.stdout, completed.stderr)


def landed_records(landing: Path) -> list[dict[str, Any]]:
    """Every line of every finished landing file under a local landing folder."""
    records = []
    for path in sorted((landing / "spotify" / "landing").glob("*_artist_enrichment.jsonl")):
        records.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    return records


def assert_each_artist_once(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    counts = Counter(record["artistId"] for record in records)
    repeated = {artist_id: n for artist_id, n in counts.items() if n > 1}
    assert not repeated, f"artists landed more than once: {list(repeated.items())[:5]}"
    return {record["artistId"]: record for record in records}


def expected_record_fields(artist: dict[str, Any], *, development: bool) -> dict[str, Any]:
    """What the landing line must say for a catalogue artist (Development Mode withholds three fields)."""
    followers = artist.get("followers")
    return {
        "artistName": artist["name"],
        "genres": None if development else artist["genres"],
        "popularity": None if development else artist.get("popularity"),
        "followerCount": None if development or followers is None else followers["total"],
        "images": sorted(artist["images"], key=lambda image: -(image["width"] or -1)),
        "externalUrls": {"spotify": artist["external_urls"]["spotify"]},
        "status": "ok",
    }


def write_ids(path: Path, ids: list[str]) -> Path:
    path.write_text("\n".join(ids) + "\n", encoding="utf-8")
    return path


def closed_port_url() -> str:
    """http://127.0.0.1:PORT of a port nobody listens on (bound, then released): connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
