"""scripts/deploy_bigquery_remote_function.sh in DRY_RUN mode: the commands it would run, never the secret."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "deploy_bigquery_remote_function.sh"
SECRET = "do-not-print-this-secret-4711"


def deploy(**environ: str) -> subprocess.CompletedProcess[str]:
    settings = {
        "BIGQUERY_PROJECT": "my-project-123",
        "LANDING_BUCKET": "my-project-123-spotify-landing",
        "SPOTIFY_CLIENT_ID": "client-id-abc",
        "SPOTIFY_CLIENT_SECRET": SECRET,
        "DRY_RUN": "1",
        **environ,
    }
    return subprocess.run(
        ["bash", str(SCRIPT)],
        env={**os.environ, **settings},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_dry_run_lists_every_deployment_step_with_its_role_and_never_the_secret() -> None:
    completed = deploy()

    assert completed.returncode == 0, completed.stderr
    output = completed.stdout
    assert SECRET not in output + completed.stderr
    assert "--set-secrets=SPOTIFY_CLIENT_SECRET=spotify-client-secret:latest" in output
    assert "--role=roles/secretmanager.secretAccessor" in output
    assert "gcloud functions deploy spotify-artist-enrichment --gen2" in output
    assert "--no-allow-unauthenticated" in output
    assert "--entry-point=enrich_artists_remote" in output
    assert "gcloud functions deploy spotify-landing-load --gen2" in output
    assert "--entry-point=load_landing_remote" in output
    assert "gcloud functions add-invoker-policy-binding spotify-landing-load" in output
    assert "run-operation create_spotify_landing_load_function --target prd" in output
    assert "google-cloud-bigquery==" in output
    assert (
        "bq mk --connection --location=EU --project_id=my-project-123 --connection_type=CLOUD_RESOURCE"
        in output
    )
    assert "gcloud functions add-invoker-policy-binding spotify-artist-enrichment" in output
    assert "run-operation create_spotify_remote_function --target prd" in output
    assert "connection: 'my-project-123.eu.spotify-enrichment'" in output
    # the function's pinned requirements: the `function` extra with everything it needs
    assert "functions-framework==3.10.2" in output
    assert "google-cloud-bigquery==3.47.0" in output
    assert "dbt-core" not in output and "duckdb" not in output


def test_a_malformed_project_or_bucket_is_refused_before_any_command() -> None:
    bad_project = deploy(BIGQUERY_PROJECT="My_Project; rm -rf /")
    bad_bucket = deploy(LANDING_BUCKET="gs://bucket")

    assert bad_project.returncode == 2
    assert "BIGQUERY_PROJECT" in bad_project.stderr
    assert "+ gcloud" not in bad_project.stdout
    assert bad_bucket.returncode == 2
    assert "LANDING_BUCKET" in bad_bucket.stderr


def test_a_real_run_needs_the_secret() -> None:
    completed = deploy(DRY_RUN="0", SPOTIFY_CLIENT_SECRET="")

    assert completed.returncode == 2
    assert "set SPOTIFY_CLIENT_SECRET" in completed.stderr
