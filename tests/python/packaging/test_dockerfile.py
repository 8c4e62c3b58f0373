"""The Cloud Run job's image, checked without a Docker daemon: every COPY source is in the build context,
only the shipped package is installed, and the entry script and the profile it uses work as the image
has them (the image's files staged in a folder that stands for its WORKDIR)."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from dockerfile import (
    DockerIgnore,
    Instruction,
    copies,
    entrypoint,
    environment,
    instructions,
    stage_image_files,
    workdir,
)
from support.dbt_runner import DBT_EXECUTABLE, PROJECT_ROOT

from spotify_enrichment_dev.dbt_runner import render_profiles

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
PROFILE_RENDERING = re.compile(
    r"sed 's\|__PROJECT_ROOT__\|(?P<root>[^|]+)\|g' profiles\.yml\.example > profiles\.yml"
)
JOB_ENVIRONMENT = {"LANDING_URI": "gs://my-landing-bucket", "BIGQUERY_PROJECT": "my-project-123"}


@pytest.fixture(scope="module")
def parsed() -> list[Instruction]:
    return instructions(DOCKERFILE)


@pytest.fixture(scope="module")
def ignore() -> DockerIgnore:
    return DockerIgnore.read(PROJECT_ROOT / ".dockerignore")


@pytest.fixture(scope="module")
def image_root(
    parsed: list[Instruction], ignore: DockerIgnore, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The image's WORKDIR as the COPY instructions and the profile-rendering RUN leave it."""
    root = stage_image_files(PROJECT_ROOT, parsed, ignore, tmp_path_factory.mktemp("image") / "app")
    runs = " ".join(item.arguments for item in parsed if item.keyword == "RUN")
    rendering = PROFILE_RENDERING.search(runs)
    assert rendering, "the Dockerfile no longer renders profiles.yml with sed; update this test"
    assert rendering.group("root") == str(workdir(parsed))
    render_profiles(root / "profiles.yml.example", root, root)
    return root


def test_every_copy_source_exists_and_is_in_the_build_context(
    parsed: list[Instruction], ignore: DockerIgnore
) -> None:
    sources = [source for copy in copies(parsed) for source in copy.sources]

    assert sources, "no COPY instruction found"
    missing = [source for source in sources if not (PROJECT_ROOT / source).exists()]
    ignored = [source for source in sources if ignore.ignores(source)]
    assert missing == [], f"COPY sources missing from the repository: {missing}"
    assert ignored == [], f"COPY sources that .dockerignore leaves out of the build context: {ignored}"


def test_the_image_installs_the_shipped_package_and_not_the_development_one(
    parsed: list[Instruction], ignore: DockerIgnore, image_root: Path
) -> None:
    runs = [item.arguments for item in parsed if item.keyword == "RUN"]
    installs = [run for run in runs if "pip install" in run]
    extras = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]

    assert len(installs) == 1, installs
    installed = re.search(r"-c requirements\.lock '\.\[(?P<extras>[a-z,]+)\]'", installs[0])
    assert installed, f"the image should install '.[extras]' pinned by requirements.lock: {installs[0]}"
    assert set(installed.group("extras").split(",")) <= set(extras)
    assert ignore.ignores("dev") and ignore.ignores("dev/pyproject.toml")
    assert list(image_root.rglob("spotify_enrichment_dev")) == []
    assert (image_root / "spotify_enrichment" / "remote_function.py").is_file()
    assert not (image_root / "tests" / "python").exists()


def test_the_entry_script_runs_the_enrichment_then_the_build_on_prd(
    parsed: list[Instruction], image_root: Path, tmp_path: Path
) -> None:
    script = image_root / Path(entrypoint(parsed)[0]).relative_to(workdir(parsed))
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    calls = tmp_path / "dbt_calls.txt"
    (fake_bin / "dbt").write_text(f'#!/usr/bin/env bash\necho "$*" >> {calls}\n', encoding="utf-8")
    (fake_bin / "dbt").chmod(0o755)
    environ = {"PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path)}

    syntax = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    ran = subprocess.run(
        [str(script), "--threads", "8"],
        env={**environ, **JOB_ENVIRONMENT},
        capture_output=True,
        text=True,
        check=False,
    )
    no_bucket = subprocess.run(
        [str(script)],
        env={**environ, "BIGQUERY_PROJECT": "my-project-123"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert syntax.returncode == 0, syntax.stderr
    assert os.access(script, os.X_OK), f"{script} is not executable: the exec-form ENTRYPOINT needs it"
    assert ran.returncode == 0, ran.stderr
    vars_argument = "--vars {landing_uri: gs://my-landing-bucket}"
    assert calls.read_text(encoding="utf-8").splitlines() == [
        f"run-operation enrich_artists --args {{mode: incremental}} --target prd {vars_argument} --threads 8",
        f"build --select +hub_music__svc_dim_artists --target prd {vars_argument} --threads 8",
    ]
    assert no_bucket.returncode != 0
    assert "LANDING_URI" in no_bucket.stderr
    assert len(calls.read_text(encoding="utf-8").splitlines()) == 2  # nothing ran without the bucket


def test_the_profile_the_image_renders_parses_with_dbt_for_target_prd(
    parsed: list[Instruction], image_root: Path
) -> None:
    image_workdir = str(workdir(parsed))
    image_environ = {
        name: value.replace(image_workdir, str(image_root)) for name, value in environment(parsed).items()
    }
    environ = {
        "PATH": os.environ["PATH"],
        "HOME": str(image_root),
        **image_environ,
        **JOB_ENVIRONMENT,
        "DBT_USE_COLORS": "false",
    }

    parsed_project = subprocess.run(
        [str(DBT_EXECUTABLE), "parse", "--target", "prd", "--vars", "{landing_uri: gs://my-landing-bucket}"],
        cwd=image_root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert image_environ["DBT_PROFILES_DIR"] == str(image_root), "the image should read /app/profiles.yml"
    assert parsed_project.returncode == 0, parsed_project.stdout + parsed_project.stderr
    assert "Registered adapter: bigquery" in parsed_project.stdout
    assert (image_root / "target" / "manifest.json").is_file()
