"""The model chain on real DuckDB through real dbt: the green path at full coverage, Development-Mode
NULLs, idempotent re-runs, incremental merges of a newer fetch, and the listening-history source override."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from landing_fixture import WarehouseFactory, append_landing_file
from support.dbt_runner import DbtProject, DbtResult

from spotify_enrichment.records import LandingRecord
from spotify_enrichment_dev.demo_enrichment_fixture import FixtureSpec

HUB = "hub.hub_music__svc_dim_artists"
LAKE = "lake.lake_spotify__normalized_artist_enrichment"
HISTORY = "lake.lake_spotify__normalized_listening_history"
BUILT_TABLES = (
    HISTORY,
    LAKE,
    "lake.lake_spotify__svc_artist_enrichment",
    "lake.lake_spotify__stg_artist_enrichment",
    "hub.hub_music__stg_dim_artists",
    HUB,
)


@pytest.fixture(scope="module")
def green(enriched_warehouse: WarehouseFactory) -> tuple[DbtProject, DbtResult]:
    project = enriched_warehouse("green", FixtureSpec(coverage=1.0, dev_mode_share=0.1))
    return project, project.run("build")


def _rows(project: DbtProject, table: str) -> list[str]:
    return sorted(repr(row) for row in project.table_rows(table))


def test_build_passes_every_model_and_test_at_full_coverage(green: tuple[DbtProject, DbtResult]) -> None:
    _, result = green
    assert result.ok, result.output
    statuses = result.statuses()
    assert set(statuses.values()) <= {"success", "pass"}, {
        k: v for k, v in statuses.items() if v not in {"success", "pass"}
    }
    assert result.status("enrichment_coverage") == "pass"
    assert result.status("enrichment_staleness") == "pass"
    assert sum(1 for uid in statuses if uid.startswith("unit_test.")) >= 3


def test_hub_has_one_row_per_played_artist_with_their_listening_stats(
    green: tuple[DbtProject, DbtResult],
) -> None:
    project, _ = green
    expected = project.query(
        """
        select artistId, min(playedAt), max(playedAt), count(*), sum(msPlayed), count(distinct trackId)
        from lake.lake_spotify__normalized_listening_history group by artistId order by artistId
        """
    )
    actual = project.query(
        """
        select artistId, firstPlayedAt, lastPlayedAt, playCount, msPlayed, distinctTracks
        from hub.hub_music__svc_dim_artists order by artistId
        """
    )
    assert actual == expected
    assert len(actual) == 300


def test_not_found_artists_reach_the_hub_as_not_found(
    green: tuple[DbtProject, DbtResult], demo_data_dir: Path
) -> None:
    project, _ = green
    missing = sorted((demo_data_dir / "missing_artist_ids.txt").read_text().split())
    assert missing
    rows = project.query(
        "select artistId, popularity, imageurllarge "
        "from hub.hub_music__svc_dim_artists "
        "where enrichmentStatus = 'not_found'"
    )
    assert sorted(row[0] for row in rows) == missing
    assert all(row[1] is None and row[2] is None for row in rows)


def test_development_mode_nulls_stay_null_in_the_hub(green: tuple[DbtProject, DbtResult]) -> None:
    project, _ = green
    withheld_in_lake = {
        row[0]
        for row in project.query(
            "select artistId "
            "from lake.lake_spotify__normalized_artist_enrichment "
            "where status = 'ok' "
            "and popularity is null"
        )
    }
    assert withheld_in_lake, "the fixture should hold Development-Mode rows"
    hub_rows = project.query(
        "select artistId, popularity, followerCount, genres is null, artistName, spotifyUrl "
        "from hub.hub_music__svc_dim_artists "
        "where artistId in (select unnest(?))",
        [sorted(withheld_in_lake)],
    )
    assert len(hub_rows) == len(withheld_in_lake)
    for artist_id, popularity, follower_count, genres_is_null, name, spotify_url in hub_rows:
        assert (popularity, follower_count, genres_is_null) == (None, None, True), artist_id
        assert name and spotify_url.endswith(artist_id)


def test_empty_genre_lists_stay_empty_in_the_hub(green: tuple[DbtProject, DbtResult]) -> None:
    project, _ = green
    empty_in_lake = project.query(
        "select count(*) from lake.lake_spotify__normalized_artist_enrichment where len(genres) = 0"
    )[0][0]
    assert empty_in_lake > 0
    empty_in_hub, null_in_hub = project.query(
        "select count(*) filter (len(genres) = 0), count(*) filter (genres is null "
        "and popularity is not null) "
        "from hub.hub_music__svc_dim_artists"
    )[0]
    assert (empty_in_hub, null_in_hub) == (empty_in_lake, 0)


def test_image_urls_follow_the_catalogue_widths(
    green: tuple[DbtProject, DbtResult], demo_data_dir: Path
) -> None:
    project, _ = green
    expected = {}
    for line in (demo_data_dir / "catalogue.jsonl").read_text(encoding="utf-8").splitlines():
        artist = json.loads(line)
        by_width = sorted(artist["images"], key=lambda image: image["width"], reverse=True)
        urls = [image["url"] for image in by_width]
        expected[artist["id"]] = (urls[0], urls[1], urls[2]) if urls else (None, None, None)
    actual = {
        row[0]: row[1:]
        for row in project.query(
            "select artistId, imageurllarge, imageurlmedium, imageurlsmall "
            "from hub.hub_music__svc_dim_artists "
            "where enrichmentStatus = 'ok'"
        )
    }
    assert actual == expected


def test_second_build_without_new_data_changes_no_row(
    green: tuple[DbtProject, DbtResult], tmp_path: Path
) -> None:
    project = green[0].copy_to(tmp_path)
    before = {table: _rows(project, table) for table in BUILT_TABLES}
    result = project.run("build")
    assert result.ok, result.output
    after = {table: _rows(project, table) for table in BUILT_TABLES}
    for table in BUILT_TABLES:
        assert after[table] == before[table], f"{table} changed on a re-run without new data"


def test_newer_fetch_is_merged_and_an_older_late_file_loses(
    green: tuple[DbtProject, DbtResult], tmp_path: Path
) -> None:
    project = green[0].copy_to(tmp_path)
    artists = project.query(
        "select artistId, artistName, enrichedAt "
        "from hub.hub_music__svc_dim_artists "
        "where enrichmentStatus = 'ok' order by artistId limit 2"
    )
    (newer_id, newer_name, enriched_at), (older_id, older_name, _) = artists
    now = datetime.now(UTC)

    def landing_line(artist_id: str, name: str, when: datetime) -> str:
        record: LandingRecord = {
            "artistId": artist_id,
            "artistName": name,
            "genres": ["changed genre"],
            "popularity": 99,
            "followerCount": 12345,
            "images": [],
            "externalUrls": {"spotify": f"https://open.spotify.com/artist/{artist_id}"},
            "enrichedAt": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "status": "ok",
            "apiMode": "single",
            "runId": "second-run",
        }
        return json.dumps(record) + "\n"

    landing_file = tmp_path / "20261128T130000Z_artist_enrichment.jsonl"
    landing_file.write_text(
        landing_line(newer_id, "Renamed", now + timedelta(hours=1))
        + landing_line(older_id, "Stale rename", enriched_at.replace(tzinfo=UTC) - timedelta(days=30)),
        encoding="utf-8",
    )
    hub_before = {row[0]: row for row in project.query("select * from hub.hub_music__svc_dim_artists")}
    append_landing_file(project, landing_file, loaded_at=now + timedelta(hours=2))

    result = project.run("build")

    assert result.ok, result.output
    hub_after = {row[0]: row for row in project.query("select * from hub.hub_music__svc_dim_artists")}
    assert project.query(
        "select artistName, popularity, genres from hub.hub_music__svc_dim_artists where artistId = ?",
        [newer_id],
    ) == [("Renamed", 99, ["changed genre"])]
    assert hub_after[older_id] == hub_before[older_id]
    assert older_name == hub_after[older_id][1]
    changed = [artist_id for artist_id in hub_before if hub_after[artist_id] != hub_before[artist_id]]
    assert changed == [newer_id]
    assert newer_name != "Renamed"


def test_listening_history_source_can_point_at_another_table(
    green: tuple[DbtProject, DbtResult], tmp_path: Path
) -> None:
    project = green[0].copy_to(tmp_path)
    with project.connect() as connection:
        connection.execute("create schema my_music")
        connection.execute(
            "create table my_music.my_plays as select * "
            "from lake.lake_spotify__normalized_listening_history "
            "where msPlayed > 60000"
        )
        expected_artists = connection.execute(
            "select count(distinct artistId) from my_music.my_plays"
        ).fetchone()[0]

    result = project.run(
        "build",
        "--select",
        "lake_spotify__stg_listening_history+",
        vars={"listening_history_schema": "my_music", "listening_history_identifier": "my_plays"},
    )

    assert result.ok, result.output
    assert project.query("select count(*) from hub.hub_music__svc_dim_artists") == [(expected_artists,)]
    assert expected_artists < 300


def test_runbook_analyses_compile_and_answer_on_duckdb(green: tuple[DbtProject, DbtResult]) -> None:
    project, _ = green
    result = project.run("compile", "--select", "resource_type:analysis")
    assert result.ok, result.output
    compiled_dir = project.target_path / "compiled" / "spotify_enrichment" / "analyses"
    answers = {
        path.stem: project.query(path.read_text(encoding="utf-8")) for path in compiled_dir.glob("*.sql")
    }

    assert set(answers) == {
        "enrichment_coverage",
        "enrichment_staleness",
        "latest_run_stats",
        "artists_by_genre",
        "top_genres",
        "artists_with_images",
        "enrichment_runs",
        "enrichment_failures",
        "enrichment_monitors",
        "listening_by_genre_family_per_month",
        "artists_like_x_in_my_library",
        # the HTML report's figures (issue 15)
        "enrichment_health",
        "listening_by_month",
        "popularity_distribution",
        "follower_distribution",
        "most_played_artists",
        "not_found_artists",
    }
    # The fixture lake holds answers but no run: no run history, no failures.
    assert answers["enrichment_runs"] == [] and answers["enrichment_failures"] == []
    [monitors] = answers["enrichment_monitors"]
    assert monitors[0] == 300 and monitors[1] == 1.0 and 0 < monitors[2] < 0.2
    coverage = {row[0]: row[1] for row in answers["enrichment_coverage"]}
    assert sum(coverage.values()) == 300 and coverage["ok"] > 0 and coverage["not_found"] > 0
    assert answers["enrichment_staleness"] == []
    [run] = answers["latest_run_stats"]
    assert run[0] == "fixture" and run[4] == 300
    assert answers["top_genres"] and answers["top_genres"][0][0] in {"rock", "pop", "dance pop", "hip hop"}
    assert all(row[3] and row[5] for row in answers["artists_with_images"])
    indie_pop = project.query(
        "select count(*) from hub.hub_music__svc_dim_artists where list_contains(genres, 'indie pop')"
    )[0][0]
    assert len(answers["artists_by_genre"]) == indie_pop > 0
    by_family = answers["listening_by_genre_family_per_month"]
    plays = project.query("select count(*) from lake.lake_spotify__normalized_listening_history")[0][0]
    assert sum(row[2] for row in by_family) == plays
    seed_families = {family for (family,) in project.query("select genre_family from hub.genre_families")}
    assert {row[1] for row in by_family} - {None} <= seed_families
    assert answers["artists_like_x_in_my_library"] == []  # the default, Halsey, is not in the demo data


def test_play_accounting_test_catches_a_lost_artist(
    green: tuple[DbtProject, DbtResult], tmp_path: Path
) -> None:
    project = green[0].copy_to(tmp_path)
    assert green[1].status("assert_hub_accounts_for_every_play") == "pass"
    with project.connect() as connection:
        connection.execute(
            "delete from hub.hub_music__svc_dim_artists "
            "where artistId = (select min(artistId) from hub.hub_music__svc_dim_artists)"
        )

    result = project.run("test", "--select", "assert_hub_accounts_for_every_play")

    assert not result.ok
    assert result.status("assert_hub_accounts_for_every_play") == "fail"
