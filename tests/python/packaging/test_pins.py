"""Every dependency is pinned: the two pyproject files pin their direct dependencies at the versions of
requirements.lock, and everything installed in this environment is in requirements.lock at its version."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

from support.dbt_runner import PROJECT_ROOT

PROJECTS = {"spotify-enrichment": PROJECT_ROOT, "spotify-enrichment-dev": PROJECT_ROOT / "dev"}
# Installed with every virtualenv, not by the project.
VIRTUALENV_TOOLS = {"pip", "setuptools"}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock() -> dict[str, str]:
    pins = {}
    for line in (PROJECT_ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[normalized(name)] = version.strip()
    return pins


def declared(folder: Path) -> list[str]:
    project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project.get("optional-dependencies", {}).values()
    return [*project["dependencies"], *(requirement for extra in extras for requirement in extra)]


def test_direct_dependencies_are_pinned_at_the_locked_versions() -> None:
    pins = lock()
    problems = []
    for folder in PROJECTS.values():
        for requirement in declared(folder):
            match = re.fullmatch(r"(?P<name>[A-Za-z0-9._-]+)(\[[a-z,]+\])?==(?P<version>\S+)", requirement)
            if match is None:
                problems.append(f"{folder.name}: {requirement} is not pinned with ==")
                continue
            name = normalized(match["name"])
            if name not in PROJECTS and pins.get(name) != match["version"]:
                problems.append(f"{folder.name}: {requirement}, requirements.lock has {pins.get(name)}")
    assert problems == []


def test_every_installed_distribution_is_locked_at_its_version() -> None:
    pins = lock()
    unlocked = sorted(
        f"{distribution.metadata['Name']}=={distribution.version} (lock: {pins.get(name)})"
        for distribution in importlib.metadata.distributions()
        if (name := normalized(distribution.metadata["Name"])) not in VIRTUALENV_TOOLS | set(PROJECTS)
        and pins.get(name) != distribution.version
    )
    assert unlocked == []
