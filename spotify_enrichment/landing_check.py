"""The line check of a landing file: every line must be a record of its type (`contract.line_error`).
This is the check of record, with bad lines named by number; the DuckDB loader runs the same rules
as SQL first (`contract.duckdb_check_sql`) and comes here only when that finds a problem."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from spotify_enrichment.contract import RecordType, from_bigquery_export, line_error

MAX_REPORTED_LINES = 20


@dataclass(frozen=True)
class LineError:
    line: int
    error: str


@dataclass(frozen=True)
class FileCheck:
    """`records`: lines that hold a value; `errors`: bad lines by number (1-based), at most
    MAX_REPORTED_LINES of them, `error_count` counts them all; `file_error` when the file as a whole
    was refused but no single line could be blamed."""

    records: int
    errors: list[LineError] = field(default_factory=list)
    error_count: int = 0
    file_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and self.file_error is None

    def describe(self) -> str:
        """One message naming the bad lines, e.g. `line 3: not valid JSON (...); line 9: ...`."""
        parts = [f"line {error.line}: {error.error}" for error in self.errors]
        if self.error_count > len(self.errors):
            parts.append(f"and {self.error_count - len(self.errors)} more bad lines")
        if self.file_error:
            parts.append(self.file_error)
        return "; ".join(parts)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for key, item in pairs:
        if key in value:
            # A repeated key means different things to different readers (first or last wins).
            raise ValueError(f"key {key!r} appears twice")
        value[key] = item
    return value


def parse_line(raw_line: bytes | str) -> Any:
    """One JSON value; raises ValueError (json.JSONDecodeError is one) on bad JSON or a repeated key."""
    return json.loads(raw_line, object_pairs_hook=_unique_keys)


def check_lines(record_type: RecordType, lines: Iterable[bytes]) -> FileCheck:
    """Check every line (blank lines are skipped, as every JSONL reader here does)."""
    now = datetime.now(UTC)
    records = 0
    errors: list[LineError] = []
    error_count = 0
    for number, raw_line in enumerate(lines, start=1):
        if not raw_line.strip():
            continue
        records += 1
        try:
            problem = line_error(record_type, parse_line(raw_line), now)
        except ValueError as error:
            problem = f"not valid JSON ({error})"
        except RecursionError:
            problem = "not valid JSON (nested too deeply)"
        if problem is None:
            continue
        error_count += 1
        if len(errors) < MAX_REPORTED_LINES:
            errors.append(LineError(line=number, error=problem))
    return FileCheck(records=records, errors=errors, error_count=error_count)


def bigquery_export_lines(record_type: RecordType, lines: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a BigQuery JSON export with its INT64 strings as numbers (`from_bigquery_export`),
    one line out per line in, so the check names the same line numbers; a line that is not valid JSON,
    or needs no change, is passed on byte for byte."""
    for raw_line in lines:
        try:
            value = parse_line(raw_line) if raw_line.strip() else None
        except (ValueError, RecursionError):
            value = None
        decoded = from_bigquery_export(record_type, value)
        if decoded == value:
            yield raw_line
        else:
            yield (json.dumps(decoded, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
