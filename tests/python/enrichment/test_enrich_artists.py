"""`dbt run-operation enrich_artists` end to end: real dbt started from another folder with
--project-dir/--profiles-dir, a real DuckDB file, the Spotify emulator over HTTP."""

from __future__ import annotations

import re

from enrichment_helpers import (
    PROJECT_ROOT,
    DemoData,
    Snapshots,
    Warehouse,
    add_plays_today,
    artist_requests,
    run_checked,
    summary_of,
)

from spotify_enrichment_dev.emulator_process import EmulatorProcess


def test_backfill_enriches_every_artist_and_the_monitors_pass(
    snapshots: Snapshots, demo_data: DemoData
) -> None:
    summary = summary_of(snapshots.backfill_output)
    artists = demo_data.artist_count
    assert summary["requested"] == str(artists)
    assert summary["not_found"] == str(len(demo_data.missing_ids))
    assert int(summary["ok"]) == artists - len(demo_data.missing_ids)
    assert summary["api_mode"] == "batch"
    assert "/spotify/archive/" in summary["file"]
    assert re.search(r"enrich_artists: \d+/\d+ artists \(ok", snapshots.backfill_output), (
        "no progress in dbt's log"
    )

    enriched = snapshots.enriched
    assert len(enriched.enriched_ids()) == artists
    assert enriched.enrichment_rows() == artists
    not_found = enriched.enriched_ids("not_found")
    assert not_found == set(demo_data.missing_ids)
    assert enriched.files("landing") == []
    assert len(enriched.files("archive")) == 1
    assert enriched.ledger_rows() == 1
    # `dbt build` ran every monitor (coverage, staleness, keys, ranges) and all passed.
    assert "enrichment_coverage" in snapshots.build_output
    assert re.search(r"Done\. PASS=\d+ WARN=0 ERROR=0", snapshots.build_output)
    coverage = enriched.scalar(
        "select avg(case when enrichmentStatus is not null then 1.0 else 0 end)"
        " from hub.hub_music__svc_dim_artists"
    )
    assert coverage >= 0.95


def test_no_client_secret_in_dbt_output_artifacts_logs_or_landing_files(
    snapshots: Snapshots, spotify_emulator: EmulatorProcess
) -> None:
    """The backfill and build ran with the emulator's client secret in the environment: it must not
    reach dbt's console output, target/ (manifest, run_results), logs/dbt.log or the landed JSONL."""
    secret = spotify_emulator.client_secret
    enriched = snapshots.enriched
    texts = {"backfill output": snapshots.backfill_output, "build output": snapshots.build_output}
    for folder in ("target", "logs", "landing"):
        for path in (enriched.root / folder).rglob("*"):
            if path.is_file():
                texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    assert any(name.endswith("dbt.log") for name in texts), "dbt's log file should have been read"
    assert any(name.endswith(".jsonl") for name in texts), "the landed file should have been read"
    leaked = [name for name, text in texts.items() if secret in text]
    assert leaked == [], f"the client secret leaked into {leaked}"


def test_incremental_right_after_a_backfill_asks_nothing_and_adds_nothing(
    enriched: Warehouse, spotify_emulator: EmulatorProcess
) -> None:
    rows_before = enriched.enrichment_rows()
    result = enriched.enrich(mode="incremental")
    assert result.returncode == 0, str(result)
    assert "no artists to enrich" in result.output
    stats = spotify_emulator.stats()
    assert stats["artist_ids_requested_total"] == 0
    assert stats["by_kind"].get("token", 0) == 0
    assert enriched.enrichment_rows() == rows_before


def test_incremental_enriches_exactly_the_artists_first_played_today(
    enriched: Warehouse, spotify_emulator: EmulatorProcess, demo_data: DemoData
) -> None:
    add_plays_today(enriched, demo_data.new_artist_ids)
    result = enriched.enrich(mode="incremental")
    assert result.returncode == 0, str(result)
    assert set(artist_requests(spotify_emulator)) == set(demo_data.new_artist_ids)
    summary = summary_of(result.output)
    assert (summary["requested"], summary["ok"], summary["not_found"]) == ("25", "25", "0")

    run_checked(enriched, "build", "--select", "lake_spotify__stg_artist_enrichment+")
    hub = dict(
        enriched.query(
            "select artistId, enrichmentStatus from hub.hub_music__svc_dim_artists"
            " where list_contains(?, artistId)",
            [demo_data.new_artist_ids],
        )
    )
    assert hub == dict.fromkeys(demo_data.new_artist_ids, "ok")


def test_refresh_with_stale_after_zero_asks_every_enriched_artist_again(
    enriched: Warehouse, spotify_emulator: EmulatorProcess, demo_data: DemoData
) -> None:
    enriched_ids = enriched.enriched_ids()
    first_enriched_at = enriched.scalar(
        "select max(enrichedAt) from lake.lake_spotify__normalized_artist_enrichment"
    )
    result = enriched.enrich(mode="refresh", stale_after_days=0)
    assert result.returncode == 0, str(result)
    assert set(artist_requests(spotify_emulator)) == enriched_ids
    assert summary_of(result.output)["requested"] == str(len(enriched_ids))

    run_checked(enriched, "build", "--select", "lake_spotify__stg_artist_enrichment+")
    rows, artists, oldest = enriched.query(
        "select count(*), count(distinct artistId), min(enrichedAt)"
        " from lake.lake_spotify__svc_artist_enrichment"
    )[0]
    assert rows == artists == len(enriched_ids)
    assert oldest > first_enriched_at
    assert enriched.enrichment_rows() == 2 * len(enriched_ids)


def test_dry_run_asks_nothing_and_writes_nothing(
    enriched: Warehouse, spotify_emulator: EmulatorProcess, demo_data: DemoData
) -> None:
    """Also the ordinary way of running dbt: from the project folder, default landing_uri (read only)."""
    add_plays_today(enriched, demo_data.new_artist_ids)
    before = enriched.duckdb_path.read_bytes()
    result = enriched.dbt(
        "run-operation",
        "enrich_artists",
        "--args",
        "{mode: incremental, dry_run: true}",
        cwd=PROJECT_ROOT,
        project_dir=False,
    )
    assert result.returncode == 0, str(result)
    assert "dry run, mode incremental: 25 artists to enrich" in result.output
    listed = [artist_id for artist_id in demo_data.new_artist_ids if artist_id in result.output]
    assert len(listed) == 10
    assert "... and 15 more" in result.output
    assert f"landing files in {PROJECT_ROOT / 'landing'}" in result.output
    assert spotify_emulator.stats()["requests_total"] == 0
    assert enriched.duckdb_path.read_bytes() == before


def test_quota_stop_loads_what_was_fetched_and_fails(history_only: Warehouse, demo_data: DemoData) -> None:
    with EmulatorProcess(demo_data.catalogue, quota_exceeded_after=3) as emulator:
        history_only.env.update(emulator.settings_environ())
        history_only.env["SPOTIFY_BATCH_CONCURRENCY"] = "1"
        result = history_only.enrich(mode="backfill")
        answered = sum(emulator.stats()["ids_answered"].values())
    assert result.returncode != 0, str(result)
    assert "the run stopped (quota)" in result.output
    assert "answers fetched before the stop are loaded" in result.output
    assert 0 < answered < demo_data.artist_count
    assert history_only.enrichment_rows() == answered
    assert history_only.files("landing") == []
    assert len(history_only.files("archive")) == 1
    assert summary_of(result.output)["ok"] != "0"


def test_bad_credentials_fail_with_a_message_naming_the_setting(
    history_only: Warehouse, spotify_emulator: EmulatorProcess
) -> None:
    wrong_secret = "wrong-secret-0123456789abcdef"
    history_only.env["SPOTIFY_CLIENT_SECRET"] = wrong_secret
    result = history_only.enrich(mode="backfill")
    assert result.returncode != 0, str(result)
    assert "the run stopped (auth)" in result.output
    assert "SPOTIFY_CLIENT_SECRET" in result.output
    assert wrong_secret not in result.output
    assert spotify_emulator.stats()["artist_ids_requested_total"] == 0
    assert history_only.enrichment_rows() == 0


def test_bad_arguments_are_named(enriched: Warehouse) -> None:
    result = enriched.enrich(mode="sometimes", limit=-1)
    assert result.returncode != 0
    assert "mode must be backfill, incremental or refresh, got: sometimes" in result.output
    assert "limit must be a positive whole number or null, got: -1" in result.output


def test_out_of_range_numbers_and_unknown_arguments_are_named_before_any_sql(
    enriched: Warehouse, spotify_emulator: EmulatorProcess
) -> None:
    result = enriched.enrich(
        mode="incremental",
        lookback_days=99999999999,
        stale_after_days=-1,
        limit=2**31,
        bogus_arg=1,
        sources=["spotify", "lastfm"],
    )
    assert result.returncode != 0
    accepted = "mode, dry_run, limit, lookback_days, stale_after_days, sources"
    assert f"unknown argument bogus_arg (the arguments are {accepted})" in result.output
    assert "lookback_days must be a whole number of days from 0 to 36500, got: 99999999999" in result.output
    assert "stale_after_days must be a whole number of days from 0 to 36500, got: -1" in result.output
    assert (
        f"limit must be a positive whole number or null, got: {2**31} (allowed: 1 to 2147483647"
        in result.output
    )
    assert (
        "sources must be a non-empty list of distinct sources out of [spotify, musicbrainz], "
        "got: ['spotify', 'lastfm']" in result.output
    )
    for raw in ("Conversion Error", "takes no keyword argument", "Traceback"):
        assert raw not in result.output
    assert spotify_emulator.stats()["requests_total"] == 0


def test_limit_caps_the_worklist(history_only: Warehouse, spotify_emulator: EmulatorProcess) -> None:
    result = history_only.enrich(mode="backfill", limit=40)
    assert result.returncode == 0, str(result)
    assert len(artist_requests(spotify_emulator)) == 40
    assert history_only.enrichment_rows() == 40


def test_missing_credentials_fail_before_any_request(history_only: Warehouse) -> None:
    del history_only.env["SPOTIFY_CLIENT_ID"]
    result = history_only.enrich(mode="backfill")
    assert result.returncode != 0, str(result)
    assert "the run stopped (settings): SPOTIFY_CLIENT_ID is not set" in result.output
    assert "Traceback" not in result.output
    assert history_only.enrichment_rows() == 0


def test_development_mode_lands_withheld_fields_as_null(history_only: Warehouse, demo_data: DemoData) -> None:
    with EmulatorProcess(demo_data.catalogue, quota="development") as emulator:
        history_only.env.update(emulator.settings_environ())
        result = history_only.enrich(mode="backfill", limit=20)
    assert result.returncode == 0, str(result)
    assert summary_of(result.output)["api_mode"] == "single"
    rows = history_only.query(
        "select count(*), count(popularity), count(followerCount), count(genres), count(artistName),"
        " count(*) filter (where apiMode = 'single')"
        " from lake.lake_spotify__normalized_artist_enrichment where status = 'ok'"
    )
    ok_rows = rows[0][0]
    assert ok_rows > 0
    assert rows[0][1:] == (0, 0, 0, ok_rows, ok_rows)
