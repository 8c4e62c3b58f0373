# The README's commands. Every target that runs something installs first, so on a fresh machine
# `make demo` and `make test` are each one command.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALL_STAMP := $(VENV)/.installed

.PHONY: install chromium bqemulator demo report test lint pytest dbt-test test-bigquery bench clean

install: $(INSTALL_STAMP) profiles.yml chromium

# Debian's chromium, for the report's browser test (tests/python/dbt/test_report.py); nothing is
# downloaded but the Debian package. Installed when missing and apt-get can run (as root); otherwise
# a note, since only that test needs it.
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: install Debian's chromium (apt-get install chromium) for the report test"; fi; }

# The product (editable) and the development package in dev/ (editable; it asks for every extra of the
# product and pins the tools: pytest, ruff, sqlfluff, the emulators' and benchmarks' packages).
$(INSTALL_STAMP): pyproject.toml dev/pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -c requirements.lock -e . -e ./dev
	touch $(INSTALL_STAMP)

# The BigQuery emulator in its own virtualenv (.bqemulator-venv, pinned by requirements-bqemulator.lock;
# it pins its own DuckDB). Installed here, before the tests, which never install anything.
bqemulator: install
	$(BIN)/python -m spotify_enrichment_dev.bigquery_emulator_process --project-root $(CURDIR)

# The DuckDB file defaults to the project root even when dbt runs from another folder.
profiles.yml: | profiles.yml.example
	sed 's|__PROJECT_ROOT__|$(CURDIR)|g' profiles.yml.example > profiles.yml

# QUOTA=extended shows the other Spotify regime; the default is the one every new app gets.
QUOTA ?= development
demo: install
	$(BIN)/python scripts/demo.py --quota $(QUOTA)

# The HTML report of the current warehouse (the profile's target; DBT_TARGET=prd for BigQuery).
report: install
	$(BIN)/python -m spotify_enrichment report --out target/report.html

# Lint, the BigQuery check and the pytest suite side by side (one make, -j3): the BigQuery check keeps
# about one core busy (bqemulator answers dbt one query at a time), so beside pytest's two workers it
# adds little to the wall time, where one after the other it added its two minutes. Each target's
# output is shown whole when it ends (pytest, the longest, last: its summary closes the output).
test: install
	$(MAKE) --no-print-directory -j3 --output-sync=target lint test-bigquery pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models macros analyses tests --processes 2

# On pytest-xdist workers (one per core), one test folder per worker (tests/python/conftest.py).
PYTEST_WORKERS ?= auto
pytest: install bqemulator
	$(BIN)/pytest --numprocesses $(PYTEST_WORKERS) --dist loadgroup

test-bigquery: install bqemulator
	$(BIN)/python scripts/test_bigquery.py

bench: install
	$(BIN)/python scripts/bench.py

clean:
	rm -rf target logs landing warehouse.duckdb demo_data bench/work
