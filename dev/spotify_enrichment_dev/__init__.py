"""Development tools of spotify-enrichment, kept out of the shipped package: the Spotify emulator
(`emulator`, `catalogue`, `emulator_process`), the demo-data generator (`demo_data`, `demo_vocabulary`,
`demo_enrichment_fixture`), the BigQuery-emulator harness (`bigquery_emulator_process`), the dbt runner
that tests, scripts and benchmarks share (`dbt_runner`), the remote-function deploy's pinned
requirements (`pinned_requirements`) and the benchmarks (`bench/`)."""
