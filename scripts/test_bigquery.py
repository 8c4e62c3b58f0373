"""`make test-bigquery`: the whole dbt project on dbt-bigquery against the BigQuery emulator, compared
row for row with the DuckDB build of the same data.

Steps: create `.bqemulator-venv` when missing; generate the demo listening history; start bqemulator
on a free 127.0.0.1 port; create the lake tables with the project's own macro; load the history into
both warehouses. Then two rounds: landing JSONL files made by the project's generator are loaded
through BigQuery load jobs (NEWLINE_DELIMITED_JSON) and through the project's DuckDB loader (the same
files); `dbt build` runs on target `bq_emulator` and on target `local` (a temporary DuckDB file):
seeds, models, unit tests, data tests; every row and column of hub_music__svc_dim_artists is compared.
Round 2 (a refresh of some artists) runs the incremental merge and must change the hub. Exit 1 on
any failure or difference. The emulator is stopped at the end, also on failure. Everything goes under
a temporary folder (kept on failure or with --keep-work).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from spotify_enrichment.artist_ids import is_valid_artist_id
from spotify_enrichment.contract import json_line
from spotify_enrichment.loader import load_landing
from spotify_enrichment.musicbrainz_fetcher import artist_record, not_linked_record
from spotify_enrichment.records import MUSICBRAINZ_ARTIST
from spotify_enrichment.warehouse_bigquery import BigQueryWarehouse
from spotify_enrichment_dev.bigquery_emulator_process import BigQueryEmulatorProcess, ensure_bqemulator_venv
from spotify_enrichment_dev.dbt_runner import DbtProject, render_profiles

logger = logging.getLogger("test_bigquery")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
GENERATOR = (str(VENV_BIN / "python"), str(PROJECT_ROOT / "scripts" / "generate_demo_data.py"))
BUCKET = "spotify-enrichment-test"
EMULATOR_PROJECT = "local-project"
EMULATOR_TARGET = "bq_emulator"
HUB_TABLE = "hub_music__svc_dim_artists"
LISTENING_HISTORY = "lake_spotify__normalized_listening_history"
WAREHOUSES = ("bigquery", "duckdb")
# bqemulator runs SQL only; dbt-bigquery sends a Python model to Dataproc or (submission_method
# bigframes) to a Colab Enterprise notebook, neither of which it emulates. Both builds leave the model and
# everything downstream of it (its tests) out, so they stay comparable node for node; `dbt compile` on
# the BigQuery target still renders it.
PYTHON_MODEL = "hub_music__svc_similar_artists"
BUILD = ("build", "--exclude", f"{PYTHON_MODEL}+")


class CheckFailedError(RuntimeError):
    """A step of the BigQuery check failed; the message says which and why."""


@dataclass
class Timings:
    steps: list[tuple[str, float]] = field(default_factory=list)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        print(f"==> {name}", flush=True)
        try:
            yield
        finally:
            seconds = time.monotonic() - started
            self.steps.append((name, seconds))
            print(f"    {name}: {seconds:.1f} s", flush=True)


@dataclass(frozen=True)
class WorkPaths:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "demo_data"

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def gcs(self) -> Path:
        return self.root / "gcs"

    def dbt_dir(self, warehouse: str, kind: str = "") -> Path:
        """The dbt folders of one warehouse (`kind`: profiles, target, logs)."""
        return self.root / f"dbt_{warehouse}" / kind


@dataclass(frozen=True)
class Fetch:
    """One landing file the project's generator writes, as a fetch of the generated artists would."""

    fetched_at: datetime
    options: tuple[str, ...]


def rounds_of_fetches(now: datetime) -> list[list[Fetch]]:
    """Round 1: an older fetch of half the artists, then a recent one of every artist (some answered as
    Development Mode does), so the latest-row rule and NULL-vs-empty matter. Round 2, after the first
    build: a refresh of a third of the artists, so the incremental merge runs on both warehouses."""
    return [
        [
            Fetch(
                now - timedelta(days=40),
                ("--fixture-coverage=0.5", "--fixture-age-days=40", "--fixture-run-id=older"),
            ),
            Fetch(
                now - timedelta(days=1),
                (
                    "--fixture-coverage=1.0",
                    "--fixture-age-days=1",
                    "--fixture-dev-mode-share=0.1",
                    "--fixture-run-id=recent",
                ),
            ),
        ],
        [
            Fetch(
                now,
                (
                    "--fixture-coverage=0.3",
                    "--fixture-age-days=0",
                    "--fixture-dev-mode-share=0.5",
                    "--fixture-run-id=refresh",
                    "--seed=11",
                ),
            ),
        ],
    ]


def generate_listening_history(paths: WorkPaths, arguments: argparse.Namespace, now: datetime) -> None:
    _run(
        [
            *GENERATOR,
            f"--out={paths.data}",
            f"--artists={arguments.artists}",
            f"--plays={arguments.plays}",
            f"--seed={arguments.seed}",
            f"--end-date={now:%Y-%m-%d}",
        ],
        "generate the demo data",
    )


def write_landing_files(paths: WorkPaths, fetches: list[Fetch], now: datetime) -> list[Path]:
    folder = paths.landing / "spotify" / "landing"
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for fetch in fetches:
        landing_file = folder / f"{fetch.fetched_at:%Y%m%dT%H%M%SZ}_artist_enrichment.jsonl"
        _run(
            [
                *GENERATOR,
                f"--out={paths.data}",
                "--skip-generate",
                f"--enrichment-fixture={landing_file}",
                f"--fixture-reference={now:%Y-%m-%dT%H:%M:%SZ}",
                *fetch.options,
            ],
            f"write the landing fixture {landing_file.name}",
        )
        lines = len(landing_file.read_text(encoding="utf-8").splitlines())
        print(f"    landing file {landing_file.name}: {lines} lines")
        files.append(landing_file)
    return files


def write_musicbrainz_landing(paths: WorkPaths, now: datetime) -> Path:
    """MusicBrainz answers for every artist of the history, as a fetch would land them: the artists of
    the generator's MusicBrainz catalogue `ok` (some without genres), the rest `not_linked`. With the
    Development Mode answers of round 1 this puts every case of the hub's best-available genres on both
    engines: Spotify's list, MusicBrainz's, an empty list, and none."""
    catalogue = {}
    for line in (paths.data / "musicbrainz_catalogue.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        catalogue[entry["spotifyId"]] = entry["artist"]
    history = (paths.data / "listening_history.jsonl").read_text(encoding="utf-8").splitlines()
    artist_ids = sorted({json.loads(line)["artistId"] for line in history} - {None})
    fetched_at = f"{now - timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}"
    lines = [
        json_line(
            MUSICBRAINZ_ARTIST,
            artist_record(artist_id, catalogue[artist_id], fetched_at=fetched_at, run_id="musicbrainz")
            if artist_id in catalogue
            else not_linked_record(artist_id, fetched_at=fetched_at, run_id="musicbrainz"),
        )
        for artist_id in artist_ids
        if is_valid_artist_id(artist_id)
    ]
    folder = paths.landing / "spotify" / "landing"
    landing_file = folder / f"{now:%Y%m%dT%H%M%SZ}{MUSICBRAINZ_ARTIST.landing_suffix}"
    landing_file.write_text("".join(lines), encoding="utf-8")
    print(f"    landing file {landing_file.name}: {len(lines)} lines")
    return landing_file


def write_profiles(paths: WorkPaths, example_path: Path) -> None:
    """profiles.yml from the example, as `make install` makes it (the user's own may predate targets)."""
    for warehouse in WAREHOUSES:
        render_profiles(example_path, paths.dbt_dir(warehouse, "profiles"), PROJECT_ROOT)


def dbt(
    paths: WorkPaths, warehouse: str, target: str, arguments: Sequence[str], environment: dict[str, str]
) -> None:
    """dbt on one warehouse; the same vars on every command of it, so each reuses the last one's parse."""
    project = DbtProject(
        folder=paths.root,
        work_dir=paths.dbt_dir(warehouse),
        project_dir=PROJECT_ROOT,
        env=environment,
        vars={"landing_uri": str(paths.landing)} if warehouse == "duckdb" else {},
        inherit_environ=False,
    )
    result = project.run(*arguments, "--target", target)
    _report(result.output, f"dbt {arguments[0]} on {target}", result.returncode, echo=True)


def check_run_results(paths: WorkPaths, warehouse: str) -> dict[str, str]:
    """The status of every node of the last dbt build; fail on any error or failure."""
    run_results = json.loads(
        (paths.dbt_dir(warehouse, "target") / "run_results.json").read_text(encoding="utf-8")
    )
    statuses = {result["unique_id"]: result["status"] for result in run_results["results"]}
    bad = [
        f"{result['unique_id']}: {result['status']}: {result.get('message')}"
        for result in run_results["results"]
        if result["status"] in ("error", "fail", "runtime error")
    ]
    if bad:
        raise CheckFailedError(f"dbt build on {warehouse} had failures:\n  " + "\n  ".join(bad))
    return statuses


def bigquery_client(endpoint: str) -> bigquery.Client:
    return bigquery.Client(
        project=EMULATOR_PROJECT,
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options=ClientOptions(api_endpoint=endpoint),
    )


def load_history_into_bigquery(client: bigquery.Client, paths: WorkPaths, dataset: str) -> None:
    history_uri = _stage(paths.data / "listening_history.jsonl", paths.gcs / BUCKET, "history")
    job_config = bigquery.LoadJobConfig(
        source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON,
        write_disposition=bigquery.WriteDisposition.WRITE_APPEND,
    )
    history_table = f"{EMULATOR_PROJECT}.{dataset}.{LISTENING_HISTORY}"
    rows = client.load_table_from_uri(history_uri, history_table, job_config=job_config).result().output_rows
    print(f"    load job {history_uri} -> {history_table}: {rows} rows")


def load_into_bigquery(
    client: bigquery.Client, paths: WorkPaths, landing_files: list[Path], dataset: str
) -> None:
    """The project's own load step with the BigQuery warehouse (what the remote function
    spotify_landing_load runs): ledger, line check, load job, transaction, archive."""
    landing = paths.root / "bigquery_landing"
    for landing_file in landing_files:
        _stage(landing_file, landing, "spotify/landing")
    summary = load_landing(str(landing), BigQueryWarehouse(client, f"{EMULATOR_PROJECT}.{dataset}"))
    if summary.quarantined or summary.loaded_files != len(landing_files):
        raise CheckFailedError(f"the BigQuery load did not load every file: {summary.to_json()}")
    print(f"    {summary.line()}")


def _stage(source: Path, bucket_root: Path, prefix: str) -> str:
    destination = bucket_root / prefix / source.name
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, destination)
    return f"gs://{BUCKET}/{prefix}/{source.name}"


def load_history_into_duckdb(paths: WorkPaths, environment: dict[str, str]) -> None:
    history = paths.data / "listening_history.jsonl"
    dbt(
        paths,
        "duckdb",
        "local",
        ["run-operation", "load_listening_history", "--args", json.dumps({"path": str(history)})],
        environment,
    )


def load_landing_into_duckdb(paths: WorkPaths, environment: dict[str, str]) -> None:
    """The DuckDB path of the same files: the project's own loader (every file not yet loaded)."""
    dbt(
        paths,
        "duckdb",
        "local",
        ["run-operation", "load_artist_enrichment"],
        environment,
    )


@dataclass(frozen=True)
class HubSnapshot:
    """Every row of the hub table, ordered by artistId."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    array_columns: frozenset[str] = frozenset()

    def by_artist(self) -> dict[str, tuple[Any, ...]]:
        position = [column.lower() for column in self.columns].index("artistid")
        return {row[position]: row for row in self.rows}


def hub_rows_duckdb(database: Path) -> HubSnapshot:
    with duckdb.connect(str(database), read_only=True) as connection:
        relation = connection.sql(f"select * from hub.{HUB_TABLE} order by artistId")  # noqa: S608 (constant)
        return HubSnapshot(list(relation.columns), relation.fetchall())


def hub_rows_bigquery(client: bigquery.Client, dataset: str) -> HubSnapshot:
    result = client.query(
        f"select * from `{EMULATOR_PROJECT}.{dataset}.{HUB_TABLE}` order by artistId"  # noqa: S608 (constants)
    ).result()
    return HubSnapshot(
        [column.name for column in result.schema],
        [tuple(row.values()) for row in result],
        frozenset(column.name.lower() for column in result.schema if column.mode == "REPEATED"),
    )


def normalized(value: Any) -> Any:
    """One comparable form per value: timestamps in UTC (DuckDB's are naive UTC), decimals as floats,
    lists as tuples."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    if isinstance(value, Decimal):
        # bqemulator types some FLOAT64 expressions (x / 3600000.0) as NUMERIC; the value must agree.
        return float(value)
    if isinstance(value, list | tuple):
        return tuple(normalized(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, normalized(item)) for key, item in value.items()))
    return value


def compare_hubs(duckdb_hub: HubSnapshot, bigquery_hub: HubSnapshot) -> list[str]:
    """Every difference, by artist and column. One rule is BigQuery's own, not a tolerance: it stores
    no NULL arrays (a NULL ARRAY is written and read as []), so DuckDB's NULL `genres` (withheld by a
    Development Mode answer) must read as [] on BigQuery; `popularity` NULL still tells them apart."""
    differences: list[str] = []
    if [c.lower() for c in duckdb_hub.columns] != [c.lower() for c in bigquery_hub.columns]:
        return [f"columns differ: DuckDB {duckdb_hub.columns} vs BigQuery {bigquery_hub.columns}"]
    if len(duckdb_hub.rows) != len(bigquery_hub.rows):
        differences.append(
            f"row counts differ: DuckDB {len(duckdb_hub.rows)} vs BigQuery {len(bigquery_hub.rows)}"
        )
    duck_by_id, bq_by_id = duckdb_hub.by_artist(), bigquery_hub.by_artist()
    for artist_id in sorted(duck_by_id.keys() ^ bq_by_id.keys()):
        where = "DuckDB" if artist_id in duck_by_id else "BigQuery"
        differences.append(f"artist {artist_id} only in the {where} hub")
    for artist_id in sorted(duck_by_id.keys() & bq_by_id.keys()):
        for column, duck_value, bq_value in zip(
            duckdb_hub.columns, duck_by_id[artist_id], bq_by_id[artist_id], strict=True
        ):
            expected = (
                [] if duck_value is None and column.lower() in bigquery_hub.array_columns else duck_value
            )
            if normalized(expected) != normalized(bq_value):
                differences.append(
                    f"artist {artist_id} column {column}: DuckDB {duck_value!r} vs BigQuery {bq_value!r}"
                )
    return differences


def _run(
    command: Sequence[str], what: str, *, environment: dict[str, str] | None = None, echo: bool = False
) -> None:
    completed = subprocess.run(
        list(command), capture_output=True, text=True, env=environment, cwd=PROJECT_ROOT, check=False
    )
    _report(completed.stdout + completed.stderr, what, completed.returncode, echo=echo)


def _report(output: str, what: str, returncode: int, *, echo: bool) -> None:
    if echo or returncode != 0:
        for line in output.splitlines():
            if any(marker in line for marker in ("WARN ", "ERROR ", "FAIL ", "Done. ")):
                print(f"    | {line.strip()}")
    if returncode != 0:
        raise CheckFailedError(f"could not {what} (exit {returncode}):\n{output[-6000:]}")


def run_check(paths: WorkPaths, arguments: argparse.Namespace, timings: Timings) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with timings.step("generate the listening history"):
        generate_listening_history(paths, arguments, now)
        write_profiles(paths, arguments.profiles_example)
    with timings.step("prepare the BigQuery emulator's virtualenv"):
        ensure_bqemulator_venv(PROJECT_ROOT)
    lake_dataset, hub_dataset = f"dp_lake_{EMULATOR_TARGET}", f"dp_hub_{EMULATOR_TARGET}"
    duckdb_environment = {**os.environ, "DUCKDB_PATH": str(paths.root / "warehouse.duckdb")}
    emulator = BigQueryEmulatorProcess(
        paths.gcs, paths.root / "bqemulator.log", project_root=PROJECT_ROOT, project=EMULATOR_PROJECT
    )
    try:
        with timings.step("start the BigQuery emulator"):
            endpoint = emulator.start()
            print(f"    bqemulator at {endpoint.rest_url} (gs:// from {paths.gcs})")
        bigquery_environment = {
            **os.environ,
            "BQ_EMULATOR_ENDPOINT": endpoint.rest_url,
            "BQ_EMULATOR_PROJECT": EMULATOR_PROJECT,
        }
        client = bigquery_client(endpoint.rest_url)
        with timings.step("load the listening history into both warehouses"):
            dbt(
                paths,
                "bigquery",
                EMULATOR_TARGET,
                ["run-operation", "create_lake_tables"],
                bigquery_environment,
            )
            load_history_into_bigquery(client, paths, lake_dataset)
            load_history_into_duckdb(paths, duckdb_environment)
        previous_hub: HubSnapshot | None = None
        for round_number, fetches in enumerate(rounds_of_fetches(now), start=1):
            with timings.step(f"round {round_number}: landing files"):
                landing_files = write_landing_files(paths, fetches, now)
                if round_number == 1:
                    landing_files.append(write_musicbrainz_landing(paths, now))
            with timings.step(f"round {round_number}: BigQuery load jobs and dbt build"):
                load_into_bigquery(client, paths, landing_files, lake_dataset)
                print(
                    f"    skipping the Python model {PYTHON_MODEL} and its tests on both builds: bqemulator "
                    "cannot run Python models (on BigQuery it runs with submission_method bigframes)"
                )
                dbt(paths, "bigquery", EMULATOR_TARGET, list(BUILD), bigquery_environment)
                bigquery_statuses = check_run_results(paths, "bigquery")
                bigquery_hub = hub_rows_bigquery(client, hub_dataset)
            with timings.step(f"round {round_number}: DuckDB loader and dbt build"):
                load_landing_into_duckdb(paths, duckdb_environment)
                dbt(paths, "duckdb", "local", list(BUILD), duckdb_environment)
                duckdb_statuses = check_run_results(paths, "duckdb")
                duckdb_hub = hub_rows_duckdb(paths.root / "warehouse.duckdb")
            compare_round(round_number, bigquery_statuses, duckdb_statuses, bigquery_hub, duckdb_hub)
            if previous_hub is not None:
                require_changed_rows(round_number, previous_hub, duckdb_hub)
            previous_hub = duckdb_hub
        with timings.step("analyses: compile and run on both warehouses"):
            compile_and_compare_analyses(paths, client, bigquery_environment, duckdb_environment)
        with timings.step(f"the Python model {PYTHON_MODEL}: rendered by the compile on {EMULATOR_TARGET}"):
            check_python_model_compiled(paths, hub_dataset)
        with timings.step("HTML report on both warehouses"):
            compare_reports(paths, bigquery_environment, duckdb_environment)
    finally:
        with timings.step("stop the BigQuery emulator"):
            emulator.stop()


def compile_and_compare_analyses(
    paths: WorkPaths,
    client: bigquery.Client,
    bigquery_environment: dict[str, str],
    duckdb_environment: dict[str, str],
) -> None:
    select = ["compile", "--select", "resource_type:analysis"]
    # The same compile renders the Python model on BigQuery (check_python_model_compiled): a dbt start less.
    dbt(paths, "bigquery", EMULATOR_TARGET, [*select, PYTHON_MODEL], bigquery_environment)
    dbt(paths, "duckdb", "local", select, duckdb_environment)
    compare_analyses(paths, client)


def check_python_model_compiled(paths: WorkPaths, hub_dataset: str) -> None:
    """The Python model renders for BigQuery: its code, reading the hub from the BigQuery dataset."""
    compiled = (
        paths.dbt_dir("bigquery", "target")
        / "compiled"
        / "spotify_enrichment"
        / "models"
        / "hub"
        / "service"
        / "music"
        / f"{PYTHON_MODEL}.py"
    )
    if not compiled.is_file():
        raise CheckFailedError(f"dbt compile on {EMULATOR_TARGET} did not render {PYTHON_MODEL} ({compiled})")
    code = compiled.read_text(encoding="utf-8")
    expected = ("def model(dbt, session):", f"{hub_dataset}.hub_music__svc_dim_artists")
    missing = [text for text in expected if text not in code]
    if missing:
        raise CheckFailedError(f"{compiled} lacks {missing}")
    print(f"    {PYTHON_MODEL} renders on {EMULATOR_TARGET} ({len(code):,} characters, reads {hub_dataset})")


def compiled_analyses(paths: WorkPaths, warehouse: str) -> dict[str, str]:
    """Each compiled runbook query but those reading the Python model, which neither build here has."""
    folder = paths.dbt_dir(warehouse, "target") / "compiled" / "spotify_enrichment" / "analyses"
    manifest = json.loads((paths.dbt_dir(warehouse, "target") / "manifest.json").read_text(encoding="utf-8"))
    python_model = f"model.spotify_enrichment.{PYTHON_MODEL}"
    reading_it = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "analysis" and python_model in node["depends_on"]["nodes"]
    }
    if warehouse == "duckdb":
        for name in sorted(reading_it):
            print(f"    analysis {name}: reads {PYTHON_MODEL}, compiled only (not built here)")
    return {
        path.stem: path.read_text(encoding="utf-8")
        for path in sorted(folder.glob("*.sql"))
        if path.stem not in reading_it
    }


def compare_analyses(paths: WorkPaths, client: bigquery.Client) -> None:
    """Each runbook query runs on both warehouses with the same answer. `loadedAt` is left out: it is
    when each warehouse loaded the files, which differs by design."""
    on_bigquery, on_duckdb = compiled_analyses(paths, "bigquery"), compiled_analyses(paths, "duckdb")
    if sorted(on_bigquery) != sorted(on_duckdb):
        raise CheckFailedError(
            f"analyses differ: BigQuery {sorted(on_bigquery)} vs DuckDB {sorted(on_duckdb)}"
        )
    problems: list[str] = []
    with duckdb.connect(str(paths.root / "warehouse.duckdb"), read_only=True) as connection:
        for name, duckdb_sql in on_duckdb.items():
            try:
                duck_relation = connection.sql(duckdb_sql)
                duck_columns, duck_rows = list(duck_relation.columns), duck_relation.fetchall()
                bq_result = client.query(on_bigquery[name]).result()
            except Exception as error:  # reported with the analysis name below, then raised
                problems.append(f"analysis {name} failed: {error}")
                continue
            bq_columns = [column.name for column in bq_result.schema]
            kept = [index for index, column in enumerate(duck_columns) if column != "loadedAt"]
            duck_values = [normalized([row[index] for index in kept]) for row in duck_rows]
            bq_values = [
                normalized([row[index] for index in kept]) for row in (tuple(r.values()) for r in bq_result)
            ]
            # bqemulator lowercases column aliases (BigQuery keeps them); names match case-insensitively.
            same_columns = [column.lower() for column in duck_columns] == [
                column.lower() for column in bq_columns
            ]
            same = same_columns and duck_values == bq_values
            print(
                f"    analysis {name}: {len(duck_rows)} rows on DuckDB, {len(bq_values)} on BigQuery, "
                f"{'same' if same else 'DIFFERENT'}"
            )
            if not same:
                problems.append(
                    f"analysis {name} answers differ:\n    DuckDB {duck_columns} {duck_values[:3]}"
                    f"\n    BigQuery {bq_columns} {bq_values[:3]}"
                )
    if not on_duckdb:
        problems.append("no compiled analyses found")
    if problems:
        raise CheckFailedError("\n  ".join(problems))


HEADLINE = re.compile(
    r'id="headline-artists" value="(\d+)".*id="headline-coverage" value="([\d.]+)".*'
    r'id="headline-top-genre">([^<]*)<',
    re.DOTALL,
)


def write_report(paths: WorkPaths, warehouse: str, target: str, environment: dict[str, str]) -> Path:
    """`python -m spotify_enrichment report` on one warehouse, reading it through dbt's adapter."""
    out = paths.root / f"report-{warehouse}.html"
    dbt_dir = paths.dbt_dir(warehouse)
    command = [
        *(sys.executable, "-m", "spotify_enrichment", "report", "--project-dir", str(PROJECT_ROOT)),
        *("--profiles-dir", str(dbt_dir / "profiles"), "--target", target, "--out", str(out)),
        *("--vars", json.dumps({"landing_uri": str(paths.landing)})),
    ]
    environ = {
        **environment,
        "DBT_TARGET_PATH": str(dbt_dir / "report-target"),
        "DBT_LOG_PATH": str(dbt_dir / "logs"),
    }
    completed = subprocess.run(command, env=environ, capture_output=True, text=True, check=False)
    _report(completed.stdout + completed.stderr, f"report on {target}", completed.returncode, echo=True)
    return out


def compare_reports(
    paths: WorkPaths, bigquery_environment: dict[str, str], duckdb_environment: dict[str, str]
) -> None:
    """The report reads BigQuery through the same code as DuckDB: its headline figures must agree."""
    headlines = {}
    for warehouse, target, environment in (
        ("bigquery", EMULATOR_TARGET, bigquery_environment),
        ("duckdb", "local", duckdb_environment),
    ):
        match = HEADLINE.search(
            write_report(paths, warehouse, target, environment).read_text(encoding="utf-8")
        )
        if not match:
            raise CheckFailedError(f"the report on {warehouse} has no headline figures")
        headlines[warehouse] = match.groups()
    print(f"    report headline (artists, coverage, top genre): {headlines}")
    if headlines["bigquery"] != headlines["duckdb"]:
        raise CheckFailedError(f"report headlines differ: {headlines}")


def require_changed_rows(round_number: int, before: HubSnapshot, after: HubSnapshot) -> None:
    """A later round must change the hub, or its comparison would only repeat the first one."""
    before_rows = before.by_artist()
    changed = sum(1 for artist_id, row in after.by_artist().items() if before_rows.get(artist_id) != row)
    print(f"round {round_number}: {changed} hub rows changed since the previous round")
    if changed == 0:
        raise CheckFailedError(
            f"round {round_number} changed no hub row: the incremental merge was not exercised"
        )


def compare_round(
    round_number: int,
    bigquery_statuses: dict[str, str],
    duckdb_statuses: dict[str, str],
    bigquery_hub: HubSnapshot,
    duckdb_hub: HubSnapshot,
) -> None:
    print(f"round {round_number}: BigQuery build: {_format_counts(bigquery_statuses)}")
    print(f"round {round_number}: DuckDB build:   {_format_counts(duckdb_statuses)}")
    if bigquery_statuses != duckdb_statuses:
        differing = sorted(
            f"{node}: BigQuery {bigquery_statuses.get(node, 'absent')},"
            f" DuckDB {duckdb_statuses.get(node, 'absent')}"
            for node in bigquery_statuses.keys() | duckdb_statuses.keys()
            if bigquery_statuses.get(node) != duckdb_statuses.get(node)
        )
        raise CheckFailedError("the builds differ:\n  " + "\n  ".join(differing))
    differences = compare_hubs(duckdb_hub, bigquery_hub)
    status = duckdb_hub.columns.index("enrichmentStatus")  # DuckDB keeps the model's names
    enriched = sum(1 for row in duckdb_hub.rows if row[status] is not None)
    print(
        f"round {round_number}: hub {HUB_TABLE}: DuckDB {len(duckdb_hub.rows)} rows, "
        f"BigQuery {len(bigquery_hub.rows)} rows, {len(duckdb_hub.columns)} columns, "
        f"{enriched} enriched artists, {len(differences)} differences"
    )
    if not duckdb_hub.rows:
        raise CheckFailedError("the DuckDB hub is empty: nothing was compared")
    if differences:
        shown = "\n  ".join(differences[:20])
        raise CheckFailedError(f"{len(differences)} differences between the hubs (first 20):\n  {shown}")
    if round_number == 1:
        require_genre_cases(duckdb_hub, bigquery_hub)


def require_genre_cases(duckdb_hub: HubSnapshot, bigquery_hub: HubSnapshot) -> None:
    """Every case of the best-available genres is in the compared rows, and both engines tell them apart
    by `genresSource` / `spotifyGenresWithheld` (BigQuery's `genres` is [] where DuckDB's is NULL)."""
    for engine, hub in (("DuckDB", duckdb_hub), ("BigQuery", bigquery_hub)):
        names = [column.lower() for column in hub.columns]
        cases = {
            (
                row[names.index("genressource")],
                row[names.index("spotifygenreswithheld")],
                bool(row[names.index("genres")]),
            )
            for row in hub.rows
        }
        wanted = {
            ("spotify", False, True),  # Spotify's list
            ("spotify", False, False),  # Spotify answered an empty list
            ("musicbrainz", True, True),  # withheld by Spotify, MusicBrainz's list
            (None, True, False),  # withheld, MusicBrainz does not link the artist
        }
        if not wanted <= cases:
            raise CheckFailedError(f"{engine} hub lacks genre cases {sorted(wanted - cases, key=str)}")
        print(f"    {engine} hub: every genre case present ({len(cases)} distinct cases)")


def _format_counts(statuses: dict[str, str]) -> str:
    counts: dict[str, int] = {}
    for node, status in statuses.items():
        key = f"{node.split('.')[0]} {status}"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{key}: {value}" for key, value in sorted(counts.items()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--artists", type=int, default=2000, help="artists in the generated data (default 2000)"
    )
    parser.add_argument(
        "--plays", type=int, default=20000, help="plays in the generated data (default 20000)"
    )
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument(
        "--profiles-example",
        type=Path,
        default=PROJECT_ROOT / "profiles.yml.example",
        help="profiles template with the local and bq_emulator targets (default profiles.yml.example)",
    )
    parser.add_argument("--keep-work", action="store_true", help="keep the temporary folder and print it")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="    %(message)s")
    timings = Timings()
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="test_bigquery_"))
    try:
        run_check(WorkPaths(work), arguments, timings)
    except CheckFailedError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        print(f"test-bigquery FAILED after {time.monotonic() - started:.0f} s; work folder kept: {work}")
        return 1
    if arguments.keep_work:
        print(f"work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"test-bigquery OK in {time.monotonic() - started:.0f} s: hub and analyses equal on both warehouses"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
