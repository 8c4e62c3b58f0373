"""`make bench` at a tiny size: every benchmark really runs (emulator over HTTP, spotipy, dbt on DuckDB,
the loader) and the JSON carries every key of issue 7. No timing is asserted: figures at this size
mean nothing; the full run prints them."""

import json
from pathlib import Path

from spotify_enrichment_dev.bench.results import missing_keys
from spotify_enrichment_dev.bench.run import run_bench
from spotify_enrichment_dev.bench.scale import SMOKE

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def test_smoke_run_writes_every_key_of_the_issue(tmp_path: Path) -> None:
    results_path = tmp_path / "results" / "latest.json"

    results = run_bench(SMOKE, PROJECT_ROOT, tmp_path / "work", results_path)

    assert "errors" not in results, results.get("errors")
    written = json.loads(results_path.read_text(encoding="utf-8"))
    assert missing_keys(written) == []
    assert written["sizes"]["name"] == "smoke"
    assert written["warehouse"]["artists"] == SMOKE.warehouse_artists
    assert written["warehouse"]["plays"] == SMOKE.warehouse_plays
    assert written["rate_limited"]["extended"]["artists"] == SMOKE.rate_limited_extended_artists
    assert written["latency_bound"]["development"]["artists"] == SMOKE.latency_bound_development_artists
    # every request the fetchers made is counted by the emulator, spotipy's too
    assert (
        written["latency_bound"]["extended"]["spotipy_requests"] == SMOKE.latency_bound_extended_artists // 50
    )
    assert (
        written["latency_bound"]["development"]["spotipy_requests"] == SMOKE.latency_bound_development_artists
    )
    assert written["load"]["lines"] >= SMOKE.warehouse_artists
    assert written["musicbrainz"]["artists"] == SMOKE.musicbrainz_artists
    # the report ran on the warehouse benchmark's warehouse (its artists), not on one of its own
    assert 0 < written["report"]["artists"] <= SMOKE.warehouse_artists
    assert written["report"]["size_mb"] < 1
    assert {row["verdict"] for row in written["verdicts"]} <= {"met", "MISSED"}
