"""The shipped distribution as production installs it: a wheel built from the repository, installed
non-editable into an empty virtualenv (no pip of its own: this environment's pip installs into it).
It holds none of the development modules, declares none of the development dependencies, the fetcher
CLI runs on the base dependencies alone and the remote function imports with the `function` extra."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from support.dbt_runner import PROJECT_ROOT

from spotify_enrichment_dev.pinned_requirements import pinned_closure, read_lock

SHIPPED_PACKAGE = PROJECT_ROOT / "spotify_enrichment"
DEV_PACKAGE = PROJECT_ROOT / "dev" / "spotify_enrichment_dev"
PIP_TIMEOUT_SECONDS = 300


def requirement_name(requirement: str) -> str:
    name = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert name, requirement
    return re.sub(r"[-_.]+", "-", name.group(0)).lower()


def development_only_dependencies() -> set[str]:
    dev_project = tomllib.loads((PROJECT_ROOT / "dev" / "pyproject.toml").read_text(encoding="utf-8"))
    names = {requirement_name(requirement) for requirement in dev_project["project"]["dependencies"]}
    return names - {"spotify-enrichment"}


def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=PIP_TIMEOUT_SECONDS, check=False, **kwargs
    )
    assert completed.returncode == 0, f"{' '.join(command)}\n{completed.stdout}\n{completed.stderr}"
    return completed


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the working tree (what git tracks or would track, as a clone has)."""
    work = tmp_path_factory.mktemp("shipped_package")
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=PROJECT_ROOT)
    source = work / "source"
    for relative in filter(None, listed.stdout.split("\0")):
        path = PROJECT_ROOT / relative
        if path.is_file():
            (source / relative).parent.mkdir(parents=True, exist_ok=True)
            (source / relative).write_bytes(path.read_bytes())
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "wheel", "--quiet", "--no-deps", "--wheel-dir", str(work / "wheels"), str(source)])
    (built,) = (work / "wheels").glob("spotify_enrichment-*.whl")
    return built


@pytest.fixture(scope="module")
def empty_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("shipped_venv") / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    return venv / "bin" / "python"


def install(python: Path, requirement: str) -> None:
    run(
        [
            *(sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", str(python)),
            *("install", "--quiet", "-c", str(PROJECT_ROOT / "requirements.lock"), requirement),
        ]
    )


def in_venv(python: Path, code: str) -> object:
    return json.loads(run([str(python), "-c", code], cwd=python.parent).stdout)


def test_the_shipped_wheel_installs_only_production_code_and_dependencies(
    wheel: Path, empty_venv: Path
) -> None:
    install(empty_venv, str(wheel))
    installed_files = in_venv(
        empty_venv,
        "import importlib.metadata as m, json;"
        "print(json.dumps([str(f) for f in m.files('spotify-enrichment')]))",
    )
    requires = in_venv(
        empty_venv,
        "import importlib.metadata as m, json; print(json.dumps(m.requires('spotify-enrichment')))",
    )
    help_text = run([str(empty_venv), "-m", "spotify_enrichment", "--help"], cwd=empty_venv.parent).stdout

    assert isinstance(installed_files, list) and isinstance(requires, list)
    modules = {name for name in installed_files if name.endswith(".py")}
    shipped = {path.relative_to(PROJECT_ROOT).as_posix() for path in SHIPPED_PACKAGE.rglob("*.py")}
    development = {
        f"spotify_enrichment/{path.relative_to(DEV_PACKAGE).as_posix()}"
        for path in DEV_PACKAGE.rglob("*.py")
        if path.name != "__init__.py"
    }
    assert modules == shipped
    assert modules & development == set()
    assert not any("bench" in name or "spotify_enrichment_dev" in name for name in installed_files)
    declared = {requirement_name(requirement) for requirement in requires}
    assert declared & development_only_dependencies() == set()
    assert "fetch" in help_text  # the CLI runs on the base dependencies alone


def test_the_remote_function_entry_point_imports_with_the_function_extra(
    wheel: Path, empty_venv: Path
) -> None:
    install(empty_venv, f"{wheel}[function]")

    entry_point = in_venv(
        empty_venv,
        "import json; from spotify_enrichment.remote_function import enrich_artists_remote;"
        "print(json.dumps(callable(enrich_artists_remote)))",
    )
    dev_package = in_venv(
        empty_venv,
        "import importlib.util, json; print(json.dumps(importlib.util.find_spec('spotify_enrichment_dev')))",
    )
    installed = in_venv(
        empty_venv,
        "import importlib.metadata as m, json;"
        "print(json.dumps([f\"{d.metadata['Name']}=={d.version}\" for d in m.distributions()]))",
    )
    deployed = pinned_closure("spotify-enrichment[function]", read_lock(PROJECT_ROOT / "requirements.lock"))

    assert entry_point is True
    assert dev_package is None
    # the remote-function deploy's requirements.txt is exactly what pip installs with the extra
    assert isinstance(installed, list)
    assert {pin.lower() for pin in installed} - {"spotify-enrichment==0.1.0"} == {
        pin.lower() for pin in deployed
    }
