"""The bench never installs packages: without spotipy at its pin it stops before measuring anything and
says how to get it."""

from pathlib import Path

import pytest

from spotify_enrichment_dev.bench import requirements
from spotify_enrichment_dev.bench.run import run_bench
from spotify_enrichment_dev.bench.scale import SMOKE

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def test_the_development_environment_has_spotipy_at_its_pin() -> None:
    assert requirements.installed_version("spotipy") == requirements.pinned_version("spotipy") == "2.26.0"


def test_a_missing_spotipy_stops_the_bench_naming_make_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(requirements, "installed_version", lambda package: None)
    results_path = tmp_path / "results.json"

    with pytest.raises(requirements.BenchRequirementsError, match=r"spotipy 2\.26\.0.*make install"):
        run_bench(SMOKE, PROJECT_ROOT, tmp_path / "work", results_path)

    assert not results_path.exists()
