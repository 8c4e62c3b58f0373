"""Every macro of this project is documented: `dbt parse` and the manifest decide, so a macro added later
without a description (in the `_*macros.yml` of its folder) fails here, as would a description left
behind for a macro that no longer exists."""

from __future__ import annotations

import json
from pathlib import Path

from support.dbt_runner import dbt_project


def test_every_macro_of_the_project_has_a_description(tmp_path: Path) -> None:
    project = dbt_project(tmp_path)

    result = project.run("parse")

    assert result.ok, result.output
    manifest = json.loads((project.target_path / "manifest.json").read_text(encoding="utf-8"))
    package = manifest["metadata"]["project_name"]
    macros = [macro for macro in manifest["macros"].values() if macro["package_name"] == package]
    assert len(macros) > 50, "the manifest should hold this project's macros"
    undocumented = sorted(
        f"{macro['name']} ({macro['original_file_path']})"
        for macro in macros
        if not macro["description"].strip()
    )
    assert undocumented == [], f"macros without a description in a _*macros.yml: {undocumented}"
    stale = [line for line in result.output.splitlines() if "Found patch for macro" in line]
    assert stale == [], f"descriptions of macros that do not exist: {stale}"
