"""The monitoring tests fire on real data: coverage below its threshold fails the build, too many stale
enrichments warn (or fail when configured), and an old lake fails `dbt source freshness`."""

from __future__ import annotations

import pytest
from landing_fixture import WarehouseFactory
from support.dbt_runner import DbtProject

from spotify_enrichment_dev.demo_enrichment_fixture import FixtureSpec

HUB = "hub.hub_music__svc_dim_artists"


def _stored_failures(project: DbtProject, test_name_part: str) -> int:
    tables = project.query(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema = 'audit' and table_name like ?",
        [f"%{test_name_part}%"],
    )
    assert len(tables) == 1, tables
    schema, table = tables[0]
    return len(project.table_rows(f"{schema}.{table}"))


def test_coverage_test_fails_when_a_tenth_of_hub_artists_lack_enrichment(
    enriched_warehouse: WarehouseFactory,
) -> None:
    project = enriched_warehouse("coverage_90", FixtureSpec(coverage=0.9))

    result = project.run("build")

    assert not result.ok
    assert result.status("enrichment_coverage") == "fail"
    unenriched = project.query(
        "select count(*) from hub.hub_music__svc_dim_artists where enrichmentStatus is null"
    )[0][0]
    assert unenriched == 30  # 10% of 300 artists
    assert result.failures("enrichment_coverage") == unenriched
    assert _stored_failures(project, "enrichment_coverage") == unenriched
    # Only the monitor fails: the models and the other tests are fine, except that dbt build skips what
    # is built from the failing model (the similar artists and their tests).
    statuses = result.statuses()
    others = {uid: status for uid, status in statuses.items() if "enrichment_coverage" not in uid}
    skipped = {uid for uid, status in others.items() if status == "skipped"}
    assert {status for uid, status in others.items() if uid not in skipped} <= {"success", "pass"}, others
    assert all("similar_artists" in uid for uid in skipped), skipped


def test_staleness_test_fires_when_a_fifth_of_enrichments_are_120_days_old(
    enriched_warehouse: WarehouseFactory,
) -> None:
    project = enriched_warehouse("stale_20", FixtureSpec(stale_share=0.2, stale_age_days=120))

    result = project.run("build")

    # A weekly job keeps running on stale data: the default severity is warn; the refresh mode fixes it.
    assert result.ok, result.output
    assert result.status("enrichment_staleness") == "warn"
    stale = project.query(
        "select count(*) "
        "from hub.hub_music__svc_dim_artists "
        "where enrichmentStatus = 'ok' "
        "and enrichedAt < now() - interval 90 day"
    )[0][0]
    ok_artists = project.query(
        "select count(*) from hub.hub_music__svc_dim_artists where enrichmentStatus = 'ok'"
    )[0][0]
    assert 0.15 < stale / ok_artists < 0.25
    assert result.failures("enrichment_staleness") == stale
    assert _stored_failures(project, "enrichment_staleness") == stale

    strict = project.run(
        "test", "--select", "test_name:enrichment_staleness", vars={"enrichment_staleness_severity": "error"}
    )
    assert not strict.ok
    assert strict.status("enrichment_staleness") == "fail"

    tolerant = project.run(
        "test", "--select", "test_name:enrichment_staleness", vars={"enrichment_max_stale_share": 0.3}
    )
    assert tolerant.ok, tolerant.output
    assert tolerant.status("enrichment_staleness") == "pass"


@pytest.mark.parametrize(
    ("age_days", "expected_status", "exit_ok"),
    [(20, "error", False), (10, "warn", True), (1, "pass", True)],
)
def test_source_freshness_follows_the_age_of_the_latest_enrichment(
    enriched_warehouse: WarehouseFactory, age_days: int, expected_status: str, exit_ok: bool
) -> None:
    project = enriched_warehouse(f"fresh_{age_days}", FixtureSpec(age_days=age_days))

    result = project.run("source", "freshness")

    assert result.ok is exit_ok, result.output
    assert result.status("lake_spotify__normalized_artist_enrichment") == expected_status
