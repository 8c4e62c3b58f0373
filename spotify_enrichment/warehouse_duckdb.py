"""The load step's DuckDB side: ledger look-ups, the whole-file line check in SQL and the insert,
on a cursor of the connection dbt-duckdb opened (so the plugin needs no second database). The SQL
comes from the landing contract; paths, names and values are bound parameters, relations are
validated quoted identifiers."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

import duckdb

from spotify_enrichment.contract import (
    RecordType,
    duckdb_keys_check_sql,
    duckdb_read_columns,
    duckdb_select_sql,
    duckdb_values_check_sql,
)
from spotify_enrichment.errors import BadInputError
from spotify_enrichment.landing_check import FileCheck, check_lines
from spotify_enrichment.loader import StagedFile

_RELATION = re.compile(r'("[^"]+"\.){0,2}"[^"]+"|([A-Za-z_][A-Za-z0-9_]*\.){0,2}[A-Za-z_][A-Za-z0-9_]*')
MAX_OBJECT_BYTES = 16 << 20


def checked_relation(relation: str) -> str:
    """A relation as dbt renders it (`"db"."schema"."table"`); anything else is refused."""
    if not _RELATION.fullmatch(relation):
        raise BadInputError(f"{relation!r} is not a table name as dbt renders it")
    return relation


def _objects_sql() -> str:
    return f"select json as line from read_ndjson_objects($path, maximum_object_size = {MAX_OBJECT_BYTES})"  # noqa: S608


def _columns_sql(record_type: RecordType, *, json: bool) -> str:
    columns = duckdb_read_columns(record_type, json=json)
    return (
        f"read_json($path, format = 'newline_delimited', columns = {columns}, "
        f"maximum_object_size = {MAX_OBJECT_BYTES})"
    )


@dataclass
class DuckDBWarehouse:
    """`relations` maps each lake table name of the contract (tables and ledgers) to its relation."""

    connection: duckdb.DuckDBPyConnection
    relations: dict[str, str]

    def _relation(self, table: str) -> str:
        if table not in self.relations:
            raise BadInputError(f"no relation given for lake table {table}")
        return checked_relation(self.relations[table])

    def loaded_checksums(self, record_type: RecordType, checksums: list[str]) -> set[str]:
        ledger = self._relation(record_type.ledger_table)
        cursor = self.connection.cursor()
        try:
            rows = cursor.execute(
                f"select distinct checksum from {ledger} where list_contains($checksums, checksum)",  # noqa: S608
                {"checksums": checksums},
            ).fetchall()
        finally:
            cursor.close()
        return {row[0] for row in rows}

    def check(self, staged: StagedFile) -> FileCheck:
        record_type = staged.record_type
        keys_query = f"""
            select count(*), count(*) filter (where not {duckdb_keys_check_sql(record_type)})
            from ({_objects_sql()})
        """  # noqa: S608
        values_query = f"""
            select count(*) filter (where not {duckdb_values_check_sql(record_type)})
            from {_columns_sql(record_type, json=True)}
        """  # noqa: S608
        parameters = {"path": str(staged.local_path)}
        cursor = self.connection.cursor()
        try:
            records, bad = cursor.execute(keys_query, parameters).fetchone() or (0, 0)
            if bad == 0:
                (bad,) = cursor.execute(values_query, parameters).fetchone() or (0,)
        except duckdb.Error as error:
            reason: str | None = str(error).splitlines()[0]
        else:
            if bad == 0:
                return FileCheck(records=int(records))
            reason = f"{bad} lines failed DuckDB's checks"
        finally:
            cursor.close()
        slow = check_lines(staged.record_type, staged.lines())
        if slow.error_count:
            return slow
        # DuckDB refused the file but every line passes in Python: report DuckDB's own words.
        return FileCheck(
            records=slow.records, file_error=f"the file cannot be read as landing JSONL: {reason}"
        )

    def insert(self, staged: StagedFile, loaded_at: str) -> int:
        record_type = staged.record_type
        table = self._relation(record_type.lake_table)
        ledger = self._relation(record_type.ledger_table)
        columns = ", ".join(f'"{name}"' for name in (*record_type.keys, "sourceFile", "loadedAt"))
        parameters = {"path": str(staged.local_path), "source_file": staged.uri, "loaded_at": loaded_at}
        cursor = self.connection.cursor()
        try:
            cursor.execute("begin transaction")
            cursor.execute(
                f"""
                insert into {table} ({columns})
                select
                    {duckdb_select_sql(record_type)},
                    $source_file as "sourceFile",
                    cast($loaded_at as timestamp) as "loadedAt"
                from {_columns_sql(record_type, json=False)}
                """,  # noqa: S608
                parameters,
            )
            cursor.execute(
                f"""
                insert into {ledger} ("sourceFile", "checksum", "rowCount", "loadedAt")
                select $source_file, $checksum, count(*), cast($loaded_at as timestamp)
                from {table}
                where "sourceFile" = $source_file and "loadedAt" = cast($loaded_at as timestamp)
                """,  # noqa: S608
                {"source_file": staged.uri, "loaded_at": loaded_at, "checksum": staged.checksum},
            )
            rows = cursor.execute(
                f'select "rowCount" from {ledger} where "checksum" = $checksum',  # noqa: S608
                {"checksum": staged.checksum},
            ).fetchone()
            cursor.execute("commit")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                cursor.execute("rollback")
            raise
        finally:
            cursor.close()
        return int(rows[0]) if rows else 0
