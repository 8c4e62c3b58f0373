"""Landing stores (local folder and gs:// through gcp-storage-emulator) and crash-safe partial files."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.gcs_emulator import GcsEmulator

from spotify_enrichment.errors import BadInputError, LandingError
from spotify_enrichment.landing import (
    LANDING_PREFIX,
    PARTIAL_PREFIX,
    LandingStore,
    PartialLanding,
    free_landing_name,
    landing_file_name,
    open_store,
    recover_partials,
)
from spotify_enrichment.transform import not_found_record, record_to_json_line

STARTED = datetime(2026, 11, 28, 16, 42, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def gcs() -> Iterator[GcsEmulator]:
    with GcsEmulator(bucket="landing-test") as emulator:
        yield emulator


@pytest.fixture(params=["local", "gcs"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> LandingStore:
    if request.param == "local":
        return open_store(str(tmp_path / "landing"))
    request.getfixturevalue("gcs")
    return open_store(f"gs://landing-test/{tmp_path.name}")


def lines(*artist_ids: str) -> list[str]:
    return [
        record_to_json_line(
            not_found_record(
                artist_id=artist_id, enriched_at="2026-11-28T16:42:05.000000Z", api_mode="batch", run_id="r"
            )
        )
        for artist_id in artist_ids
    ]


def test_landing_file_names_follow_the_layout() -> None:
    assert landing_file_name(STARTED) == "20261128T164205Z_artist_enrichment.jsonl"


def test_store_writes_lists_reads_moves_and_deletes(store: LandingStore) -> None:
    store.write_bytes("spotify/landing/a.jsonl", b"one\n")
    store.write_bytes("spotify/landing/b.jsonl", b"two\n")
    assert store.list("spotify/landing/") == ["spotify/landing/a.jsonl", "spotify/landing/b.jsonl"]
    assert store.read_bytes("spotify/landing/a.jsonl") == b"one\n"
    store.write_bytes("spotify/landing/a.jsonl", b"replaced\n")
    assert store.read_bytes("spotify/landing/a.jsonl") == b"replaced\n"
    store.move("spotify/landing/a.jsonl", "spotify/archive/a.jsonl")
    assert store.list("spotify/") == ["spotify/archive/a.jsonl", "spotify/landing/b.jsonl"]
    assert store.exists("spotify/archive/a.jsonl")
    assert not store.exists("spotify/landing/a.jsonl")
    store.delete("spotify/landing/b.jsonl")
    store.delete("spotify/landing/b.jsonl")  # deleting twice is fine
    assert store.list("spotify/landing/") == []
    assert store.uri("spotify/archive/a.jsonl").endswith("spotify/archive/a.jsonl")
    with pytest.raises(LandingError, match="cannot read"):
        store.read_bytes("spotify/landing/missing.jsonl")


def test_store_rejects_keys_that_escape_the_landing_root(store: LandingStore) -> None:
    for key in ("../outside.jsonl", "/abs.jsonl", "spotify/../../x", ""):
        with pytest.raises(LandingError, match="invalid landing key"):
            store.write_bytes(key, b"x")


def test_local_temporary_files_are_never_listed(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    (tmp_path / "spotify" / "landing").mkdir(parents=True)
    (tmp_path / "spotify" / "landing" / ".x.jsonl.123.tmp").write_text("half")
    assert store.list("spotify/") == []


@pytest.mark.parametrize("uri", ["", "s3://bucket", "gs://", "gs://A_Bad_Bucket"])
def test_unusable_landing_uris_are_bad_input(uri: str) -> None:
    with pytest.raises(BadInputError):
        open_store(uri)


def test_a_finished_partial_lands_atomically_and_leaves_nothing_behind(store: LandingStore) -> None:
    partial = PartialLanding(store, free_landing_name(store, STARTED), "r")
    partial.start()
    partial.append(lines("0" * 22, "1" * 22))
    partial.append(lines("2" * 22))
    assert store.list(LANDING_PREFIX) == []
    uri = partial.finalize()
    assert uri == store.uri(LANDING_PREFIX + "20261128T164205Z_artist_enrichment.jsonl")
    landed = store.read_bytes(LANDING_PREFIX + "20261128T164205Z_artist_enrichment.jsonl").decode()
    assert [json.loads(line)["artistId"] for line in landed.splitlines()] == ["0" * 22, "1" * 22, "2" * 22]
    assert store.list(PARTIAL_PREFIX) == []


def test_a_second_run_in_the_same_second_gets_the_next_name(store: LandingStore) -> None:
    store.write_bytes(LANDING_PREFIX + landing_file_name(STARTED), b"")
    assert free_landing_name(store, STARTED) == "20261128T164206Z_artist_enrichment.jsonl"


def test_crashed_partial_is_landed_once_under_its_own_name(store: LandingStore) -> None:
    crashed = PartialLanding(store, landing_file_name(STARTED), "crashed-run")
    crashed.start()
    crashed.append(lines("0" * 22, "1" * 22))
    crashed.append(lines("2" * 22))
    # the process dies here: no finalize
    recovered = recover_partials(store)
    assert len(recovered) == 1
    assert [record["artistId"] for record in recovered[0].records] == ["0" * 22, "1" * 22, "2" * 22]
    assert recovered[0].file == store.uri(LANDING_PREFIX + landing_file_name(STARTED))
    assert store.list(PARTIAL_PREFIX) == []
    assert recover_partials(store) == []


def test_a_partial_already_landed_is_removed_not_landed_twice(store: LandingStore) -> None:
    crashed = PartialLanding(store, landing_file_name(STARTED), "crashed-run")
    crashed.start()
    crashed.append(lines("0" * 22))
    # the recovering run landed it, then died before deleting the partial; the loader archived the file
    store.write_bytes(
        "spotify/archive/" + landing_file_name(STARTED), b"".join(x.encode() for x in lines("0" * 22))
    )
    recovered = recover_partials(store)
    assert recovered == []
    assert store.list(PARTIAL_PREFIX) == []
    assert store.list(LANDING_PREFIX) == []


def test_the_partial_of_a_run_still_going_is_left_alone(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    live = PartialLanding(store, landing_file_name(STARTED), "live-run")
    live.append(lines("0" * 22))
    marker = {"runId": "live-run", "pid": os.getppid(), "host": os.uname().nodename, "file": live.file_name}
    store.write_bytes(live.folder + "run.json", json.dumps(marker).encode())
    assert recover_partials(store) == []
    assert store.list(PARTIAL_PREFIX) != []


def test_a_torn_last_line_is_skipped_and_the_rest_recovered(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    crashed = PartialLanding(store, landing_file_name(STARTED), "crashed-run")
    crashed.append(lines("0" * 22))
    store.write_bytes(crashed.folder + "part-000002.jsonl", lines("1" * 22)[0][:30].encode())
    recovered = recover_partials(store)
    assert [record["artistId"] for record in recovered[0].records] == ["0" * 22]


def test_gcs_without_credentials_is_a_landing_error_saying_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing-key.json"))
    with pytest.raises(LandingError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        open_store("gs://some-bucket")
