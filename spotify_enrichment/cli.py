"""Command line: `python -m spotify_enrichment fetch --ids-file FILE|- --landing-uri URI` and
`python -m spotify_enrichment report [--out report.html]`."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO

from spotify_enrichment.errors import BadInputError, LandingError, SettingsError, SpotifyEnrichmentError
from spotify_enrichment.fetcher import EXIT_BAD_INPUT, FetchProgress, FetchSummary, fetch_to_landing
from spotify_enrichment.report import write_report
from spotify_enrichment.report_data import default_output
from spotify_enrichment.report_html import IMAGE_MODES
from spotify_enrichment.report_warehouse import DbtLocation
from spotify_enrichment.settings import SETTING_DOCS, load_settings

logger = logging.getLogger("spotify_enrichment")

EXIT_LANDING_FAILED = 1
EXIT_REPORT_FAILED = 1
EXIT_INTERRUPTED = 130
PROGRESS_AFTER_SECONDS = 2.0

FETCH_EPILOG = (
    "settings (environment variables, or a .env file in the working directory; the environment wins):\n"
    + "\n".join(f"  {name:<34} {docs[1]} (default: {docs[0]})" for name, docs in SETTING_DOCS.items())
    + """

output:
  progress lines (done/total, rate, 429s) on stderr for runs longer than a few seconds, and one JSON
  summary line on stdout: requested, ok, not_found, failed, invalid, skipped, recovered, invalid_ids,
  failed_ids, failed_reasons, file, recovered_files, seconds, api_mode, stop_reason, retry_after_seconds,
  message, exit_code, requests, rate_limited, run_id.

exit codes:
  0  done (failed artists, if any, are listed and asked again next run)
  1  the landing location could not be written (checked before the first request: nothing is asked
     from Spotify for a location the answers cannot be written to)
  2  bad input: malformed artist IDs (named; the valid ones were still fetched), an unreadable IDs
     file, an unusable landing URI or a bad setting
  3  authentication failed (check SPOTIFY_CLIENT_ID / SPOTIFY_CLIENT_SECRET / SPOTIFY_REFRESH_TOKEN)
  4  stopped by Spotify's rate limit or quota, or by SPOTIFY_MAX_RUN_SECONDS; answers so far are
     landed, rerun later for the rest
  5  Spotify unreachable ("Spotify unreachable since T", naming the URL setting to check; see
     SPOTIFY_UNREACHABLE_AFTER_FAILURES and SPOTIFY_UNREACHABLE_AFTER_SECONDS), or every artist asked
     failed; answers so far are landed, rerun later for the rest
  130 interrupted (Ctrl-C or SIGTERM); answers so far stay in a partial file the next run lands

A run interrupted hard (kill -9, power loss) leaves a partial file under
{landing-uri}/spotify/partial/; the next run lands its answers and does not ask for those artists again.
"""
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m spotify_enrichment",
        description="Spotify artist enrichment tools.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fetch = commands.add_parser(
        "fetch",
        help="fetch artists from the Spotify Web API and land them as JSONL",
        description=(
            "Fetch Spotify artist objects for a list of artist IDs and land one JSONL line per artist "
            "at {landing-uri}/spotify/landing/{YYYYMMDDTHHMMSSZ}_{token}_artist_enrichment.jsonl "
            "(token: 8 random hex digits per run)."
        ),
        epilog=FETCH_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fetch.add_argument(
        "--ids-file",
        required=True,
        metavar="FILE|-",
        help="artist IDs, one per line (blank lines ignored, duplicates asked once); '-' reads stdin",
    )
    fetch.add_argument(
        "--landing-uri",
        required=True,
        metavar="URI",
        help="landing location: a local folder (created when missing) or gs://bucket[/prefix]",
    )
    fetch.add_argument(
        "--api-mode",
        choices=("auto", "batch", "single"),
        help="override SPOTIFY_API_MODE for this run",
    )
    fetch.add_argument("--run-id", help="run ID written to every landing line (default: a new UUID)")
    fetch.add_argument(
        "--env-file",
        metavar="PATH",
        help="read settings from this .env file instead of ./.env (the environment still wins)",
    )
    fetch.add_argument(
        "--progress-every",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="seconds between progress lines on stderr (default 5; 0 turns progress off)",
    )
    fetch.add_argument("--verbose", action="store_true", help="debug logging on stderr")
    add_report_parser(commands)
    return parser


def add_report_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    report = commands.add_parser(
        "report",
        help="write the warehouse's enrichment and listening report as one offline HTML file",
        description=(
            "Read the warehouse through dbt (the profile's target: DuckDB or BigQuery) and write one "
            "self-contained HTML page: health checks with their thresholds, the library (genres, listening "
            "over time, popularity and followers, most played artists) and what needs attention. The page "
            "loads nothing from the network."
        ),
    )
    report.add_argument(
        "--out", default=None, metavar="FILE", help="output file (default: target/report.html in the project)"
    )
    report.add_argument("--project-dir", default=".", metavar="DIR", help="the dbt project (default: .)")
    report.add_argument(
        "--profiles-dir",
        default=None,
        metavar="DIR",
        help="dbt profiles folder (default: the project's, when it has a profiles.yml; else dbt's own)",
    )
    report.add_argument("--target", default=None, help="dbt target (default: the profile's)")
    report.add_argument("--vars", default=None, metavar="YAML", help="dbt vars, as dbt's own --vars")
    report.add_argument(
        "--images",
        choices=IMAGE_MODES,
        default="links",
        help="links (default): placeholders and links, the page makes no request; remote: show Spotify's "
        "images (needs the network when viewed)",
    )


def run_report(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    project_dir = Path(arguments.project_dir).resolve()
    if not (project_dir / "dbt_project.yml").is_file():
        stderr.write(f"error: --project-dir {arguments.project_dir!r} has no dbt_project.yml\n")
        return EXIT_BAD_INPUT
    out = Path(arguments.out) if arguments.out else default_output(project_dir)
    profiles_dir = Path(arguments.profiles_dir) if arguments.profiles_dir else None
    if profiles_dir is None and (project_dir / "profiles.yml").is_file():
        profiles_dir = project_dir  # where `make install` writes it, whatever the current folder
    try:
        location = DbtLocation(project_dir, profiles_dir, arguments.target, arguments.vars)
        written = write_report(location, out, arguments.images)
    except (SpotifyEnrichmentError, OSError) as error:
        stderr.write(f"error: report: {error}\n")
        return EXIT_REPORT_FAILED
    size = f"{written.bytes / 1024:,.0f} KiB"
    stdout.write(f"report written: {written.path} ({size}, {written.seconds:.1f} s)\n")
    stdout.flush()
    return 0


def read_ids(ids_file: str, stdin: TextIO) -> list[str]:
    if ids_file == "-":
        return stdin.read().splitlines()
    path = Path(ids_file)
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise BadInputError(f"--ids-file {ids_file!r} does not exist") from None
    except UnicodeDecodeError:
        raise BadInputError(f"--ids-file {ids_file!r} is not UTF-8 text") from None
    except OSError as error:
        raise BadInputError(f"--ids-file {ids_file!r} cannot be read: {error.strerror}") from None


def progress_printer(every_seconds: float, stream: TextIO) -> Callable[[FetchProgress], None]:
    """Print a progress line at most every `every_seconds`, once the run is past a few seconds."""
    last = {"at": 0.0, "done": -1}

    def report(progress: FetchProgress) -> None:
        if every_seconds <= 0 or progress.seconds < PROGRESS_AFTER_SECONDS or progress.done == last["done"]:
            return
        now = time.monotonic()
        finished = progress.done >= progress.total
        if now - last["at"] < every_seconds and not finished:
            return
        last.update(at=now, done=progress.done)
        stream.write(
            f"progress: {progress.done}/{progress.total} artists ({progress.ok} ok, {progress.not_found} "
            f"not_found, {progress.failed} failed), {progress.artists_per_second:.1f} artists/s, "
            f"{progress.requests} requests, {progress.rate_limited} answered 429, mode {progress.api_mode}, "
            f"{progress.seconds:.0f}s\n"
        )
        stream.flush()

    return report


@contextlib.contextmanager
def _logging_to_stderr(verbose: bool) -> Iterator[None]:
    """Log to stderr for the duration of one command (and leave the caller's logging as it was)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    urllib3 = logging.getLogger("urllib3")
    previous = (root.level, urllib3.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # Connection chatter is noise in a progress log.
    urllib3.setLevel(logging.DEBUG if verbose else logging.WARNING)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous[0])
        urllib3.setLevel(previous[1])


def run_fetch(arguments: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    try:
        settings = load_settings(dotenv_path=arguments.env_file)
        if arguments.api_mode:
            settings = dataclasses.replace(settings, api_mode=arguments.api_mode)
        raw_ids = read_ids(arguments.ids_file, stdin)
    except (SettingsError, BadInputError) as error:
        stderr.write(f"error: {error}\n")
        return EXIT_BAD_INPUT
    try:
        summary: FetchSummary = fetch_to_landing(
            raw_ids,
            arguments.landing_uri,
            settings,
            run_id=arguments.run_id,
            progress=progress_printer(arguments.progress_every, stderr),
        )
    except BadInputError as error:
        stderr.write(f"error: {error}\n")
        return EXIT_BAD_INPUT
    except LandingError as error:
        stderr.write(f"error: landing failed: {error}\n")
        return EXIT_LANDING_FAILED
    except KeyboardInterrupt:
        stderr.write(
            "interrupted: the answers fetched so far are kept in a partial file under "
            f"{arguments.landing_uri}/spotify/partial/; the next run lands them and asks only the rest\n"
        )
        return EXIT_INTERRUPTED
    stdout.write(summary.to_json() + "\n")
    stdout.flush()
    if summary.exit_code:
        stderr.write(f"{'warning' if summary.exit_code == EXIT_BAD_INPUT else 'error'}: {summary.message}\n")
    return summary.exit_code


def _interrupt_on_sigterm(signal_number: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    on_main_thread = threading.current_thread() is threading.main_thread()
    # A terminated run flushes what it fetched, like Ctrl-C, instead of dying mid-batch.
    previous = signal.signal(signal.SIGTERM, _interrupt_on_sigterm) if on_main_thread else None
    try:
        with _logging_to_stderr(getattr(arguments, "verbose", False)):
            if arguments.command == "fetch":
                return run_fetch(arguments, sys.stdin, sys.stdout, sys.stderr)
            if arguments.command == "report":
                return run_report(arguments, sys.stdout, sys.stderr)
        return EXIT_BAD_INPUT  # argparse rejects unknown commands before this
    finally:
        if on_main_thread:
            signal.signal(signal.SIGTERM, previous)
