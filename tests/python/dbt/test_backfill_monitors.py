"""The monitors added for long backfills fail on the case each is for: 77% of enriched artists
`not_found`, plays without artist IDs, and a run history whose last run stopped. The empty hub is
test_fresh_warehouse_builds_and_gets_the_lake_tables; they all pass on the demo
(test_backfill_enriches_every_artist_and_the_monitors_pass)."""

from __future__ import annotations

from landing_fixture import WarehouseFactory

from spotify_enrichment_dev.demo_enrichment_fixture import FixtureSpec

HUB = "hub.hub_music__svc_dim_artists"


def test_not_found_share_null_artist_share_and_a_stopped_last_run_warn(
    enriched_warehouse: WarehouseFactory,
) -> None:
    project = enriched_warehouse("monitors_warn", FixtureSpec())
    project.execute(
        "update lake.lake_spotify__normalized_artist_enrichment set status = 'not_found'"
        " where artistId in (select artistId from lake.lake_spotify__normalized_artist_enrichment"
        " order by artistId limit (select cast(count(*) * 0.77 as integer)"
        " from lake.lake_spotify__normalized_artist_enrichment))"
    )
    project.execute(
        "update lake.lake_spotify__normalized_listening_history set artistId = null"
        " where hash(playedAt) % 10 = 0"
    )
    project.execute(
        "insert into lake.lake_enrichment__runs (runId, source, mode, startedAt, endedAt, requested, ok,"
        " not_found, failed, invalid, requests, rateLimited, stopReason)"
        " values ('run-1', 'spotify', 'backfill', now() - interval 1 hour, now(), 10, 5, 0, 0, 0, 6, 1,"
        " 'quota')"
    )

    result = project.run("build")

    assert result.ok, result.output  # warnings only: a weekly job keeps going
    assert result.status("enrichment_not_found_share") == "warn"
    assert result.status("listening_history_null_artist_share") == "warn"
    assert result.status("recent_successful_run") == "warn"
    assert result.status("not_empty") == "pass"

    bad_threshold = project.run(
        "test", "--select", "enrichment_not_found_share", vars={"enrichment_max_not_found_share": "lots"}
    )
    assert not bad_threshold.ok
    assert (
        "var enrichment_max_not_found_share must be a number from 0 to 1, got: lots" in bad_threshold.output
    )
