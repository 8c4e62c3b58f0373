"""A benchmark that fails is reported, not hidden: the JSON names the error, its figures are `missing`,
and the run says so through its return value."""

import json
import shutil
from pathlib import Path

from spotify_enrichment_dev.bench.run import run_bench
from spotify_enrichment_dev.bench.scale import SMOKE

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def test_a_failing_benchmark_leaves_an_error_and_missing_verdicts(tmp_path: Path) -> None:
    # A project without the generator script: the warehouse benchmark cannot start.
    broken_project = tmp_path / "project"
    broken_project.mkdir()
    for needed in ("profiles.yml.example",):
        shutil.copy(PROJECT_ROOT / needed, broken_project)
    results_path = tmp_path / "results.json"

    results = run_bench(SMOKE, broken_project, tmp_path / "work", results_path, only=("warehouse",))

    written = json.loads(results_path.read_text(encoding="utf-8"))
    assert "generator failed" in written["errors"]["warehouse"]
    assert "warehouse" not in written and "load" not in written
    verdicts = {row["figure"]: row["verdict"] for row in written["verdicts"]}
    assert verdicts["warehouse.incremental_ratio"] == "missing"
    assert verdicts["load.lines_per_s"] == "missing"
    assert results["errors"] == written["errors"]
    assert (tmp_path / "work").is_dir()  # kept after a failure, to look into
