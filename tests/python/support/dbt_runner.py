"""The tests' dbt: `spotify_enrichment_dev.dbt_runner` bound to this repository, every project of a test
process sharing one parse cache, so dbt's partial parse carries over from one test's warehouse to the
next instead of each command parsing the whole project.

    project = dbt_project(tmp_path)                # tmp_path/warehouse.duckdb, tmp_path/dbt/...
    result = project.run("build", vars={"enrichment_min_coverage": 0.9})
    assert result.ok, result.output
    rows = project.query("select count(*) from hub.hub_music__svc_dim_artists")
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path
from typing import Any

from spotify_enrichment_dev.dbt_runner import DbtProject, DbtResult, ParseCache, dbt_executable

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DBT_EXECUTABLE = dbt_executable()

__all__ = ["DBT_EXECUTABLE", "PROJECT_ROOT", "DbtProject", "DbtResult", "dbt_project", "parse_cache"]


@functools.cache
def parse_cache() -> ParseCache:
    """One per test process (each pytest-xdist worker has its own), removed when the process ends."""
    root = Path(tempfile.mkdtemp(prefix="spotify-enrichment-dbt-parse-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return ParseCache(root)


def dbt_project(folder: Path, **options: Any) -> DbtProject:
    """The repository's dbt project on `folder/warehouse.duckdb` (see DbtProject.create)."""
    return DbtProject.create(folder, PROJECT_ROOT, parse_cache=parse_cache(), **options)
