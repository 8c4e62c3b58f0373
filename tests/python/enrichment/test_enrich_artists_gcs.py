"""enrich_artists and load_artist_enrichment with `landing_uri` = a gs:// bucket on gcp-storage-emulator
(google-cloud-storage in the dbt process): a quota stop, the rest fetched by the next run, then a
copied-back file and a corrupt one."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from enrichment_helpers import RUN_BOOKKEEPING, DemoData, Warehouse
from support.gcs_emulator import GcsEmulator

from spotify_enrichment.landing import GcsStore, LandingStore
from spotify_enrichment_dev.emulator_process import EmulatorProcess

BUCKET = "enrichment-test"


@pytest.fixture(scope="module")
def gcs() -> Iterator[GcsEmulator]:
    with GcsEmulator(bucket=BUCKET) as emulator:
        yield emulator


def test_gs_landing_quota_stop_then_rest_then_copied_back_and_corrupt_files(
    history_only: Warehouse, gcs: GcsEmulator, demo_data: DemoData, spotify_emulator: EmulatorProcess
) -> None:
    landing_uri = f"gs://{BUCKET}/backfill"
    history_only.env.update(gcs.environ())
    store = GcsStore(landing_uri)

    # 1. Spotify says the quota is exhausted part-way: what was fetched lands in the bucket and is loaded.
    session_environ = dict(history_only.env)
    with EmulatorProcess(demo_data.catalogue, quota_exceeded_after=3) as limited:
        history_only.env.update({**limited.settings_environ(), "SPOTIFY_BATCH_CONCURRENCY": "1"})
        stopped = history_only.enrich(mode="backfill", landing_uri=landing_uri)
    history_only.env = session_environ
    assert stopped.returncode != 0, str(stopped)
    assert "the run stopped (quota)" in stopped.output
    first_rows = history_only.enrichment_rows()
    assert 0 < first_rows < demo_data.artist_count

    # 2. The next run waits for the time Spotify named, sending nothing; with force: true it asks only for
    # the rest; everything is loaded and archived in the bucket.
    spotify_emulator.reset_stats()
    waiting = history_only.enrich(mode="backfill", landing_uri=landing_uri)
    assert waiting.returncode == 0, str(waiting)
    assert "Spotify asked to wait until" in waiting.output
    assert spotify_emulator.stats()["requests_total"] == 0
    result = history_only.enrich(mode="backfill", landing_uri=landing_uri, force=True)
    assert result.returncode == 0, str(result)
    assert len(spotify_emulator.stats()["ids_requested"]) == demo_data.artist_count - first_rows
    assert history_only.enrichment_rows() == demo_data.artist_count
    assert len(history_only.enriched_ids()) == demo_data.artist_count
    assert store.list("spotify/landing/") == []
    archived = answer_files(store, "spotify/archive/")
    assert len(archived) == 2

    # 3. An archived file copied back is not loaded again; a corrupt one goes to quarantine.
    name = archived[-1].rpartition("/")[2]
    lines = store.read_bytes(archived[-1]).decode().splitlines()
    store.write_bytes(f"spotify/landing/{name}", "\n".join(lines).encode() + b"\n")
    corrupt = "20300101T000001Z_artist_enrichment.jsonl"
    bad_lines = [*lines[:3], json.dumps({**json.loads(lines[3]), "artistId": "not-an-id"}), lines[4]]
    store.write_bytes(f"spotify/landing/{corrupt}", "\n".join(bad_lines).encode() + b"\n")

    loaded = history_only.load(landing_uri=landing_uri)
    assert loaded.returncode != 0, str(loaded)
    expected = f"{landing_uri}/spotify/landing/{corrupt} has malformed lines: line 4: artistId 'not-an-id'"
    assert expected in loaded.output
    assert "not loaded again, archived" in loaded.output
    assert history_only.enrichment_rows() == demo_data.artist_count
    assert history_only.ledger_rows() == 2
    assert store.list("spotify/landing/") == []
    assert store.list("spotify/quarantine/") == [
        f"spotify/quarantine/{corrupt.replace('.jsonl', '.errors.txt')}",
        f"spotify/quarantine/{corrupt}",
    ]
    assert len(answer_files(store, "spotify/archive/")) == 3
    assert store.list("locks/") == [], "each run's lock claim is gone with it"


def answer_files(store: LandingStore, prefix: str) -> list[str]:
    """The files under `prefix` less the run records every run also lands."""
    return [key for key in store.list(prefix) if not key.endswith(RUN_BOOKKEEPING)]
