"""Fixtures of the BigQuery tests: the BigQuery emulator and a client of it, and the remote-function
handler served over real HTTP, in front of the project's Spotify emulator."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery
from support.dbt_runner import PROJECT_ROOT, dbt_project
from support.remote_function_server import RemoteFunctionServer

from spotify_enrichment_dev.bigquery_emulator_process import BigQueryEmulatorProcess
from spotify_enrichment_dev.emulator_process import EmulatorProcess

PROJECT = "local-project"


@pytest.fixture(scope="session")
def artists_csv(shared_data: Path) -> Path:
    return shared_data / "artists" / "artists.csv"


@pytest.fixture(scope="session")
def catalogue_names(artists_csv: Path) -> dict[str, str]:
    """Artist ID -> name of the real artists the emulator serves."""
    with artists_csv.open(encoding="utf-8", newline="") as csv_file:
        return {row["artist_id"]: row["name"] for row in csv.DictReader(csv_file, delimiter="\t")}


@pytest.fixture(scope="session")
def known_artist_ids(catalogue_names: dict[str, str]) -> list[str]:
    """200 IDs of real artists the emulator serves, in a fixed order."""
    return sorted(catalogue_names)[:200]


@pytest.fixture(scope="module")
def extended_emulator(artists_csv: Path) -> Iterator[EmulatorProcess]:
    with EmulatorProcess(artists_csv) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def remote_function(
    extended_emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RemoteFunctionServer]:
    log_path = tmp_path_factory.mktemp("remote_function") / "functions-framework.log"
    with RemoteFunctionServer(extended_emulator.settings_environ(), log_path) as server:
        yield server


@pytest.fixture(scope="session")
def bigquery_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BigQueryEmulatorProcess]:
    work = tmp_path_factory.mktemp("bqemulator")
    with BigQueryEmulatorProcess(
        work / "gcs", work / "bqemulator.log", project_root=PROJECT_ROOT
    ) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def bq_client(bigquery_emulator: BigQueryEmulatorProcess) -> bigquery.Client:
    return bigquery.Client(
        project=PROJECT,
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options=ClientOptions(api_endpoint=bigquery_emulator.rest_url),
    )


@pytest.fixture(scope="session")
def lake(bigquery_emulator: BigQueryEmulatorProcess, tmp_path_factory: pytest.TempPathFactory) -> str:
    """`local-project.dp_lake_bq_emulator` with the lake tables (`create_lake_tables`), for the tests of
    the load step on BigQuery."""
    project = dbt_project(
        tmp_path_factory.mktemp("dbt_bigquery_load"),
        env={"DBT_TARGET": "bq_emulator", "BQ_EMULATOR_ENDPOINT": bigquery_emulator.rest_url},
    )
    created = project.run("run-operation", "create_lake_tables")
    assert created.ok, created.output
    return f"{PROJECT}.dp_lake_bq_emulator"
