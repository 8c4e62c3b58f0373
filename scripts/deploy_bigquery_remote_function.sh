#!/usr/bin/env bash
# Deploy the Spotify enrichment remote function for BigQuery, end to end:
#   Secret Manager secret -> Cloud Run function (gen2) -> BigQuery CLOUD_RESOURCE connection ->
#   invoker role for the connection's service account -> landing bucket -> CREATE FUNCTION (via dbt).
#
# Usage (from the repository root, after `make install`, with gcloud and bq signed in):
#   export BIGQUERY_PROJECT=my-project BIGQUERY_LOCATION=EU REGION=europe-west1
#   export LANDING_BUCKET=my-project-spotify-landing SPOTIFY_CLIENT_ID=...
#   read -rs SPOTIFY_CLIENT_SECRET && export SPOTIFY_CLIENT_SECRET   # typed, never in shell history
#   scripts/deploy_bigquery_remote_function.sh
# DRY_RUN=1 prints the commands instead of running them (the secret is never printed).
# Re-running is safe: existing resources are kept, the function and the secret get a new version.
#
# Roles the person running this needs on the project: Cloud Functions Developer, Cloud Run Admin,
# Service Account Admin + Service Account User, Secret Manager Admin, BigQuery Connection Admin
# (bigquery.connections.delegate, for CREATE FUNCTION), BigQuery Data Editor, Storage Admin,
# Service Usage Admin (to enable the APIs).
set -euo pipefail

: "${BIGQUERY_PROJECT:?set BIGQUERY_PROJECT to the Google Cloud project id}"
: "${BIGQUERY_LOCATION:=EU}"                    # BigQuery location of the datasets (EU, US, europe-west1, ...)
: "${REGION:=europe-west1}"                     # Cloud Run region, inside BIGQUERY_LOCATION
: "${LANDING_BUCKET:?set LANDING_BUCKET to the Cloud Storage bucket for the landing files}"
: "${SPOTIFY_CLIENT_ID:?set SPOTIFY_CLIENT_ID}"
: "${DATASET_ENV:=prd}"                         # datasets dp_lake_${DATASET_ENV}, dp_hub_${DATASET_ENV}
: "${FUNCTION_NAME:=spotify-artist-enrichment}"
: "${CONNECTION_ID:=spotify-enrichment}"
: "${SECRET_NAME:=spotify-client-secret}"
: "${FUNCTION_SERVICE_ACCOUNT_NAME:=spotify-enrichment-fn}"
: "${DBT_TARGET:=prd}"
DRY_RUN="${DRY_RUN:-0}"

project_pattern='^[a-z][a-z0-9-]{4,28}[a-z0-9]$'
[[ "$BIGQUERY_PROJECT" =~ $project_pattern ]] || { echo "error: BIGQUERY_PROJECT '$BIGQUERY_PROJECT' is not a project id" >&2; exit 2; }
[[ "$LANDING_BUCKET" =~ ^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$ ]] || { echo "error: LANDING_BUCKET '$LANDING_BUCKET' is not a bucket name (no gs://)" >&2; exit 2; }
[[ "$REGION" =~ ^[a-z]+-[a-z]+[0-9]+$ ]] || { echo "error: REGION '$REGION' is not a Cloud Run region" >&2; exit 2; }
[[ "$BIGQUERY_LOCATION" =~ ^[A-Za-z0-9-]+$ ]] || { echo "error: BIGQUERY_LOCATION '$BIGQUERY_LOCATION' is not a location" >&2; exit 2; }
if [[ "$DRY_RUN" != 1 && -z "${SPOTIFY_CLIENT_SECRET:-}" ]]; then
    echo "error: set SPOTIFY_CLIENT_SECRET (read -rs SPOTIFY_CLIENT_SECRET && export SPOTIFY_CLIENT_SECRET)" >&2
    exit 2
fi

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DBT="${DBT:-$ROOT/.venv/bin/dbt}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
FUNCTION_SA="${FUNCTION_SERVICE_ACCOUNT_NAME}@${BIGQUERY_PROJECT}.iam.gserviceaccount.com"
CONNECTION="${BIGQUERY_PROJECT}.$(echo "$BIGQUERY_LOCATION" | tr '[:upper:]' '[:lower:]').${CONNECTION_ID}"

run() {
    echo "+ $*"
    if [[ "$DRY_RUN" != 1 ]]; then "$@"; fi
}

step() { echo; echo "== $*"; }

step "1/8 enable the APIs"
run gcloud services enable --project="$BIGQUERY_PROJECT" \
    cloudfunctions.googleapis.com run.googleapis.com cloudbuild.googleapis.com artifactregistry.googleapis.com \
    bigquery.googleapis.com bigqueryconnection.googleapis.com secretmanager.googleapis.com \
    cloudscheduler.googleapis.com storage.googleapis.com

step "2/8 the function's own service account (reads the secret, nothing else)"
if [[ "$DRY_RUN" == 1 ]] || ! gcloud iam service-accounts describe "$FUNCTION_SA" --project="$BIGQUERY_PROJECT" >/dev/null 2>&1; then
    run gcloud iam service-accounts create "$FUNCTION_SERVICE_ACCOUNT_NAME" --project="$BIGQUERY_PROJECT" \
        --display-name="Spotify enrichment remote function"
fi

step "3/8 the Spotify client secret in Secret Manager (from SPOTIFY_CLIENT_SECRET, through stdin)"
if [[ "$DRY_RUN" == 1 ]] || ! gcloud secrets describe "$SECRET_NAME" --project="$BIGQUERY_PROJECT" >/dev/null 2>&1; then
    run gcloud secrets create "$SECRET_NAME" --project="$BIGQUERY_PROJECT" --replication-policy=automatic
fi
echo "+ printf %s \"\$SPOTIFY_CLIENT_SECRET\" | gcloud secrets versions add $SECRET_NAME --project=$BIGQUERY_PROJECT --data-file=-"
if [[ "$DRY_RUN" != 1 ]]; then
    printf %s "$SPOTIFY_CLIENT_SECRET" | gcloud secrets versions add "$SECRET_NAME" --project="$BIGQUERY_PROJECT" --data-file=- >/dev/null
fi
run gcloud secrets add-iam-policy-binding "$SECRET_NAME" --project="$BIGQUERY_PROJECT" \
    --member="serviceAccount:$FUNCTION_SA" --role=roles/secretmanager.secretAccessor

step "4/8 the Cloud Run function (source: spotify_enrichment/ with main.py and pinned requirements)"
SOURCE_DIR="$(mktemp -d)"
trap 'rm -rf "$SOURCE_DIR"' EXIT
cp -R "$ROOT/spotify_enrichment" "$SOURCE_DIR/spotify_enrichment"
find "$SOURCE_DIR" -name __pycache__ -prune -exec rm -rf {} +
cat > "$SOURCE_DIR/main.py" <<'PY'
"""Cloud Run function entry point: see spotify_enrichment/remote_function.py."""

from spotify_enrichment.remote_function import enrich_artists_remote

__all__ = ["enrich_artists_remote"]
PY
# The function's runtime dependencies: everything `spotify-enrichment[function]` needs, transitively,
# at its requirements.lock version (what `pip install '.[function]' -c requirements.lock` installs).
"$PYTHON" -m spotify_enrichment_dev.pinned_requirements 'spotify-enrichment[function]' \
    --lock "$ROOT/requirements.lock" > "$SOURCE_DIR/requirements.txt"
echo "  requirements.txt: $(tr '\n' ' ' < "$SOURCE_DIR/requirements.txt")"
# One instance, one request at a time: the fetcher's pacing then holds for every request BigQuery
# sends, and the stop it remembers after a long Retry-After (answered per row, not waited for) holds
# for every later batch of the query.
run gcloud functions deploy "$FUNCTION_NAME" --gen2 --project="$BIGQUERY_PROJECT" --region="$REGION" \
    --runtime=python311 --source="$SOURCE_DIR" --entry-point=enrich_artists_remote --trigger-http \
    --no-allow-unauthenticated --service-account="$FUNCTION_SA" \
    --max-instances=1 --concurrency=1 --timeout=300s --memory=512Mi \
    --set-env-vars="SPOTIFY_CLIENT_ID=${SPOTIFY_CLIENT_ID},SPOTIFY_API_MODE=auto,SPOTIFY_MAX_WAIT_SECONDS=20" \
    --set-secrets="SPOTIFY_CLIENT_SECRET=${SECRET_NAME}:latest"
if [[ "$DRY_RUN" == 1 ]]; then
    ENDPOINT="https://${REGION}-${BIGQUERY_PROJECT}.cloudfunctions.net/${FUNCTION_NAME}"
else
    ENDPOINT="$(gcloud functions describe "$FUNCTION_NAME" --gen2 --project="$BIGQUERY_PROJECT" --region="$REGION" --format='value(serviceConfig.uri)')"
fi
echo "  endpoint: $ENDPOINT"
# The load step, a second entry point of the same source: lists gs://BUCKET/spotify/landing/, checks
# every line, loads with load jobs, keeps the ledger and moves files (BigQuery cannot move objects).
LOAD_FUNCTION_NAME="${FUNCTION_NAME%-artist-enrichment}-landing-load"
run gcloud functions deploy "$LOAD_FUNCTION_NAME" --gen2 --project="$BIGQUERY_PROJECT" --region="$REGION" \
    --runtime=python311 --source="$SOURCE_DIR" --entry-point=load_landing_remote --trigger-http \
    --no-allow-unauthenticated --service-account="$FUNCTION_SA" \
    --max-instances=1 --concurrency=1 --timeout=900s --memory=1Gi
if [[ "$DRY_RUN" == 1 ]]; then
    LOAD_ENDPOINT="https://${REGION}-${BIGQUERY_PROJECT}.cloudfunctions.net/${LOAD_FUNCTION_NAME}"
else
    LOAD_ENDPOINT="$(gcloud functions describe "$LOAD_FUNCTION_NAME" --gen2 --project="$BIGQUERY_PROJECT" --region="$REGION" --format='value(serviceConfig.uri)')"
fi
echo "  load endpoint: $LOAD_ENDPOINT"

step "5/8 the BigQuery connection BigQuery calls the function through"
if [[ "$DRY_RUN" == 1 ]] || ! bq show --connection --project_id="$BIGQUERY_PROJECT" "$CONNECTION" >/dev/null 2>&1; then
    run bq mk --connection --location="$BIGQUERY_LOCATION" --project_id="$BIGQUERY_PROJECT" \
        --connection_type=CLOUD_RESOURCE "$CONNECTION_ID"
fi
if [[ "$DRY_RUN" == 1 ]]; then
    CONNECTION_SA="bqcx-PROJECT_NUMBER-xxxx@gcp-sa-bigquery-condel.iam.gserviceaccount.com"
else
    CONNECTION_SA="$(bq show --format=json --connection "$CONNECTION" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["cloudResource"]["serviceAccountId"])')"
fi
echo "  connection service account: $CONNECTION_SA"

step "6/8 let the connection's service account invoke the function (roles/run.invoker)"
for name in "$FUNCTION_NAME" "$LOAD_FUNCTION_NAME"; do
    run gcloud functions add-invoker-policy-binding "$name" --project="$BIGQUERY_PROJECT" \
        --region="$REGION" --member="serviceAccount:$CONNECTION_SA"
done

step "7/8 the landing bucket BigQuery exports to and loads from"
if [[ "$DRY_RUN" == 1 ]] || ! gcloud storage buckets describe "gs://$LANDING_BUCKET" --project="$BIGQUERY_PROJECT" >/dev/null 2>&1; then
    run gcloud storage buckets create "gs://$LANDING_BUCKET" --project="$BIGQUERY_PROJECT" \
        --location="$BIGQUERY_LOCATION" --uniform-bucket-level-access
fi
# The load function reads, archives and quarantines landing files and runs load jobs into the lake.
run gcloud storage buckets add-iam-policy-binding "gs://$LANDING_BUCKET" \
    --member="serviceAccount:$FUNCTION_SA" --role=roles/storage.objectAdmin
for role in roles/bigquery.jobUser roles/bigquery.dataEditor; do
    run gcloud projects add-iam-policy-binding "$BIGQUERY_PROJECT" --member="serviceAccount:$FUNCTION_SA" --role="$role"
done

step "8/8 the datasets and CREATE FUNCTION ... REMOTE WITH CONNECTION (dbt, target $DBT_TARGET)"
export BIGQUERY_PROJECT BIGQUERY_LOCATION
run "$DBT" run-operation create_lake_tables --target "$DBT_TARGET" --project-dir "$ROOT" --profiles-dir "$ROOT" \
    --vars "{dataset_env: $DATASET_ENV}"
run "$DBT" run-operation create_spotify_remote_function --target "$DBT_TARGET" --project-dir "$ROOT" \
    --profiles-dir "$ROOT" --vars "{dataset_env: $DATASET_ENV}" \
    --args "{endpoint: '$ENDPOINT', connection: '$CONNECTION'}"
run "$DBT" run-operation create_spotify_landing_load_function --target "$DBT_TARGET" --project-dir "$ROOT" \
    --profiles-dir "$ROOT" --vars "{dataset_env: $DATASET_ENV}" \
    --args "{endpoint: '$LOAD_ENDPOINT', connection: '$CONNECTION'}"

echo
echo "done: enrich with"
echo "  $DBT run-operation enrich_artists --target $DBT_TARGET --vars '{landing_uri: gs://$LANDING_BUCKET}' --args '{mode: backfill}'"
