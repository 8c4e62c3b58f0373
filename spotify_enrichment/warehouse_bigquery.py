"""The load step's BigQuery side, for wherever Python runs next to BigQuery (the remote function
`spotify_landing_load`, the CLI `load` command): ledger look-ups with query parameters, the line check
in Python (`landing_check`), and the insert as a load job of exactly the checked bytes into a scratch
table (schema from the landing contract), then the rows with `sourceFile`/`loadedAt` and the ledger
row in one multi-statement transaction. Names are validated; values are query parameters."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any

from spotify_enrichment.contract import RecordType, bigquery_schema
from spotify_enrichment.errors import BadInputError
from spotify_enrichment.landing_check import FileCheck, check_lines
from spotify_enrichment.loader import StagedFile

_DATASET = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]\.[A-Za-z0-9_]{1,1024}")
_TABLE = re.compile(r"[A-Za-z0-9_]{1,256}")


# A gs:// object, or a local file (the CLI and tests load a local landing folder into BigQuery).
_SOURCE_FILE = re.compile(r"(gs://[a-z0-9][a-z0-9._-]{1,221}[a-z0-9])?(/[A-Za-z0-9._=-]+)+")
_CHECKSUM = re.compile(r"[0-9a-f]{64}")
_LOADED_AT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}")


def _literal(value: str, pattern: re.Pattern[str], what: str) -> str:
    if not pattern.fullmatch(value):
        raise BadInputError(f"{what} {value!r:.120} has characters the BigQuery load does not accept")
    return f"'{value}'"


def checked_dataset(dataset: str) -> str:
    """`PROJECT.DATASET` of the lake, safe inside backticks."""
    if not _DATASET.fullmatch(dataset):
        raise BadInputError(
            f"lake dataset {dataset!r} is not PROJECT.DATASET (a project id, then letters, digits, _)"
        )
    return dataset


@dataclass
class BigQueryWarehouse:
    """`client` is a google.cloud.bigquery.Client; `dataset` the lake's PROJECT.DATASET."""

    client: Any
    dataset: str

    def __post_init__(self) -> None:
        checked_dataset(self.dataset)

    def _table(self, name: str) -> str:
        if not _TABLE.fullmatch(name):
            raise BadInputError(f"{name!r} is not a BigQuery table name")
        return f"`{self.dataset}.{name}`"

    def _query(self, sql: str, **parameters: Any) -> list[Any]:
        from google.cloud import bigquery  # noqa: PLC0415 (only BigQuery users import it)

        query_parameters = []
        for name, value in parameters.items():
            if isinstance(value, list):
                query_parameters.append(bigquery.ArrayQueryParameter(name, "STRING", value))
            elif isinstance(value, int):
                query_parameters.append(bigquery.ScalarQueryParameter(name, "INT64", value))
            else:
                query_parameters.append(bigquery.ScalarQueryParameter(name, "STRING", value))
        config = bigquery.QueryJobConfig(query_parameters=query_parameters)
        return list(self.client.query(sql, job_config=config).result())

    def loaded_checksums(self, record_type: RecordType, checksums: list[str]) -> set[str]:
        ledger = self._table(record_type.ledger_table)
        rows = self._query(
            f"select distinct checksum from {ledger} where checksum in unnest(@checksums)",  # noqa: S608
            checksums=checksums,
        )
        return {row[0] for row in rows}

    def check(self, staged: StagedFile) -> FileCheck:
        return check_lines(staged.record_type, staged.lines())

    def insert(self, staged: StagedFile, loaded_at: str) -> int:
        from google.cloud import bigquery  # noqa: PLC0415

        record_type = staged.record_type
        scratch_name = f"{record_type.lake_table}_load_{staged.checksum[:16]}"
        scratch = f"{self.dataset}.{scratch_name}"
        config = bigquery.LoadJobConfig(
            schema=bigquery_schema(record_type.fields),
            source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON,
            write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
            ignore_unknown_values=False,
        )
        with staged.local_path.open("rb") as handle:
            self.client.load_table_from_file(handle, scratch, job_config=config).result()
        columns = ", ".join(record_type.keys)
        table = self._table(record_type.lake_table)
        ledger = self._table(record_type.ledger_table)
        source = self._table(scratch_name)
        # BigQuery scripts take no query parameters in every implementation (bqemulator drops them), so
        # the three values are literals, each checked against a strict pattern first.
        source_file = _literal(staged.uri, _SOURCE_FILE, "landing file URI")
        checksum = _literal(staged.checksum, _CHECKSUM, "checksum")
        loaded = _literal(loaded_at, _LOADED_AT, "load time")
        try:
            self._query(
                f"""
                begin transaction;
                insert into {table} ({columns}, sourceFile, loadedAt)
                select {columns}, {source_file}, timestamp({loaded}) from {source};
                insert into {ledger} (sourceFile, checksum, rowCount, loadedAt)
                select {source_file}, {checksum}, count(*), timestamp({loaded}) from {source};
                commit transaction;
                """  # noqa: S608
            )
            rows = self._query(
                f"select rowCount from {ledger} where checksum = @checksum",  # noqa: S608
                checksum=staged.checksum,
            )
        finally:
            with contextlib.suppress(Exception):
                self.client.delete_table(scratch, not_found_ok=True)
        return int(rows[0][0]) if rows else 0
