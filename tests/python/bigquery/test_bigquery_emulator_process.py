"""The BigQuery-emulator harness finds its lock file under the project root its caller names, not beside
its own module (which a non-editable install puts in site-packages), and the tests never install it."""

from pathlib import Path

import pytest

from spotify_enrichment_dev.bigquery_emulator_process import (
    BigQueryEmulatorError,
    BigQueryEmulatorProcess,
    ensure_bqemulator_venv,
)


def test_a_project_root_without_the_lock_file_fails_naming_the_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BigQueryEmulatorError) as raised:
        ensure_bqemulator_venv(tmp_path)

    message = str(raised.value)
    assert str(tmp_path / "requirements-bqemulator.lock") in message
    assert "repository root" in message
    assert not (tmp_path / ".bqemulator-venv").exists()


def test_starting_without_the_virtualenv_asks_for_make_bqemulator_and_installs_nothing(
    tmp_path: Path,
) -> None:
    (tmp_path / "requirements-bqemulator.lock").write_text("bqemulator==1.4.0\n", encoding="utf-8")
    emulator = BigQueryEmulatorProcess(tmp_path / "gcs", tmp_path / "bqemulator.log", project_root=tmp_path)

    with pytest.raises(BigQueryEmulatorError, match="run `make bqemulator`"):
        emulator.start()

    assert not (tmp_path / ".bqemulator-venv").exists()
    assert not (tmp_path / "bqemulator.log").exists()
