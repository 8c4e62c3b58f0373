"""The report's reads from the warehouse, through dbt's programmatic API, so one code path serves
every adapter (DuckDB, BigQuery): the project is parsed once, then each figure is a runbook analysis
(`dbt show --select NAME --limit N`) or, for a relation another part of the project may not have yet,
a small inline query run only after the adapter has confirmed the relation and its columns exist."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from spotify_enrichment.errors import SpotifyEnrichmentError

Row = dict[str, Any]

PROJECT_NAME = "spotify_enrichment"
# Model names reach the Jinja of an inline query; they are checked against this first.
MODEL_NAME = re.compile(r"[a-z][a-z0-9_]{0,127}")
_PERIOD_HOURS = {"minute": 1 / 60, "hour": 1, "day": 24}


class ReportQueryError(SpotifyEnrichmentError):
    """dbt could not parse the project or run one of the report's queries; the message names it."""


@dataclass(frozen=True)
class DbtLocation:
    """Which dbt project, profiles and target to read (None: dbt's own defaults)."""

    project_dir: Path
    profiles_dir: Path | None = None
    target: str | None = None
    vars: str | None = None  # dbt's --vars (YAML), e.g. the landing_uri of a gs:// deployment

    def arguments(self) -> list[str]:
        arguments = ["--project-dir", str(self.project_dir)]
        if self.profiles_dir is not None:
            arguments += ["--profiles-dir", str(self.profiles_dir)]
        if self.target:
            arguments += ["--target", self.target]
        if self.vars:
            arguments += ["--vars", self.vars]
        return arguments


@dataclass(frozen=True)
class FreshnessThresholds:
    """Source freshness of the lake enrichment table, as declared in its sources YAML."""

    warn_after_hours: float | None
    error_after_hours: float | None


class DbtWarehouse:
    """The dbt project parsed once; every query after that reuses the manifest (about 0.2 s each)."""

    def __init__(self, location: DbtLocation) -> None:
        try:
            from dbt.cli.main import dbtRunner  # noqa: PLC0415 (dbt comes with the duckdb/bigquery extra)
        except ImportError as error:
            raise ReportQueryError(
                "the report reads the warehouse through dbt: install spotify-enrichment[duckdb] or "
                "spotify-enrichment[bigquery]"
            ) from error
        self.location = location
        parsed = dbtRunner().invoke(["parse", "--log-level", "none", *location.arguments()])
        if not parsed.success or parsed.result is None:
            raise ReportQueryError(f"dbt parse of {location.project_dir} failed: {parsed.exception}")
        self.manifest = parsed.result
        self._runner = dbtRunner(manifest=self.manifest)

    def close(self) -> None:
        """Release the warehouse: dbt keeps connections open between invocations of one process, and
        dbt-duckdb one DuckDB instance, which holds the file's lock until it is closed."""
        from dbt.adapters.factory import cleanup_connections  # noqa: PLC0415 (see __init__)

        cleanup_connections()
        if self.adapter_type == "duckdb":
            from dbt.adapters.duckdb.connections import DuckDBConnectionManager  # noqa: PLC0415

            # No public close in dbt-duckdb 1.11: its one DuckDB instance per process is a class attribute.
            environment = DuckDBConnectionManager._ENV
            if environment is not None:
                environment.close()
            DuckDBConnectionManager.close_all_connections()

    def __enter__(self) -> DbtWarehouse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def adapter_type(self) -> str:
        return str(self.manifest.metadata.adapter_type or "unknown")

    def _show(self, selection: list[str], limit: int, what: str) -> list[Row]:
        result = self._runner.invoke(
            ["show", *selection, "--limit", str(limit), "--log-level", "none", *self.location.arguments()]
        )
        if not result.success or result.result is None:
            raise ReportQueryError(f"{what} failed: {result.exception}")
        table = result.result.results[0].agate_table
        return [dict(zip(table.column_names, values, strict=True)) for values in table.rows]

    def analysis(self, name: str, limit: int) -> list[Row]:
        """The first `limit` rows of the runbook analysis `analyses/NAME.sql`."""
        return self._show(["--select", name], limit, f"dbt show --select {name}")

    def inline(self, sql: str, limit: int, what: str) -> list[Row]:
        return self._show(["--inline", sql], limit, what)

    def _node_call(self, name: str) -> str | None:
        """`ref('model')` or `source('source', 'table')` for a relation of this project (a name with a
        dot is `source.table`); None when the project has no such model or source."""
        parts = name.split(".")
        if not all(MODEL_NAME.fullmatch(part) for part in parts) or len(parts) > 2:
            raise ReportQueryError(f"relation name {name!r} is not a dbt model or source.table name")
        if len(parts) == 1:
            return f"ref('{name}')" if f"model.{PROJECT_NAME}.{name}" in self.manifest.nodes else None
        source_id = f"source.{PROJECT_NAME}.{parts[0]}.{parts[1]}"
        return f"source('{parts[0]}', '{parts[1]}')" if source_id in self.manifest.sources else None

    def relation_columns(self, names: Sequence[str]) -> dict[str, frozenset[str] | None]:
        """For each model (or `source.table`) of the project, its columns as the adapter sees them in
        the warehouse; None for one the project does not have or the warehouse has not built."""
        calls = {name: self._node_call(name) for name in names}
        present = [(name, call) for name, call in calls.items() if call]
        columns: dict[str, frozenset[str] | None] = dict.fromkeys(names)
        if not present:
            return columns
        probes = [
            f"{{%- set relation_{index} = load_relation({call}) -%}}"
            for index, (_, call) in enumerate(present)
        ]
        selects = [
            f"{{{{ dbt.string_literal('|' ~ (adapter.get_columns_in_relation(relation_{index}) "
            f"| map(attribute='name') | join('|')) if relation_{index} is not none else '') }}}} as c{index}"
            for index in range(len(present))
        ]
        sql = "\n".join(probes) + "\nselect " + ", ".join(selects)
        row = self.inline(sql, 1, "reading which report relations the warehouse has")[0]
        for index, (name, _) in enumerate(present):
            listed = str(row[f"c{index}"] or "")
            columns[name] = frozenset(listed.strip("|").split("|")) if listed else None
        return columns

    def project_var(self, name: str) -> str:
        """A project var as a string (the landing location, for the quarantine listing)."""
        row = self.inline(
            f"select {{{{ dbt.string_literal(var('{name}')) }}}} as value", 1, f"reading var {name}"
        )[0]
        return str(row["value"])

    def source_freshness(self, table: str) -> FreshnessThresholds:
        for source in self.manifest.sources.values():
            if source.name == table and source.freshness is not None:
                return FreshnessThresholds(
                    _hours(source.freshness.warn_after), _hours(source.freshness.error_after)
                )
        return FreshnessThresholds(None, None)


def _hours(threshold: Any) -> float | None:
    if threshold is None or not threshold.count or threshold.period is None:
        return None
    period = str(getattr(threshold.period, "value", threshold.period))
    return timedelta(hours=threshold.count * _PERIOD_HOURS[period]).total_seconds() / 3600
