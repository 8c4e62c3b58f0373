# The weekly Cloud Run job: enrich new artists on BigQuery through the remote function, then rebuild
# what depends on the enrichment (scripts/cloud_run_job.sh). Build and deploy: README, "Production on
# BigQuery". The job signs in as its service account (profiles target prd, method oauth = ADC).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DBT_PROFILES_DIR=/app \
    DBT_PROJECT_DIR=/app \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false

WORKDIR /app

# The shipped package only, with dbt on BigQuery and gs:// landing (pinned by requirements.lock); the
# development package in dev/ is not in the build context (.dockerignore).
COPY pyproject.toml requirements.lock README.md ./
COPY spotify_enrichment ./spotify_enrichment
RUN pip install --no-cache-dir -c requirements.lock '.[bigquery,gcs]' \
    && useradd --create-home --uid 10001 dbt

COPY dbt_project.yml packages.yml profiles.yml.example .dbtignore ./
COPY models ./models
COPY macros ./macros
COPY seeds ./seeds
COPY analyses ./analyses
COPY tests ./tests
COPY scripts/cloud_run_job.sh ./scripts/cloud_run_job.sh
RUN sed 's|__PROJECT_ROOT__|/app|g' profiles.yml.example > profiles.yml \
    && chown -R dbt /app

USER dbt
# dbt writes target/ and logs/ under /app at run time; Cloud Run gives each execution a fresh copy.
ENTRYPOINT ["/app/scripts/cloud_run_job.sh"]
