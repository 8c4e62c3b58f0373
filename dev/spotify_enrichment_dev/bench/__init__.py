"""`make bench`: throughput and cost of the pipeline, measured on loopback against the project's emulator.

One module per benchmark (`rate_limited`, `latency_bound`, `warehouse_at_scale`, `load`), shared helpers
(`scale`, `results`, `machine`, `peak_memory`, `dbt_runner`, `fetch_runs`, `spotipy_baseline`), the table
and verdicts in `report`, and the run order in `run`. `scripts/bench.py` is the entry point.
"""
