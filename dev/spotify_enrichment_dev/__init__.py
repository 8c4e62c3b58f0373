"""Development tools of spotify-enrichment, kept out of the shipped package: the Spotify emulator
(`emulator`, `catalogue`, `emulator_process`), the demo-data generator (`demo_data`, `demo_vocabulary`,
`demo_enrichment_fixture`), the BigQuery-emulator harness (`bigquery_emulator_process`) and the
benchmarks (`bench/`)."""
