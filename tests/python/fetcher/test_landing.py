"""Landing stores (local folder and gs:// through gcp-storage-emulator) and crash-safe partial files."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.gcs_emulator import GcsEmulator

from spotify_enrichment import landing as landing_module
from spotify_enrichment.errors import BadInputError, LandingError
from spotify_enrichment.landing import (
    HEARTBEAT_SECONDS,
    LANDING_FILE_NAME,
    LANDING_PREFIX,
    PARTIAL_PREFIX,
    PARTIAL_STALE_AFTER_SECONDS,
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


def lines(*artist_ids: str, run_id: str = "crashed-run") -> list[str]:
    return [
        record_to_json_line(
            not_found_record(
                artist_id=artist_id,
                enriched_at="2026-11-28T16:42:05.000000Z",
                api_mode="batch",
                run_id=run_id,
            )
        )
        for artist_id in artist_ids
    ]


def test_landing_file_names_follow_the_layout() -> None:
    assert landing_file_name(STARTED, "0a1b2c3d") == "20261128T164205Z_0a1b2c3d_artist_enrichment.jsonl"
    assert landing_file_name(STARTED) == "20261128T164205Z_artist_enrichment.jsonl"
    for name in (landing_file_name(STARTED, "0a1b2c3d"), landing_file_name(STARTED)):
        assert LANDING_FILE_NAME.fullmatch(name), "files named before tokens existed are still read"
    assert not LANDING_FILE_NAME.fullmatch("20261128T164205Z_0A1B2C3D_artist_enrichment.jsonl")


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
    assert uri == store.uri(LANDING_PREFIX + partial.file_name)
    landed = store.read_bytes(LANDING_PREFIX + partial.file_name).decode()
    assert [json.loads(line)["artistId"] for line in landed.splitlines()] == ["0" * 22, "1" * 22, "2" * 22]
    assert store.list(PARTIAL_PREFIX) == []


def test_runs_started_in_the_same_second_get_names_of_their_own(
    store: LandingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = {free_landing_name(store, STARTED) for _ in range(20)}
    assert len(names) == 20
    assert all(name.startswith("20261128T164205Z_") and LANDING_FILE_NAME.fullmatch(name) for name in names)
    # A token already taken (landed, archived or by a partial folder) is drawn again.
    store.write_bytes(LANDING_PREFIX + landing_file_name(STARTED, "00000000"), b"")
    PartialLanding(store, landing_file_name(STARTED, "11111111"), "other-run").start()
    draws = iter(["00000000", "11111111", "22222222"])
    monkeypatch.setattr(landing_module.secrets, "token_hex", lambda _: next(draws))
    assert free_landing_name(store, STARTED) == landing_file_name(STARTED, "22222222")


def _marker(store: LandingStore, partial: PartialLanding, **fields: object) -> None:
    marker = {"runId": "other-run", "pid": 1, "file": partial.file_name, **fields}
    store.write_bytes(partial.folder + "run.json", json.dumps(marker).encode())


def _beat(seconds_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_partial_of_a_live_run_on_another_host_is_left_alone_until_its_heartbeat_is_stale(
    store: LandingStore,
) -> None:
    live = PartialLanding(store, landing_file_name(STARTED, "0a1b2c3d"), "other-run")
    live.append(lines("0" * 22, run_id="other-run"))
    _marker(store, live, host="another-host", heartbeatAt=_beat(60))
    assert recover_partials(store) == []
    assert store.list(live.folder) != []

    _marker(store, live, host="another-host", heartbeatAt=_beat(PARTIAL_STALE_AFTER_SECONDS + 60))
    recovered = recover_partials(store)
    assert [record["artistId"] for record in recovered[0].records] == ["0" * 22]
    assert store.list(PARTIAL_PREFIX) == []


def test_a_live_pid_with_a_stale_heartbeat_on_this_host_is_a_reused_pid(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    crashed = PartialLanding(store, landing_file_name(STARTED, "0a1b2c3d"), "crashed-run")
    crashed.append(lines("0" * 22))
    _marker(
        store,
        crashed,
        host=os.uname().nodename,
        pid=os.getppid(),
        heartbeatAt=_beat(PARTIAL_STALE_AFTER_SECONDS + 60),
    )
    assert len(recover_partials(store)) == 1


def test_a_run_renews_its_heartbeat_while_it_lasts(
    store: LandingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    partial = PartialLanding(store, free_landing_name(store, STARTED), "r")
    partial.start()
    first = json.loads(store.read_bytes(partial.folder + "run.json"))
    assert first["runId"] == "r" and first["heartbeatAt"] == first["startedAt"]
    monkeypatch.setattr(landing_module, "_utc_now", lambda: "2099-01-01T00:00:00Z")
    partial.heartbeat()  # renewed at most every HEARTBEAT_SECONDS
    assert json.loads(store.read_bytes(partial.folder + "run.json")) == first
    partial._heartbeat_at -= HEARTBEAT_SECONDS + 1  # as if the run had gone on that long
    partial.heartbeat()
    renewed = json.loads(store.read_bytes(partial.folder + "run.json"))
    assert renewed["heartbeatAt"] == "2099-01-01T00:00:00Z"
    assert renewed["startedAt"] == first["startedAt"]


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
