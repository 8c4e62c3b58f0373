"""`dbt run-operation load_artist_enrichment`: idempotent through the ledger, a malformed line sends its
file to quarantine (named by line number) while the other files load; dry_run writes nothing."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from enrichment_helpers import Warehouse
from support.dbt_runner import PROJECT_ROOT


def test_the_same_landing_file_twice_adds_nothing(enriched: Warehouse) -> None:
    [archived] = enriched.files("archive")
    landing = enriched.landing_dir / "spotify" / "landing"
    landing.mkdir(parents=True, exist_ok=True)
    shutil.copy(enriched.landing_dir / "spotify" / "archive" / archived, landing / archived)
    shutil.copy(landing / archived, landing / "20261128T000000Z_copy_artist_enrichment.jsonl")
    rows, ledger = enriched.enrichment_rows(), enriched.ledger_rows()

    dry_run = enriched.load(dry_run=True)
    assert dry_run.returncode == 0, str(dry_run)
    assert "was loaded before (same checksum in the ledger): would be archived" in dry_run.output
    assert enriched.files("landing") == sorted([archived, "20261128T000000Z_copy_artist_enrichment.jsonl"])

    result = enriched.load()
    assert result.returncode == 0, str(result)
    assert result.output.count("not loaded again, archived") == 2
    assert (enriched.enrichment_rows(), enriched.ledger_rows()) == (rows, ledger)
    assert enriched.files("landing") == []
    stem = archived.removesuffix(".jsonl")
    assert enriched.files("archive") == sorted(
        [archived, f"{stem}.1.jsonl", "20261128T000000Z_copy_artist_enrichment.jsonl"]
    )


def test_a_corrupt_line_quarantines_its_file_and_the_other_files_load(enriched: Warehouse) -> None:
    [archived] = enriched.files("archive")
    archived_lines = (enriched.landing_dir / "spotify" / "archive" / archived).read_text().splitlines()
    landing = enriched.landing_dir / "spotify" / "landing"
    landing.mkdir(parents=True, exist_ok=True)
    good_lines = [json.dumps({**json.loads(line), "runId": "rerun"}) for line in archived_lines[:40]]
    (landing / "20300101T000000Z_artist_enrichment.jsonl").write_text("\n".join(good_lines) + "\n")
    corrupt = "20300101T000001Z_artist_enrichment.jsonl"
    (landing / corrupt).write_text("\n".join([*good_lines[:2], good_lines[2][:25], *good_lines[3:5]]) + "\n")
    wrong_type = "20300101T000002Z_artist_enrichment.jsonl"
    mistyped = json.dumps({**json.loads(good_lines[1]), "popularity": "high"})
    (landing / wrong_type).write_text("\n".join([good_lines[0], mistyped]) + "\n")
    rows, ledger = enriched.enrichment_rows(), enriched.ledger_rows()

    dry_run = enriched.load(dry_run=True)
    assert dry_run.returncode != 0
    assert "line 3: not valid JSON" in dry_run.output
    assert (enriched.enrichment_rows(), enriched.ledger_rows()) == (rows, ledger)
    assert len(enriched.files("landing")) == 3

    result = enriched.load()
    assert result.returncode != 0, str(result)
    assert f"{corrupt} has malformed lines: line 3: not valid JSON" in result.output
    assert (
        f"{wrong_type} has malformed lines: line 2: popularity 'high' is not a whole number" in result.output
    )
    assert "2 landing files quarantined" in result.output
    assert enriched.enrichment_rows() == rows + 40
    assert enriched.ledger_rows() == ledger + 1
    assert enriched.files("landing") == []
    assert enriched.files("quarantine") == sorted(
        [
            corrupt,
            corrupt.replace(".jsonl", ".errors.txt"),
            wrong_type,
            wrong_type.replace(".jsonl", ".errors.txt"),
        ]
    )
    report = (
        enriched.landing_dir / "spotify" / "quarantine" / corrupt.replace(".jsonl", ".errors.txt")
    ).read_text()
    assert "line 3: not valid JSON" in report
    assert "20300101T000000Z_artist_enrichment.jsonl" in enriched.files("archive")


def test_a_relative_landing_uri_leaving_the_project_is_reported_where_it_resolved(
    enriched: Warehouse, tmp_path: Path
) -> None:
    """Issue 16: `landing_uri: ../../x` resolves against the project folder, wherever dbt runs from;
    allowed, but the summary names the absolute folder it resolved to."""
    outside = tmp_path / "outside_the_project"
    relative = os.path.relpath(outside, PROJECT_ROOT)
    assert relative.startswith("..")

    result = enriched.load(landing_uri=relative, dry_run=True)

    assert result.returncode == 0, str(result)
    assert f"0 landing files in {outside}:" in result.output
