"""The shared dbt runner: warehouses that share a parse cache reuse dbt's parse from one to the next,
and each command still works on its own warehouse's DuckDB file and landing folder."""

from __future__ import annotations

from pathlib import Path

from support.dbt_runner import PROJECT_ROOT

from spotify_enrichment_dev.dbt_runner import DbtProject, ParseCache

FULL_PARSE = "Unable to do partial parsing"
LAKE_TABLES = "select count(*) from information_schema.tables where table_schema = 'lake'"


def warehouse(folder: Path, cache: ParseCache) -> DbtProject:
    return DbtProject.create(
        folder, PROJECT_ROOT, parse_cache=cache, vars={"landing_uri": str(folder / "landing")}
    )


def test_a_second_warehouse_reuses_the_first_ones_parse_and_keeps_to_its_own_files(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "cache")
    first, second = warehouse(tmp_path / "first", cache), warehouse(tmp_path / "second", cache)

    created_first = first.run("run-operation", "create_lake_tables")
    created_second = second.run("run-operation", "create_lake_tables")
    dry_run = second.run("run-operation", "load_artist_enrichment", "--args", "{dry_run: true}")

    assert created_first.ok and created_second.ok and dry_run.ok, dry_run.output
    assert FULL_PARSE in created_first.output
    assert FULL_PARSE not in created_second.output + dry_run.output
    assert "Partial parsing enabled" in (second.log_path / "dbt.log").read_text(encoding="utf-8")
    # each command ran on its own file, and its landing var reached the plugin as that folder's path
    assert first.query(LAKE_TABLES) == second.query(LAKE_TABLES) != [(0,)]
    assert str((tmp_path / "second" / "landing").resolve()) in dry_run.output
    assert not (cache.alias / "warehouse.duckdb").resolve().is_relative_to(tmp_path / "first")
