"""The demo behind `make demo`: the whole enrichment pipeline offline on the embedded DuckDB warehouse.

    .venv/bin/python scripts/demo.py [--artists 2000 --plays 20000 --seed 42 --quota development]

1. generates demo data into demo_data/ (listening history, the artist catalogues of the emulators);
2. starts the Spotify emulator (in the quota a new user gets: `development` by default, `extended`
   with --quota extended) and the MusicBrainz emulator on free ports on 127.0.0.1;
3. loads the listening history and runs `dbt build` (the enrichment monitors wait for step 5);
4. runs `dbt run-operation enrich_artists --args '{mode: backfill}'` (Spotify and MusicBrainz);
5. runs `dbt build` of the enrichment models (the run history included) and every monitoring test,
   and `dbt source freshness`;
6. prints a short report (with where each artist's genres came from) and how to query the warehouse;
   the emulators are stopped, also on failure.
7. writes the HTML report (`python -m spotify_enrichment report`, as `make report` does) and prints
   its path.

The warehouse is the profile's default (warehouse.duckdb at the project root, or DUCKDB_PATH) and the
landing folder the default `landing/`, so the README's next commands work on the demo's result. An
existing warehouse or landing folder is moved aside (timestamp suffix), never deleted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from spotify_enrichment_dev.dbt_runner import DbtProject  # noqa: E402
from spotify_enrichment_dev.demo_data import TRACKS_FILE, generator_command  # noqa: E402
from spotify_enrichment_dev.emulator_process import EmulatorProcess, MusicBrainzEmulatorProcess  # noqa: E402

logger = logging.getLogger("demo")

# Spotify settings the demo must not take from the user's shell or .env (the environment wins over .env).
DEMO_SETTINGS = {"SPOTIFY_REFRESH_TOKEN": "", "SPOTIFY_API_MODE": "auto", "SPOTIFY_REQUESTS_PER_WINDOW": "0"}
# musicbrainz.org allows 1 request per second; the demo's emulator allows more so the demo takes seconds,
# and the client paces at whatever allowance it is given.
DEMO_MUSICBRAINZ_RATE = 100.0


class DemoError(RuntimeError):
    """A demo step failed; the message names the step and what to do."""


@dataclass(frozen=True)
class DemoReport:
    artists: int
    enriched: int
    coverage: float
    not_found: int
    withheld: int
    top_genres: list[tuple[str, int]]
    genre_sources: list[tuple[str | None, int]]
    most_followed: list[tuple[str, int, int | None]]


def warehouse_path() -> Path:
    configured = os.environ.get("DUCKDB_PATH")
    return Path(configured).resolve() if configured else PROJECT_ROOT / "warehouse.duckdb"


def reset_demo_state(warehouse: Path, landing: Path) -> None:
    """Start from an empty warehouse and landing folder. An existing one is moved aside with a timestamp
    suffix, never deleted: after a demo it may hold real enrichments."""
    suffix = time.strftime(".before-demo-%Y%m%dT%H%M%S")
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal"), landing / "spotify"):
        if path.exists():
            # warehouse.duckdb -> warehouse.before-demo-T.duckdb: still *.duckdb (git-ignored), WAL beside it.
            stem, dot, extension = path.name.partition(".")
            aside = path.with_name(stem + suffix + dot + extension)
            path.rename(aside)
            logger.info("moved %s aside to %s", path, aside)
    warehouse.parent.mkdir(parents=True, exist_ok=True)


def run_step(title: str, run: Callable[[], int]) -> None:
    """Run one step (its output goes to the console as it comes); `run` returns the exit code."""
    logger.info("==> %s", title)
    started = time.monotonic()
    returncode = run()
    if returncode != 0:
        raise DemoError(f"step '{title}' failed (exit {returncode}); its output is above")
    logger.info("    %s done in %.1f s", title, time.monotonic() - started)


def dbt_step(title: str, project: DbtProject, *arguments: str) -> None:
    run_step(title, lambda: project.run(*arguments, stream=True).returncode)


def write_html_report(project: DbtProject, out: Path) -> int:
    """The README's `make report` on the demo's warehouse (its landing folder, for the quarantine list)."""
    command = [sys.executable, "-m", "spotify_enrichment", "report", "--project-dir", str(PROJECT_ROOT)]
    if project.vars:
        command += ["--vars", json.dumps(project.vars)]
    command += ["--out", str(out)]
    return subprocess.run(command, env=project.environ(), check=False).returncode


def demo_project(warehouse: Path, landing: Path | None, environ: dict[str, str]) -> DbtProject:
    """dbt as the README runs it (the project's own profile, target/ and logs/) on the demo's warehouse;
    var landing_uri only when the demo lands elsewhere."""
    return DbtProject(
        folder=warehouse.parent,
        duckdb_name=warehouse.name,
        work_dir=None,
        project_dir=PROJECT_ROOT,
        env=environ,
        vars={"landing_uri": str(landing)} if landing else {},
    )


def monitor_results(target: Path) -> str:
    """One line on the data tests of the last `dbt build` (run_results.json)."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    statuses = [result["status"] for result in results if result["unique_id"].startswith("test.")]
    counts = {status: statuses.count(status) for status in sorted(set(statuses))}
    return f"{len(statuses)} data tests: " + ", ".join(
        f"{count} {status}" for status, count in counts.items()
    )


def freshness_results(target: Path) -> str:
    results = json.loads((target / "sources.json").read_text(encoding="utf-8"))["results"]
    return ", ".join(f"{result['unique_id'].split('.')[-1]} {result['status']}" for result in results)


def generate_demo_data(data_dir: Path, artists: int, plays: int, seed: int, environ: dict[str, str]) -> None:
    command = generator_command(PROJECT_ROOT, data_dir, artists=artists, plays=plays, seed=seed)
    run_step(
        "generate demo data",
        lambda: subprocess.run(command, cwd=PROJECT_ROOT, env=environ, check=False).returncode,
    )


def read_report(warehouse: Path) -> DemoReport:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        artists, enriched, not_found, withheld = connection.execute(
            """
            select
                count(*),
                count(enrichmentStatus),
                count(*) filter (where enrichmentStatus = 'not_found'),
                count(*) filter (where enrichmentStatus = 'ok' and popularity is null)
            from hub.hub_music__svc_dim_artists
            """
        ).fetchone()
        top_genres = connection.execute(
            """
            select genre, count(*) as artists
            from hub.hub_music__svc_dim_artists, unnest(genres) as genre_list(genre)
            group by genre
            order by artists desc, genre
            limit 10
            """
        ).fetchall()
        genre_sources = connection.execute(
            """
            select genresSource, count(*) as artists
            from hub.hub_music__svc_dim_artists
            group by genresSource
            order by artists desc, genresSource nulls last
            """
        ).fetchall()
        most_followed = connection.execute(
            """
            select artistName, followerCount, playCount
            from hub.hub_music__svc_dim_artists
            where followerCount is not null
            order by followerCount desc, artistId
            limit 10
            """
        ).fetchall()
    return DemoReport(
        artists=artists,
        enriched=enriched,
        coverage=enriched / artists if artists else 0.0,
        not_found=not_found,
        withheld=withheld,
        top_genres=top_genres,
        genre_sources=genre_sources,
        most_followed=most_followed,
    )


EXAMPLE_QUERY = (
    "select artistName, genres, popularity, followerCount from hub.hub_music__svc_dim_artists"
    " order by playCount desc limit 10"
)


def print_report(report: DemoReport, warehouse: Path, seconds: float) -> None:
    lines = [
        "",
        f"=== Spotify artist enrichment demo: done in {seconds:.0f} s ===",
        f"artists in the hub:   {report.artists}",
        f"enriched (coverage):  {report.enriched} ({report.coverage:.1%})",
        f"not found on Spotify: {report.not_found}",
    ]
    if report.withheld:
        lines.append(f"withheld fields (Development Mode): {report.withheld}")
    lines.append("where each artist's genres came from (artists):")
    lines += [
        f"  {count:5d}  {source or 'none (no source has genres for them)'}"
        for source, count in report.genre_sources
    ]
    lines.append("top 10 genres (artists):")
    lines += [f"  {count:5d}  {genre}" for genre, count in report.top_genres]
    if report.most_followed:
        lines.append("10 most followed artists (followers, your plays):")
    lines += [f"  {followers:>12,}  {plays:4d}  {name}" for name, followers, plays in report.most_followed]
    shown = warehouse.relative_to(PROJECT_ROOT) if warehouse.is_relative_to(PROJECT_ROOT) else warehouse
    connect = f"duckdb.connect('{shown}', read_only=True)"
    lines += [
        "",
        f"The warehouse is {warehouse} (DuckDB). Query it:",
        f"  .venv/bin/python -c \"import duckdb; {connect}.sql('{EXAMPLE_QUERY}').show()\"",
        "  tables: hub.hub_music__svc_dim_artists, lake.lake_spotify__svc_artist_enrichment,",
        "  lake.lake_musicbrainz__svc_artist, lake.lake_*__normalized_* (one row per fetch); see analyses/",
        "Next: .venv/bin/dbt run-operation enrich_artists --args '{mode: incremental}' (the weekly job;",
        "  for the real API put SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET in .env, see .env.example)",
    ]
    print("\n".join(lines), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--artists", type=int, default=2000)
    parser.add_argument("--plays", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--quota",
        choices=("development", "extended"),
        default="development",
        help="the Spotify emulator's regime (default development, what every new app gets)",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=PROJECT_ROOT / "demo_data", help="default: demo_data/"
    )
    parser.add_argument(
        "--landing-dir", type=Path, help="landing folder (default: var landing_uri, landing/)"
    )
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    started = time.monotonic()
    warehouse = warehouse_path()
    landing = options.landing_dir.resolve() if options.landing_dir else None
    data_dir = options.data_dir.resolve()
    environ = {**os.environ, **DEMO_SETTINGS}
    try:
        reset_demo_state(warehouse, landing or PROJECT_ROOT / "landing")
        generate_demo_data(data_dir, options.artists, options.plays, options.seed, environ)
        logger.info("==> start the Spotify emulator (%s quota) and the MusicBrainz emulator", options.quota)
        with (
            EmulatorProcess(
                data_dir / "catalogue.jsonl",
                quota=options.quota,
                extra_args=["--tracks", str(data_dir / TRACKS_FILE)],
            ) as emulator,
            MusicBrainzEmulatorProcess(
                data_dir / "musicbrainz_catalogue.jsonl", rate_limit=DEMO_MUSICBRAINZ_RATE, burst=2
            ) as musicbrainz,
        ):
            logger.info(
                "    Spotify emulator on %s, MusicBrainz emulator on %s",
                emulator.base_url,
                musicbrainz.base_url,
            )
            settings = {**emulator.settings_environ(), **musicbrainz.settings_environ()}
            project = demo_project(warehouse, landing, {**environ, **settings})
            history = data_dir / "listening_history.jsonl"
            dbt_step(
                "load the listening history",
                project,
                *("run-operation", "load_listening_history", "--args", f"{{path: '{history}'}}"),
            )
            dbt_step(
                "dbt build (enrichment monitors run after the enrichment)",
                project,
                *(
                    "build",
                    "--exclude",
                    "test_name:enrichment_coverage",
                    "test_name:enrichment_staleness",
                    "test_name:genre_coverage",
                ),
            )
            dbt_step(
                "enrich_artists (backfill)",
                project,
                *("run-operation", "enrich_artists", "--args", "{mode: backfill}"),
            )
            dbt_step(
                "dbt build of the enrichment models and every monitoring test",
                project,
                *(
                    "build",
                    "--select",
                    "lake_spotify__stg_artist_enrichment+",
                    "lake_musicbrainz__stg_artist+",
                    "lake_enrichment__stg_runs+",
                ),
            )
            # dbt honours DBT_TARGET_PATH; the report reads the artifacts of the build from there.
            monitors = monitor_results(project.target_path)
            dbt_step("dbt source freshness", project, "source", "freshness")
            freshness = freshness_results(project.target_path)
        print_report(read_report(warehouse), warehouse, time.monotonic() - started)
        print(f"monitoring: {monitors}; source freshness: {freshness}", flush=True)
        html_report = project.target_path / "report.html"
        run_step("write the HTML report", lambda: write_html_report(project, html_report))
        print(f"HTML report: {html_report} (open it in a browser; it works offline)", flush=True)
    except DemoError as error:
        logger.error("demo failed: %s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
