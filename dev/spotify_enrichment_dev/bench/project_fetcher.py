"""The project's fetcher, run as a user runs it: settings from SPOTIFY_* variables, token, fetching and
the landing file, timed from the outside."""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from spotify_enrichment.fetcher import fetch_to_landing
from spotify_enrichment.settings import load_settings
from spotify_enrichment_dev.bench.fetch_runs import ApiEndpoint, ApiMode, BenchFetchError


@dataclass(frozen=True)
class ProjectFetch:
    answered: int
    seconds: float


def run_project_fetcher(
    artist_ids: list[str],
    work_dir: Path,
    endpoint: ApiEndpoint,
    api_mode: ApiMode,
    extra_environ: dict[str, str] | None = None,
) -> ProjectFetch:
    """Every knob at its default unless `extra_environ` sets it; raises BenchFetchError unless every
    artist was answered."""
    environ = {
        "SPOTIFY_CLIENT_ID": endpoint.client_id,
        "SPOTIFY_CLIENT_SECRET": endpoint.client_secret,
        "SPOTIFY_API_URL": endpoint.api_url,
        "SPOTIFY_ACCOUNTS_URL": endpoint.accounts_url,
        "SPOTIFY_API_MODE": api_mode,
        **(extra_environ or {}),
    }
    work_dir.mkdir(parents=True, exist_ok=True)
    # An empty .env, so a developer's own .env (real credentials or URLs) never reaches the bench.
    empty_dotenv = work_dir / "bench.env"
    empty_dotenv.write_text("", encoding="utf-8")
    settings = load_settings(environ=environ, dotenv_path=empty_dotenv)
    landing_uri = (work_dir / "landing").as_posix()
    started = time.perf_counter()
    summary = fetch_to_landing(artist_ids, landing_uri, settings)
    seconds = time.perf_counter() - started
    answered = summary.ok + summary.not_found
    if summary.exit_code != 0 or answered != len(artist_ids):
        raise BenchFetchError(
            f"project fetcher ({api_mode}) answered {answered} of {len(artist_ids)} artists, "
            f"exit {summary.exit_code}: {summary.message}"
        )
    return ProjectFetch(answered=answered, seconds=seconds)


def run_fetch_command(
    artist_ids: list[str],
    work_dir: Path,
    endpoint: ApiEndpoint,
    api_mode: ApiMode,
    extra_environ: dict[str, str] | None = None,
    *,
    timeout_seconds: float,
) -> ProjectFetch:
    """`python -m spotify_enrichment fetch` in a subprocess, killed after `timeout_seconds` so a fetch
    far below the ceiling cannot eat the bench's time. Seconds are the fetcher's own (its summary),
    so the interpreter's start is not counted."""
    work_dir.mkdir(parents=True, exist_ok=True)
    ids_file = work_dir / "artist_ids.txt"
    ids_file.write_text("\n".join(artist_ids) + "\n", encoding="utf-8")
    empty_dotenv = work_dir / "bench.env"
    empty_dotenv.write_text("", encoding="utf-8")
    environ = {key: value for key, value in os.environ.items() if not key.startswith("SPOTIFY_")}
    environ.update(
        {
            "SPOTIFY_CLIENT_ID": endpoint.client_id,
            "SPOTIFY_CLIENT_SECRET": endpoint.client_secret,
            "SPOTIFY_API_URL": endpoint.api_url,
            "SPOTIFY_ACCOUNTS_URL": endpoint.accounts_url,
            "SPOTIFY_API_MODE": api_mode,
            **(extra_environ or {}),
        }
    )
    command = [
        sys.executable,
        "-m",
        "spotify_enrichment",
        "fetch",
        "--ids-file",
        str(ids_file),
        "--landing-uri",
        str(work_dir / "landing"),
        "--env-file",
        str(empty_dotenv),
        "--progress-every",
        "0",
    ]
    try:
        completed = subprocess.run(
            command,
            env=environ,
            cwd=work_dir,
            capture_output=True,
            text=True,
            timeout=timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise BenchFetchError(
            f"the fetch of {len(artist_ids)} artists ({api_mode}) was stopped after {timeout_seconds:.0f} s"
        ) from error
    lines = completed.stdout.strip().splitlines()
    try:
        summary = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError) as error:
        raise BenchFetchError(
            f"the fetch printed no JSON summary (exit {completed.returncode}): {completed.stderr[-2000:]}"
        ) from error
    answered = int(summary["ok"]) + int(summary["not_found"])
    if completed.returncode != 0 or answered != len(artist_ids):
        raise BenchFetchError(
            f"the fetch command ({api_mode}) answered {answered} of {len(artist_ids)} artists, "
            f"exit {completed.returncode}: {summary.get('message') or completed.stderr[-2000:]}"
        )
    return ProjectFetch(answered=answered, seconds=float(summary["seconds"]))
