"""Recovery takes from a crashed run's partial only the lines of that run: a line naming another run
(a chunk copied in, two runs writing one folder) is kept aside in quarantine with a report, never landed
as this run's answer, never lost."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from spotify_enrichment.landing import (
    LANDING_PREFIX,
    PARTIAL_PREFIX,
    QUARANTINE_PREFIX,
    PartialLanding,
    landing_file_name,
    open_store,
    recover_partials,
)
from spotify_enrichment.transform import not_found_record, record_to_json_line

STARTED = datetime(2026, 11, 28, 16, 42, 5, tzinfo=UTC)


def _line(artist_id: str, run_id: str) -> str:
    record = not_found_record(
        artist_id=artist_id, enriched_at="2026-11-28T16:42:05.000000Z", api_mode="single", run_id=run_id
    )
    return record_to_json_line(record)


def test_a_line_of_another_run_in_a_partial_is_quarantined_not_landed(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    crashed = PartialLanding(store, landing_file_name(STARTED, "0a1b2c3d"), "crashed-run")
    crashed.start()
    crashed.append([_line("0" * 22, "crashed-run"), _line("1" * 22, "live-run")])
    crashed.append([_line("2" * 22, "crashed-run")])
    # the process dies here: no finalize

    recovered = recover_partials(store)

    assert [record["artistId"] for record in recovered[0].records] == ["0" * 22, "2" * 22]
    landed = store.read_bytes(LANDING_PREFIX + crashed.file_name).decode().splitlines()
    assert [json.loads(line)["runId"] for line in landed] == ["crashed-run", "crashed-run"]
    kept = sorted(store.list(QUARANTINE_PREFIX))
    stem = crashed.file_name.removesuffix(".jsonl")
    assert kept == [
        f"{QUARANTINE_PREFIX}{stem}.foreign_run.errors.txt",
        f"{QUARANTINE_PREFIX}{stem}.foreign_run.jsonl",
    ]
    aside = [json.loads(line) for line in store.read_bytes(kept[1]).decode().splitlines()]
    assert [(record["artistId"], record["runId"]) for record in aside] == [("1" * 22, "live-run")]
    report = store.read_bytes(kept[0]).decode()
    assert "1 lines of the partial" in report and "live-run" in report and "(crashed-run)" in report
    assert store.list(PARTIAL_PREFIX) == []


def test_without_a_marker_the_first_line_names_the_run(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    orphan = PartialLanding(store, landing_file_name(STARTED, "0a1b2c3d"), "first-run")
    # chunks without a run marker (copied by hand): the first line's run is the partial's
    orphan.append([_line("0" * 22, "first-run"), _line("1" * 22, "second-run")])

    recovered = recover_partials(store)

    assert [record["runId"] for record in recovered[0].records] == ["first-run"]
    (aside,) = [key for key in store.list(QUARANTINE_PREFIX) if key.endswith(".jsonl")]
    assert json.loads(store.read_bytes(aside))["runId"] == "second-run"
    report = next(key for key in store.list(QUARANTINE_PREFIX) if key.endswith(".errors.txt"))
    assert "than its first line (first-run)" in store.read_bytes(report).decode()


def test_a_partial_of_one_run_quarantines_nothing(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    crashed = PartialLanding(store, landing_file_name(STARTED, "0a1b2c3d"), "crashed-run")
    crashed.start()
    crashed.append([_line("0" * 22, "crashed-run")])
    assert len(recover_partials(store)[0].records) == 1
    assert store.list(QUARANTINE_PREFIX) == []
