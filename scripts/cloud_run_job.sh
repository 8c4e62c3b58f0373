#!/usr/bin/env bash
# The weekly production run (the Cloud Run job's entry point, see Dockerfile):
#   1. enrich the artists first played in the last 7 days (BigQuery remote function -> landing -> lake);
#   2. rebuild and test the hub and everything it reads.
# Needs LANDING_URI=gs://BUCKET and BIGQUERY_PROJECT (and BIGQUERY_LOCATION) in the job's environment.
# Extra arguments go to both dbt commands (for example --threads 8).
set -euo pipefail

: "${LANDING_URI:?set LANDING_URI to gs://BUCKET, the bucket BigQuery exports the landing files to}"
: "${BIGQUERY_PROJECT:?set BIGQUERY_PROJECT to the Google Cloud project id}"
vars="{landing_uri: ${LANDING_URI}}"

dbt run-operation enrich_artists --args '{mode: incremental}' --target prd --vars "$vars" "$@"
dbt build --select +hub_music__svc_dim_artists --target prd --vars "$vars" "$@"
