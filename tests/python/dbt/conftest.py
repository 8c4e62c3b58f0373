"""Fixtures of the dbt tests: small generated data, a warehouse with the history loaded (built once per
session), and variants of it filled with a landing fixture. Every warehouse lives under pytest's tmp paths."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from landing_fixture import WarehouseFactory, append_landing_file
from support.dbt_runner import DbtProject, dbt_project

from spotify_enrichment_dev.demo_data import DemoDataSpec, generate_demo_data
from spotify_enrichment_dev.demo_enrichment_fixture import FixtureSpec, write_enrichment_fixture

SMALL_DATA = DemoDataSpec(artists=300, plays=3_000, seed=7)


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out_dir = tmp_path_factory.mktemp("demo_data")
    generate_demo_data(out_dir, SMALL_DATA)
    return out_dir


@pytest.fixture(scope="session")
def history_warehouse(tmp_path_factory: pytest.TempPathFactory, demo_data_dir: Path) -> DbtProject:
    """Lake tables created and the listening history loaded; no enrichment yet. Copy it, never change it."""
    project = dbt_project(tmp_path_factory.mktemp("history_warehouse"))
    history_file = demo_data_dir / "listening_history.jsonl"
    result = project.run("run-operation", "load_listening_history", "--args", f"{{path: '{history_file}'}}")
    assert result.ok, result.output
    return project


@pytest.fixture(scope="session")
def enriched_warehouse(
    tmp_path_factory: pytest.TempPathFactory, demo_data_dir: Path, history_warehouse: DbtProject
) -> WarehouseFactory:
    """Make a copy of the history warehouse whose lake holds one landing file written with `spec`."""

    def make(name: str, spec: FixtureSpec) -> DbtProject:
        base_dir = tmp_path_factory.mktemp(name)
        project = history_warehouse.copy_to(base_dir)
        landing_file = base_dir / "20261128T120000Z_artist_enrichment.jsonl"
        reference = spec.reference or datetime.now(UTC)
        write_enrichment_fixture(demo_data_dir, landing_file, replace(spec, reference=reference))
        append_landing_file(project, landing_file, loaded_at=reference + timedelta(minutes=1))
        return project

    return make
