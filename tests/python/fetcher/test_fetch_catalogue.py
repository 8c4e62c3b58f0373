"""Every real artist of artists.csv through the real emulator over HTTP, in both API regimes."""

from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Any

import pytest
from fetcher_helpers import (
    assert_each_artist_once,
    emulator_settings,
    expected_record_fields,
    landed_records,
    run_cli,
    write_ids,
)

from spotify_enrichment.fetcher import fetch_to_landing
from spotify_enrichment.records import LANDING_KEYS
from spotify_enrichment_dev.emulator_process import EmulatorProcess

UNKNOWN_IDS = ["0000000000000000000000", "zzzzzzzzzzzzzzzzzzzzzz", "1234567890abcdefABCDEF"]
MALFORMED_IDS = [
    "not-an-id",
    "66CXWjxzNUsdJxJ2Jdwvn",
    "66CXWjxzNUsdJxJ2JdwvnR'; drop table x;--",
    "spotify:artist:x",
]


def test_every_catalogue_artist_lands_with_the_catalogue_values(
    artists_csv: Path,
    catalogue: dict[str, Any],
    extended_emulator: EmulatorProcess,
    landing: Path,
    workdir: Path,
) -> None:
    artist_ids = list(catalogue)
    assert len(artist_ids) == 11_518
    duplicates = artist_ids[:25]
    ids_file = write_ids(workdir / "ids.txt", [*artist_ids, *UNKNOWN_IDS, *MALFORMED_IDS, *duplicates, ""])

    run = run_cli(ids_file, landing, extended_emulator.settings_environ(), cwd=workdir)

    assert run.returncode == 2, run.stderr  # malformed input is reported, the valid IDs are still fetched
    summary = run.summary
    assert summary["requested"] == 11_518 + len(UNKNOWN_IDS)
    assert (summary["ok"], summary["not_found"], summary["failed"]) == (11_518, len(UNKNOWN_IDS), 0)
    assert summary["invalid"] == len(MALFORMED_IDS)
    assert summary["invalid_ids"] == MALFORMED_IDS
    assert summary["api_mode"] == "batch"
    assert summary["file"].startswith(str(landing / "spotify" / "landing"))
    for value in MALFORMED_IDS:
        assert value in run.stderr

    stats = extended_emulator.stats()
    asked = stats["ids_requested"]
    assert not set(MALFORMED_IDS) & set(asked), "malformed IDs must never be sent"
    assert set(asked) == set(artist_ids) | set(UNKNOWN_IDS)
    assert max(asked.values()) == 1, "an artist was asked twice"
    assert stats["by_kind"].get("single", 0) == 0

    landed = assert_each_artist_once(landed_records(landing))
    assert set(landed) == set(artist_ids) | set(UNKNOWN_IDS)
    for artist_id in artist_ids:
        record = landed[artist_id]
        assert list(record) == list(LANDING_KEYS)
        assert {
            key: record[key] for key in expected_record_fields(catalogue[artist_id], development=False)
        } == (expected_record_fields(catalogue[artist_id], development=False)), artist_id
        assert record["apiMode"] == "batch"
        assert record["runId"] == summary["run_id"]
    for artist_id in UNKNOWN_IDS:
        assert landed[artist_id]["status"] == "not_found"
        assert landed[artist_id]["artistName"] is None

    # Independent of the emulator's parser: a few rows read straight from the tab-separated file.
    with artists_csv.open(encoding="utf-8", newline="") as handle:
        rows = {row["artist_id"]: row for row in csv.DictReader(handle, delimiter="\t")}
    ariana = landed["66CXWjxzNUsdJxJ2JdwvnR"]
    assert ariana["artistName"] == rows["66CXWjxzNUsdJxJ2JdwvnR"]["name"] == "Ariana Grande"
    assert ariana["followerCount"] == 34_554_242
    assert ariana["popularity"] == 96
    assert ariana["genres"] == ["dance pop", "pop", "post-teen pop"]
    assert ariana["externalUrls"] == {"spotify": "https://open.spotify.com/artist/66CXWjxzNUsdJxJ2JdwvnR"}
    assert rows["66CXWjxzNUsdJxJ2JdwvnR"]["image_url"] in [image["url"] for image in ariana["images"]]
    no_followers = [artist_id for artist_id, row in rows.items() if row["followers"] == "None"]
    assert no_followers and all(landed[artist_id]["followerCount"] is None for artist_id in no_followers)
    empty_genres = [artist_id for artist_id, row in rows.items() if row["genres"] == "[]"]
    assert len(empty_genres) == 3_148 and all(landed[artist_id]["genres"] == [] for artist_id in empty_genres)


def test_development_quota_switches_to_single_calls_once_and_lands_every_artist(
    artists_csv: Path,
    catalogue: dict[str, Any],
    artist_ids: list[str],
    landing: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with EmulatorProcess(artists_csv, quota="development") as emulator:
        settings = emulator_settings(emulator, SPOTIFY_CONCURRENCY="16")
        with caplog.at_level(logging.INFO, logger="spotify_enrichment"):
            summary = fetch_to_landing([*artist_ids, *UNKNOWN_IDS], str(landing), settings)
        stats = emulator.stats()

    assert summary.exit_code == 0, summary.message
    assert (summary.ok, summary.not_found, summary.failed, summary.skipped) == (
        11_518,
        len(UNKNOWN_IDS),
        0,
        0,
    )
    assert summary.api_mode == "single"
    switches = [
        record for record in caplog.records if "switching to single-artist calls" in record.getMessage()
    ]
    assert len(switches) == 1
    # Only the batches in flight when the first 403 arrived went to the batch endpoint.
    assert 1 <= stats["by_kind_status"]["batch"]["403"] <= settings.batch_concurrency
    assert stats["by_kind"]["single"] == 11_518 + len(UNKNOWN_IDS)

    landed = assert_each_artist_once(landed_records(landing))
    assert set(landed) == set(artist_ids) | set(UNKNOWN_IDS)
    for artist_id in artist_ids:
        record = landed[artist_id]
        expected = expected_record_fields(catalogue[artist_id], development=True)
        assert {key: record[key] for key in expected} == expected, artist_id
        assert record["followerCount"] is None and record["popularity"] is None and record["genres"] is None
        assert record["apiMode"] == "single"
    assert all(landed[artist_id]["status"] == "not_found" for artist_id in UNKNOWN_IDS)
