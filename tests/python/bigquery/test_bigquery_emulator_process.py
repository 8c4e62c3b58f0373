"""The BigQuery-emulator harness finds its lock file under the project root its caller names, not beside
its own module (which a non-editable install puts in site-packages)."""

from pathlib import Path

import pytest

from spotify_enrichment_dev.bigquery_emulator_process import BigQueryEmulatorError, ensure_bqemulator_venv


def test_a_project_root_without_the_lock_file_fails_naming_the_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BigQueryEmulatorError) as raised:
        ensure_bqemulator_venv(tmp_path)

    message = str(raised.value)
    assert str(tmp_path / "requirements-bqemulator.lock") in message
    assert "repository root" in message
    assert not (tmp_path / ".bqemulator-venv").exists()
