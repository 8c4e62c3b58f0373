"""Issue 13 on BigQuery: run records, failure records, resume-after, force and the run lock, on bqemulator.

bqemulator runs no remote functions, so each run's two functions are SQL stand-ins: the fetch answers
what the real handler (functions-framework over HTTP, in front of the Spotify emulator) answered for
those artists, or fails the query when it must not be called; the load answers a fixed summary, and
the test then does what the real load function does: the files BigQuery exported (the emulator's
EXPORT DATA, into its local Cloud Storage folder) are put into a GCS emulator bucket and loaded by
`answer_load_calls` (the load function's handler) into bqemulator. Everything else, the run lock,
the run history's wait, the worklist with the failure records, the exports, runs on the emulator.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from google.cloud import bigquery
from support.dbt_runner import DbtProject, DbtResult, dbt_project
from support.gcs_emulator import GcsEmulator
from support.remote_function_server import RemoteFunctionServer

from spotify_enrichment.landing import open_store
from spotify_enrichment.loader import record_type_of
from spotify_enrichment.records import ARTIST_ENRICHMENT
from spotify_enrichment.remote_function import answer_load_calls
from spotify_enrichment_dev.bigquery_emulator_process import BigQueryEmulatorProcess
from spotify_enrichment_dev.emulator_process import EmulatorProcess

PROJECT = "local-project"
DATASET_ENV = "bq_runs"
LAKE = f"{PROJECT}.dp_lake_{DATASET_ENV}"
EXPORT_BUCKET = "runs-export"
UNKNOWN = "0000000000000000000000"


@dataclass
class Warehouse:
    project: DbtProject
    client: bigquery.Client
    emulator: BigQueryEmulatorProcess
    gcs: GcsEmulator
    owner: str

    def run(
        self,
        *,
        stand_in: dict[str, str | None] | None,
        extra_vars: dict[str, Any] | None = None,
        **arguments: Any,
    ) -> DbtResult:
        """enrich_artists with the fetch stand-in answering `stand_in` (None: the call fails the query)."""
        if stand_in is None:
            body = "error('the remote function was called')"
        else:
            cases = " ".join(
                f"when '{artist}' then " + ("null" if reply is None else f"'{reply}'")
                for artist, reply in stand_in.items()
            )
            body = f"case artist_id {cases} else error(concat('not expected: ', artist_id)) end"
        self.client.query(
            f"create or replace function `{LAKE}.spotify_artist_enrichment`(artist_id string)"
            f" returns string as ({body})"
        ).result()
        return self.project.run(
            "run-operation",
            "enrich_artists",
            "--args",
            json.dumps(arguments),
            vars={"landing_uri": f"gs://{EXPORT_BUCKET}", "dataset_env": DATASET_ENV, **(extra_vars or {})},
        )

    def load_exports(self) -> dict[str, Any]:
        """What spotify_landing_load does with what the run exported: the real loader, into bqemulator."""
        exported = self.emulator.gcs_root / EXPORT_BUCKET / "spotify" / "landing"
        store = open_store(f"gs://{self.gcs.bucket}")
        for path in sorted(exported.glob("*.jsonl")):
            store.write_bytes(f"spotify/landing/{path.name}", _contract_case(path))
        shutil.rmtree(exported, ignore_errors=True)
        reply = answer_load_calls({"calls": [[store.root_uri, LAKE, False, self.owner]]}, lambda: self.client)
        assert reply.status == 200, reply.body
        summary: dict[str, Any] = json.loads(reply.body["replies"][0])
        assert summary["quarantined"] == [], summary
        return summary

    def rows(self, sql: str) -> list[dict[str, Any]]:
        return [dict(row) for row in self.client.query(sql).result()]


def _contract_case(path: Path) -> bytes:
    """The exported bytes; for the artist file, bqemulator 1.4.0 writes the column names of that
    export in lowercase (real BigQuery keeps them, see test_enrich_artists_bigquery.py), so they are
    given back their contract spelling, values untouched. The run and failure exports need nothing."""
    data = path.read_bytes()
    if record_type_of(path.name) is not ARTIST_ENRICHMENT:
        return data
    spelling = {key.lower(): key for key in ARTIST_ENRICHMENT.keys}
    lines = [json.loads(line) for line in data.splitlines()]
    return "".join(
        json.dumps({spelling.get(key, key): value for key, value in line.items()}) + "\n" for line in lines
    ).encode()


@pytest.fixture(scope="module")
def function_replies(
    artists_csv: Path, known_artist_ids: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The real handler's replies, in the order BigQuery would send its batches: two answered
    artists and an unknown one; an artist whose every request gets 500 (failed after the retries);
    then Spotify's Retry-After of an hour stops the run; a last batch is answered from the stop the
    function remembers, with no request to Spotify."""
    ok_a, ok_b, ok_c, failing = known_artist_ids[:4]
    with EmulatorProcess(artists_csv, rate_limit=3, retry_after=3600, fail_ids=[failing]) as emulator:
        environ = {
            **emulator.settings_environ(),
            "SPOTIFY_MAX_WAIT_SECONDS": "2",
            "SPOTIFY_MAX_RETRIES": "1",
        }
        log_path = tmp_path_factory.mktemp("runs_function") / "functions-framework.log"
        with RemoteFunctionServer(environ, log_path) as server:
            batches = [[ok_a, UNKNOWN], [failing], [ok_b], [ok_c]]
            replies: dict[str, str | None] = {}
            requests_after: list[int] = []
            before_stop = datetime.now(UTC)
            for batch in batches:
                response = server.call(batch)
                assert response.status_code == 200, response.text
                replies.update(zip(batch, response.json()["replies"], strict=True))
                requests_after.append(emulator.stats()["requests_total"])
    yield {
        "replies": replies,
        "requests_after": requests_after,
        "before_stop": before_stop,
        "ids": (ok_a, ok_b, ok_c, failing),
    }


@pytest.fixture(scope="module")
def warehouse(
    bigquery_emulator: BigQueryEmulatorProcess,
    bq_client: bigquery.Client,
    known_artist_ids: list[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Warehouse]:
    project = dbt_project(
        tmp_path_factory.mktemp("dbt_bigquery_runs"),
        env={"DBT_TARGET": "bq_emulator", "BQ_EMULATOR_ENDPOINT": bigquery_emulator.rest_url},
    )
    created = project.run("run-operation", "create_lake_tables", vars={"dataset_env": DATASET_ENV})
    assert created.ok, created.output
    ok_a, ok_b, ok_c, failing = known_artist_ids[:4]
    # The failing artist was first played long before lookback_days: only its failure record brings
    # it back into an incremental run.
    plays = [(ok_a, 1), (UNKNOWN, 2), (failing, 200), (ok_b, 3), (ok_c, 4)]
    values = ", ".join(
        f"(timestamp_sub(current_timestamp(), interval {days} day), 'track{index}', 'Track', 1000,"
        f" '{artist}', 'Artist {index}')"
        for index, (artist, days) in enumerate(plays)
    )
    bq_client.query(
        f"insert into `{LAKE}.lake_spotify__normalized_listening_history`"  # noqa: S608 (test constants)
        f" (playedAt, trackId, trackName, msPlayed, artistId, artistName) values {values}"
    ).result()
    summary = {
        "files": 0,
        "loaded_files": 0,
        "rows": 0,
        "already_loaded": 0,
        "quarantined": [],
        "archived": [],
        "ignored": [],
        "line": "load_artist_enrichment: stand-in load",
    }
    bq_client.query(
        f"create or replace function `{LAKE}.spotify_landing_load`(landing_uri string, lake_dataset string,"
        f" dry_run bool, owner string) returns string as ('{json.dumps(summary)}')"
    ).result()
    identity = f"select warehouseId from `{LAKE}.lake_enrichment__warehouse`"  # noqa: S608
    (owner,) = next(iter(bq_client.query(identity)))
    with GcsEmulator(bucket="bq-runs-test") as gcs:
        yield Warehouse(project, bq_client, bigquery_emulator, gcs, owner)


@pytest.fixture(scope="module")
def stopped_run(warehouse: Warehouse, function_replies: dict[str, Any]) -> dict[str, Any]:
    """A backfill that Spotify stops with a Retry-After of an hour, then its exports loaded."""
    result = warehouse.run(stand_in=function_replies["replies"], mode="backfill")
    loaded = warehouse.load_exports()
    return {"result": result, "loaded": loaded}


def test_the_function_answers_a_retry_after_stop_per_row_and_then_asks_spotify_nothing(
    function_replies: dict[str, Any],
) -> None:
    ok_a, ok_b, ok_c, failing = function_replies["ids"]
    replies = {artist: json.loads(reply) for artist, reply in function_replies["replies"].items()}

    assert replies[ok_a]["status"] == "ok"
    assert replies[UNKNOWN]["status"] == "not_found"
    assert "500" in replies[failing]["failed"]
    stop = replies[ok_b]
    assert stop["stop"] == "rate_limit"
    until = datetime.strptime(stop["retryNotBefore"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert function_replies["before_stop"] + timedelta(seconds=3500) < until
    assert until < datetime.now(UTC) + timedelta(seconds=3700)
    assert replies[ok_c] == stop
    requests_after = function_replies["requests_after"]
    assert requests_after[3] == requests_after[2]  # the remembered stop sent nothing


def test_a_stopped_run_records_its_run_its_failures_and_fails(
    stopped_run: dict[str, Any], warehouse: Warehouse, function_replies: dict[str, Any]
) -> None:
    result = stopped_run["result"]
    ok_a, ok_b, _, failing = function_replies["ids"]

    assert not result.ok
    assert "the run stopped (rate_limit)" in result.output
    rows_by_type = stopped_run["loaded"]["rows_by_record_type"]
    assert rows_by_type == {"artist_enrichment": 2, "enrichment_failures": 1, "enrichment_runs": 1}
    (run,) = warehouse.rows(f"select * from `{LAKE}.lake_enrichment__runs`")  # noqa: S608
    expected_until = json.loads(function_replies["replies"][ok_b])["retryNotBefore"]
    assert (run["source"], run["mode"], run["requested"]) == ("spotify", "backfill", 5)
    assert (run["ok"], run["not_found"], run["failed"], run["invalid"]) == (1, 1, 1, 0)
    assert (run["stopReason"], run["apiMode"]) == ("rate_limit", "batch")
    assert run["retryNotBefore"].strftime("%Y-%m-%dT%H:%M:%SZ") == expected_until
    assert run["runId"].startswith("bq_")
    (failure,) = warehouse.rows(f"select * from `{LAKE}.lake_enrichment__failures`")  # noqa: S608
    assert (failure["source"], failure["itemId"], failure["runId"]) == ("spotify", failing, run["runId"])
    assert "500" in failure["reason"]
    enriched = warehouse.rows(
        f"select artistId, status from `{LAKE}.lake_spotify__normalized_artist_enrichment`"  # noqa: S608
    )
    assert sorted((row["artistId"], row["status"]) for row in enriched) == sorted(
        [(ok_a, "ok"), (UNKNOWN, "not_found")]
    )


def test_a_held_lock_fails_the_next_run_naming_its_owner_and_an_expired_one_is_taken_over(
    stopped_run: dict[str, Any], warehouse: Warehouse, function_replies: dict[str, Any]
) -> None:
    lock = f"`{LAKE}.lake_enrichment__run_lock`"
    warehouse.client.query(
        f"update {lock} set runId = 'other-run-1', takenBy = 'job@example.com',"  # noqa: S608
        " takenAt = current_timestamp(), expiresAt = timestamp_add(current_timestamp(), interval 1 hour)"
        " where lockName = 'enrichment'"
    ).result()

    busy = warehouse.run(stand_in=None, mode="incremental")

    assert not busy.ok
    assert f"another enrichment run is using the lake dataset {LAKE}: run other-run-1 (job@example.com" in (
        busy.output
    )
    assert "Nothing was asked" in busy.output

    warehouse.client.query(
        f"update {lock} set expiresAt = timestamp_sub(current_timestamp(), interval 1 minute)"  # noqa: S608
        " where lockName = 'enrichment'"
    ).result()
    # Nothing is stale: a run with nothing to do, whose record keeps the earlier wait.
    waited = warehouse.run(stand_in=None, mode="refresh")

    assert waited.ok, waited.output
    assert "no artists to enrich (mode refresh)" in waited.output
    assert "took over the run lock of run other-run-1 (job@example.com" in waited.output
    holders = warehouse.rows(f"select runId from {lock}")  # noqa: S608
    assert holders == [{"runId": None}]  # freed at the end
    assert warehouse.load_exports()["rows_by_record_type"] == {"enrichment_runs": 1}
    (idle,) = warehouse.rows(
        f"select stopReason, requested, retryNotBefore from `{LAKE}.lake_enrichment__runs`"  # noqa: S608
        " where mode = 'refresh'"
    )
    until = json.loads(function_replies["replies"][function_replies["ids"][1]])["retryNotBefore"]
    assert (idle["stopReason"], idle["requested"]) == (None, 0)
    assert idle["retryNotBefore"].strftime("%Y-%m-%dT%H:%M:%SZ") == until


def test_before_retry_not_before_a_run_sends_nothing_exits_0_and_keeps_the_wait(
    stopped_run: dict[str, Any], warehouse: Warehouse, function_replies: dict[str, Any]
) -> None:
    ok_b = function_replies["ids"][1]
    until = json.loads(function_replies["replies"][ok_b])["retryNotBefore"]

    result = warehouse.run(stand_in=None, mode="backfill")  # the stand-in fails the query if called

    assert result.ok, result.output
    assert f"Spotify asked to wait until {until}; nothing was sent" in result.output
    loaded = warehouse.load_exports()
    assert loaded["rows_by_record_type"] == {"enrichment_runs": 1}
    waiting = warehouse.rows(
        f"select stopReason, retryNotBefore, requested from `{LAKE}.lake_enrichment__runs`"  # noqa: S608
        " where stopReason = 'waiting' and mode = 'backfill'"
    )
    assert [row["retryNotBefore"].strftime("%Y-%m-%dT%H:%M:%SZ") for row in waiting] == [until]


def test_force_asks_anyway_and_incremental_asks_the_failed_artist_whatever_its_first_play(
    stopped_run: dict[str, Any], warehouse: Warehouse, function_replies: dict[str, Any], tmp_path: Path
) -> None:
    ok_a, ok_b, ok_c, failing = function_replies["ids"]
    replies = function_replies["replies"]
    answer = json.loads(replies[ok_a])
    fresh = {artist: json.dumps({**answer, "artistId": artist}) for artist in (ok_b, ok_c, failing)}

    result = warehouse.run(
        stand_in=dict(fresh),
        extra_vars={"enrichment_retry_backoff_minutes": 0},
        mode="incremental",
        lookback_days=7,
        force=True,
    )

    assert result.ok, result.output
    assert "asking 3 artists" in result.output
    loaded = warehouse.load_exports()
    assert loaded["rows_by_record_type"] == {"artist_enrichment": 3, "enrichment_runs": 1}
    latest = warehouse.rows(
        f"select stopReason, ok, failed from `{LAKE}.lake_enrichment__runs` where mode = 'incremental'"  # noqa: S608
        " and stopReason is null"
    )
    assert latest == [{"stopReason": None, "ok": 3, "failed": 0}]
    enriched = {
        row["artistId"]
        for row in warehouse.rows(
            f"select artistId from `{LAKE}.lake_spotify__normalized_artist_enrichment`"  # noqa: S608
        )
    }
    assert failing in enriched
