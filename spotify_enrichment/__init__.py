"""Spotify artist enrichment: fetcher, landing writer, emulator and dbt glue."""
