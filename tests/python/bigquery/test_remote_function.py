"""The BigQuery remote-function handler over HTTP (functions-framework) against the Spotify emulator."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from support.remote_function_server import RemoteFunctionServer

from spotify_enrichment.records import LANDING_KEYS
from spotify_enrichment_dev.emulator_process import EmulatorProcess

UNKNOWN_ARTIST_ID = "0000000000000000000000"  # valid shape, in no catalogue


def _records(response_json: dict[str, object]) -> list[dict[str, object] | None]:
    replies = response_json["replies"]
    assert isinstance(replies, list)
    return [json.loads(reply) if reply is not None else None for reply in replies]


@pytest.fixture(scope="module")
def known_ids(known_artist_ids: list[str]) -> list[str]:
    return known_artist_ids


def test_replies_keep_the_order_of_calls_with_null_for_null_arguments(
    remote_function: RemoteFunctionServer, known_ids: list[str], catalogue_names: dict[str, str]
) -> None:
    calls = [known_ids[7], None, UNKNOWN_ARTIST_ID, known_ids[3], known_ids[7], known_ids[0]]

    response = remote_function.call(calls)

    assert response.status_code == 200, response.text
    records = _records(response.json())
    assert len(records) == len(calls)
    for artist_id, record in zip(calls, records, strict=True):
        if artist_id is None:
            assert record is None
            continue
        assert record is not None
        assert tuple(record) == LANDING_KEYS
        assert record["artistId"] == artist_id
    assert [r["status"] for r in records if r is not None] == ["ok", "not_found", "ok", "ok", "ok"]
    assert records[0] is not None and records[0]["artistName"] == catalogue_names[known_ids[7]]
    assert records[2] is not None and records[2]["artistName"] is None  # not_found carries no data


def test_an_ok_reply_is_the_full_extended_quota_record(
    remote_function: RemoteFunctionServer, known_ids: list[str]
) -> None:
    record = _records(remote_function.call([known_ids[1]]).json())[0]

    assert record is not None
    assert record["apiMode"] == "batch"
    assert isinstance(record["popularity"], int)
    assert isinstance(record["followerCount"], int)
    assert isinstance(record["genres"], list)
    assert record["externalUrls"] == {"spotify": f"https://open.spotify.com/artist/{known_ids[1]}"}


@pytest.mark.parametrize("size", [1, 50, 51, 120])
def test_a_batch_of_calls_is_asked_50_ids_per_spotify_request(
    remote_function: RemoteFunctionServer, extended_emulator: EmulatorProcess, known_ids: list[str], size: int
) -> None:
    extended_emulator.reset_stats()

    response = remote_function.call(known_ids[:size])

    assert response.status_code == 200, response.text
    records = _records(response.json())
    assert [record["artistId"] if record else None for record in records] == known_ids[:size]
    stats = extended_emulator.stats()
    assert stats["by_kind"].get("batch", 0) == math.ceil(size / 50)
    assert stats["by_kind"].get("single", 0) == 0
    assert stats["artist_ids_requested_total"] == size


def test_malformed_artist_id_is_a_400_naming_it_and_nothing_is_asked(
    remote_function: RemoteFunctionServer, extended_emulator: EmulatorProcess, known_ids: list[str]
) -> None:
    extended_emulator.reset_stats()

    response = remote_function.call([known_ids[0], "not-an-id'; drop table x"])

    assert response.status_code == 400
    assert "not-an-id" in response.json()["errorMessage"]
    assert "call 1" in response.json()["errorMessage"]
    assert extended_emulator.stats()["artist_ids_requested_total"] == 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"requestId": "x"}, '"calls" array'),
        ({"calls": [["a", "b"]]}, "one-argument list"),
        ({"calls": [[42]]}, "not a Spotify artist ID"),
    ],
)
def test_a_request_that_is_not_a_remote_function_call_is_a_400(
    remote_function: RemoteFunctionServer, body: dict[str, object], expected: str
) -> None:
    response = requests.post(remote_function.url, json=body, timeout=10)

    assert response.status_code == 400
    assert expected in response.json()["errorMessage"]


def test_an_empty_batch_and_all_null_calls_answer_without_asking_spotify(
    remote_function: RemoteFunctionServer, extended_emulator: EmulatorProcess
) -> None:
    extended_emulator.reset_stats()

    assert remote_function.call([]).json() == {"replies": []}
    assert remote_function.call([None, None]).json() == {"replies": [None, None]}
    assert extended_emulator.stats()["artist_ids_requested_total"] == 0


@pytest.fixture(scope="module")
def development_function(
    artists_csv: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RemoteFunctionServer]:
    with EmulatorProcess(artists_csv, quota="development") as emulator:
        log_path = tmp_path_factory.mktemp("development") / "functions-framework.log"
        with RemoteFunctionServer(emulator.settings_environ(), log_path) as server:
            yield server


def test_development_quota_replies_single_call_records_with_withheld_fields_null(
    development_function: RemoteFunctionServer, known_ids: list[str]
) -> None:
    calls = [*known_ids[:5], UNKNOWN_ARTIST_ID]

    response = development_function.call(calls)

    assert response.status_code == 200, response.text
    records = _records(response.json())
    assert [record["artistId"] for record in records if record] == calls
    for record in records[:5]:
        assert record is not None
        assert record["status"] == "ok"
        assert record["apiMode"] == "single"
        assert record["popularity"] is None
        assert record["followerCount"] is None
        assert record["genres"] is None
    assert records[5] is not None and records[5]["status"] == "not_found"


def test_spotify_rate_limit_is_a_stop_reply_per_artist_with_retry_not_before(
    artists_csv: Path, known_ids: list[str], tmp_path: Path
) -> None:
    with EmulatorProcess(artists_csv, rate_limit=1, retry_after=3600) as emulator:
        environ = {**emulator.settings_environ(), "SPOTIFY_MAX_WAIT_SECONDS": "2"}
        with RemoteFunctionServer(environ, tmp_path / "functions-framework.log") as server:
            assert server.call(known_ids[:3]).status_code == 200  # the one request the window allows

            response = server.call(known_ids[3:6])

    assert response.status_code == 200, response.text
    stops = _records(response.json())
    assert all(stop is not None and stop["stop"] == "rate_limit" for stop in stops)
    assert stops[0] is not None and stops[0]["retryNotBefore"] is not None
    assert "rate_limit" in str(stops[0]["message"])


def test_quota_exceeded_is_a_stop_reply(artists_csv: Path, known_ids: list[str], tmp_path: Path) -> None:
    with (
        EmulatorProcess(artists_csv, quota_exceeded_after=0) as emulator,
        RemoteFunctionServer(emulator.settings_environ(), tmp_path / "functions-framework.log") as server,
    ):
        response = server.call(known_ids[:3])

    assert response.status_code == 200, response.text
    assert [stop["stop"] if stop else None for stop in _records(response.json())] == ["quota"] * 3


def test_rejected_credentials_answer_502_without_the_secret(
    artists_csv: Path, known_ids: list[str], tmp_path: Path
) -> None:
    with EmulatorProcess(artists_csv) as emulator:
        wrong_secret = "wrong-secret-" + "9" * 20
        environ = {**emulator.settings_environ(), "SPOTIFY_CLIENT_SECRET": wrong_secret}
        with RemoteFunctionServer(environ, tmp_path / "functions-framework.log") as server:
            response = server.call(known_ids[:2])
            log_text = server.log_text()

    assert response.status_code == 502
    assert "SPOTIFY_CLIENT" in response.json()["errorMessage"]
    assert wrong_secret not in response.text
    assert wrong_secret not in log_text
