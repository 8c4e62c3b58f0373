"""The landing contract machinery: a record type is a `TypedDict` (in `records.py`) whose annotations
are the only place its columns, types and rules are written. From it come

- the JSONL writer (`json_line`) and the line validator (`line_error`),
- the lake table's column types on DuckDB and BigQuery (`duckdb_type`, `bigquery_type`, and the
  generated macro `lake_contract()` that the dbt macros read, kept in sync by a test),
- the BigQuery load-job schema (`bigquery_schema`),
- the DuckDB load SQL: a whole-file check that enforces the same rules as `line_error` and the typed
  select of the insert (`duckdb_check_sql`, `duckdb_select_sql`).

Annotations understood: `str`, `int`, `bool`, `float`, `Timestamp` (ISO 8601 text with a UTC offset),
`list[T]`, a nested `TypedDict` (a struct), `Literal[...]` of strings (a closed set), `X | None`
(nullable; a missing key reads as null), and `Annotated[T, Pattern(...) | Range(...)]` for rules.
"""

from __future__ import annotations

import json
import re
import sys
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

# A landing line may carry a timestamp slightly ahead of the loader's clock (another machine's clock);
# anything later is a broken clock or a forged line, and an artist "enriched in 2099" would never be stale.
MAX_CLOCK_SKEW = timedelta(minutes=10)
TIMESTAMP_TEXT = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_TIMESTAMP_PATTERN = re.compile(TIMESTAMP_TEXT)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class Pattern:
    """The value (a string) must match this regular expression in full (RE2- and Python-compatible)."""

    regex: str
    description: str


@dataclass(frozen=True)
class Range:
    """The value (an integer) must lie in [minimum, maximum]; None leaves that side open."""

    minimum: int | None = None
    maximum: int | None = None


class TimestampMarker:
    """Marks a `str` as an ISO 8601 timestamp with a UTC offset, at most MAX_CLOCK_SKEW in the future."""


class ScheduledMarker:
    """Marks a timestamp that may lie in the future (a moment planned, not observed)."""


Timestamp = Annotated[str, TimestampMarker]
# A moment planned ahead (`retryNotBefore`): the same text, no limit on how far ahead.
ScheduledTimestamp = Annotated[str, TimestampMarker, ScheduledMarker]

Scalar = Literal["string", "int", "bool", "float", "timestamp"]


@dataclass(frozen=True)
class Field:
    """One column: `kind` is a scalar name, "array" (of `item`) or "struct" (of `fields`)."""

    name: str
    kind: str
    nullable: bool = False
    item: Field | None = None
    fields: tuple[Field, ...] = ()
    choices: tuple[str, ...] = ()
    pattern: Pattern | None = None
    range: Range | None = None
    # Timestamps only: True when the value may lie any distance in the future.
    scheduled: bool = False


_SCALARS: dict[Any, Scalar] = {str: "string", int: "int", bool: "bool", float: "float"}


def _field(name: str, annotation: Any) -> Field:
    nullable = False
    pattern: Pattern | None = None
    value_range: Range | None = None
    markers: set[Any] = set()
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extras = get_args(annotation)
            for extra in extras:
                if isinstance(extra, Pattern):
                    pattern = extra
                elif isinstance(extra, Range):
                    value_range = extra
                else:
                    markers.add(extra)
            continue
        if origin in (Union, types.UnionType) and type(None) in get_args(annotation):
            nullable = True
            rest = [arg for arg in get_args(annotation) if arg is not type(None)]
            annotation = rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007
            continue
        break
    common = {"name": name, "nullable": nullable, "pattern": pattern, "range": value_range}
    if TimestampMarker in markers:
        return Field(kind="timestamp", scheduled=ScheduledMarker in markers, **common)
    if get_origin(annotation) is Literal:
        return Field(kind="string", choices=tuple(get_args(annotation)), **common)
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        return Field(kind="array", item=_field("item", item), **common)
    if is_typeddict(annotation):
        return Field(kind="struct", fields=fields_of(annotation), **common)
    if annotation in _SCALARS:
        return Field(kind=_SCALARS[annotation], **common)
    raise TypeError(f"{name}: annotation {annotation!r} is not part of the landing contract")


def fields_of(typed_dict: Any) -> tuple[Field, ...]:
    """The columns of a TypedDict, in declaration order."""
    module = sys.modules[typed_dict.__module__]
    hints = get_type_hints(typed_dict, globalns=vars(module), include_extras=True)
    return tuple(_field(name, hints[name]) for name in typed_dict.__annotations__)


@dataclass(frozen=True)
class Table:
    """A lake table the pipeline owns: its name and columns."""

    name: str
    fields: tuple[Field, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.fields)


@dataclass(frozen=True)
class RecordType:
    """A record that lands as `{stamp}_{run}{landing_suffix}` JSONL lines and loads into `lake_table`
    (the record's columns plus LOAD_COLUMNS), one ledger row per file in `ledger_table`."""

    name: str
    record: Any  # the TypedDict
    lake_table: str
    ledger_table: str
    key: tuple[str, ...]
    fields: tuple[Field, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", fields_of(self.record))
        unknown = set(self.key) - set(self.keys)
        if unknown:
            raise TypeError(f"{self.name}: key columns {sorted(unknown)} are not record columns")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.fields)

    @property
    def landing_suffix(self) -> str:
        return f"_{self.name}.jsonl"


# --- type names -------------------------------------------------------------------------------------

_DUCKDB = {
    "string": "varchar",
    "int": "bigint",
    "bool": "boolean",
    "float": "double",
    "timestamp": "timestamp",
}
_BIGQUERY = {"string": "STRING", "int": "INT64", "bool": "BOOL", "float": "FLOAT64", "timestamp": "TIMESTAMP"}


def duckdb_type(column: Field) -> str:
    if column.kind == "array":
        assert column.item is not None
        return f"{duckdb_type(column.item)}[]"
    if column.kind == "struct":
        return "struct(" + ", ".join(f"{sub.name} {duckdb_type(sub)}" for sub in column.fields) + ")"
    return _DUCKDB[column.kind]


def bigquery_type(column: Field) -> str:
    if column.kind == "array":
        assert column.item is not None
        return f"ARRAY<{bigquery_type(column.item)}>"
    if column.kind == "struct":
        return "STRUCT<" + ", ".join(f"{sub.name} {bigquery_type(sub)}" for sub in column.fields) + ">"
    return _BIGQUERY[column.kind]


def bigquery_schema(fields: tuple[Field, ...]) -> list[Any]:
    """google-cloud-bigquery SchemaFields for a load job (imported here: only BigQuery users need it)."""
    from google.cloud.bigquery import SchemaField  # noqa: PLC0415

    def schema_field(column: Field) -> Any:
        if column.kind == "array":
            assert column.item is not None
            inner = schema_field(column.item)
            return SchemaField(column.name, inner.field_type, mode="REPEATED", fields=inner.fields)
        if column.kind == "struct":
            subfields = [schema_field(sub) for sub in column.fields]
            return SchemaField(column.name, "RECORD", mode="NULLABLE", fields=subfields)
        return SchemaField(column.name, _BIGQUERY[column.kind], mode="NULLABLE")

    return [schema_field(column) for column in fields]


# --- the Python line validator ----------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _timestamp_error(value: str, now: datetime, *, scheduled: bool = False) -> str | None:
    if not _TIMESTAMP_PATTERN.fullmatch(value):
        return "is not an ISO 8601 timestamp with a UTC offset"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return "is not a valid date and time"
    if not scheduled and moment > now + MAX_CLOCK_SKEW:
        return f"is in the future (more than {int(MAX_CLOCK_SKEW.total_seconds() // 60)} minutes ahead)"
    return None


def _scalar_error(column: Field, value: Any, now: datetime) -> str | None:
    kind = column.kind
    if kind in ("string", "timestamp") and not isinstance(value, str):
        return "is not a string"
    if kind == "int" and not (_is_int(value) and INT64_MIN <= value <= INT64_MAX):
        return "is not a whole number"
    if kind == "bool" and not isinstance(value, bool):
        return "is not true or false"
    if kind == "float" and not (isinstance(value, int | float) and not isinstance(value, bool)):
        return "is not a number"
    if kind == "timestamp":
        return _timestamp_error(value, now, scheduled=column.scheduled)
    return None


def _rule_error(column: Field, value: Any) -> str | None:
    if column.choices and value not in column.choices:
        return f"is not one of {', '.join(column.choices)}"
    if column.pattern and not re.fullmatch(column.pattern.regex, value):
        return f"is not {column.pattern.description}"
    if column.range:
        low, high = column.range.minimum, column.range.maximum
        if low is not None and value < low:
            return f"is below {low}"
        if high is not None and value > high:
            return f"is above {high}"
    return None


def _array_error(column: Field, value: Any, path: str, now: datetime) -> str | None:
    if not isinstance(value, list):
        return f"{path} is not a list"
    assert column.item is not None
    for position, item in enumerate(value):
        problem = _value_error(column.item, item, f"{path}[{position}]", now)
        if problem:
            return problem
    return None


def _value_error(column: Field, value: Any, path: str, now: datetime) -> str | None:
    if value is None:
        return None if column.nullable else f"{path} is missing"
    if column.kind == "array":
        return _array_error(column, value, path, now)
    if column.kind == "struct":
        if not isinstance(value, dict):
            return f"{path} is not an object"
        return _object_error(column.fields, value, path, now)
    problem = _scalar_error(column, value, now) or _rule_error(column, value)
    return f"{path} {value!r:.60} {problem}" if problem else None


def _object_error(
    fields: tuple[Field, ...], value: Mapping[str, Any], path: str, now: datetime
) -> str | None:
    known = {column.name for column in fields}
    unknown = [key for key in value if key not in known]
    if unknown:
        return f"{path + '.' if path else ''}{unknown[0]} is not a column of the landing contract"
    for column in fields:
        problem = _value_error(
            column, value.get(column.name), f"{path}.{column.name}" if path else column.name, now
        )
        if problem:
            return problem
    return None


def line_error(record_type: RecordType, value: Any, now: datetime | None = None) -> str | None:
    """Why a parsed JSON value is not a record of this type, or None when it is one."""
    if not isinstance(value, dict):
        return f"not a JSON object but {type(value).__name__}"
    return _object_error(record_type.fields, value, "", now or datetime.now(UTC))


# --- BigQuery's JSON export encoding -----------------------------------------------------------------

# BigQuery's EXPORT DATA (and extract jobs) in JSON format write every INT64 as a JSON string ("640"), to
# keep 64-bit precision for readers whose numbers are doubles ("Export table data to Cloud Storage",
# export limitations). Only files BigQuery exported carry them (`landing.is_bigquery_export`); a string
# in a whole-number column of any other file stays an error. Only the text BigQuery writes: decimal
# digits, at most 19 (INT64 has 19), a `-` for negatives, no `+`, `-0`, leading zeros, spaces, fractions
# or exponents.
_BIGQUERY_INT64_TEXT = re.compile(r"0|-?[1-9][0-9]{0,18}")


def _bigquery_export_value(column: Field, value: Any) -> Any:
    if column.kind == "int" and isinstance(value, str) and _BIGQUERY_INT64_TEXT.fullmatch(value):
        number = int(value)
        return number if INT64_MIN <= number <= INT64_MAX else value
    if column.kind == "array" and isinstance(value, list):
        assert column.item is not None
        return [_bigquery_export_value(column.item, item) for item in value]
    if column.kind == "struct" and isinstance(value, dict):
        return _bigquery_export_object(column.fields, value)
    return value


def _bigquery_export_object(fields: tuple[Field, ...], value: Mapping[str, Any]) -> dict[str, Any]:
    columns = {column.name: column for column in fields}
    return {
        key: _bigquery_export_value(columns[key], item) if key in columns else item
        for key, item in value.items()
    }


def from_bigquery_export(record_type: RecordType, value: Any) -> Any:
    """A parsed line of a BigQuery JSON export with its INT64 strings, in whole-number columns (nested
    too), as the numbers they encode; everything else as it was, for `line_error` to judge."""
    return _bigquery_export_object(record_type.fields, value) if isinstance(value, dict) else value


def json_line(record_type: RecordType, record: Mapping[str, Any]) -> str:
    """One JSONL line (with its newline), keys in contract order, UTF-8 kept readable."""
    ordered = {key: record[key] for key in record_type.keys}
    return json.dumps(ordered, ensure_ascii=False, separators=(",", ":")) + "\n"


# --- DuckDB SQL from the same rules -----------------------------------------------------------------


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _json_name(name: str) -> str:
    """A column name as it goes into SQL and JSON paths, which only a plain identifier may."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise TypeError(f"column name {name!r} is not a plain identifier")
    return name


def _is_json_null(value_sql: str) -> str:
    return f"coalesce(json_type({value_sql}), 'NULL') = 'NULL'"


def _scalar_check(column: Field, value_sql: str) -> str:
    text = f"json_extract_string({value_sql}, '$')"
    skew = int(MAX_CLOCK_SKEW.total_seconds())
    checks = {
        "string": [f"json_type({value_sql}) = 'VARCHAR'"],
        "timestamp": [
            f"json_type({value_sql}) = 'VARCHAR'",
            f"regexp_full_match({text}, {_sql_string(TIMESTAMP_TEXT)})",
            f"try_cast({text} as timestamptz) is not null",
        ]
        + ([] if column.scheduled else [f"try_cast({text} as timestamptz) <= now() + to_seconds({skew})"]),
        "int": [
            f"json_type({value_sql}) in ('BIGINT', 'UBIGINT')",
            f"try_cast({value_sql} as bigint) is not null",
        ],
        "bool": [f"json_type({value_sql}) = 'BOOLEAN'"],
        "float": [f"json_type({value_sql}) in ('BIGINT', 'UBIGINT', 'DOUBLE')"],
    }[column.kind]
    if column.choices:
        checks.append(f"{text} in ({', '.join(_sql_string(choice) for choice in column.choices)})")
    if column.pattern:
        checks.append(f"regexp_full_match({text}, {_sql_string(column.pattern.regex)})")
    if column.range and column.range.minimum is not None:
        checks.append(f"try_cast({value_sql} as bigint) >= {column.range.minimum}")
    if column.range and column.range.maximum is not None:
        checks.append(f"try_cast({value_sql} as bigint) <= {column.range.maximum}")
    return " and ".join(checks)


def _value_check(column: Field, value_sql: str, depth: int) -> str:
    if column.kind == "array":
        assert column.item is not None
        present = f"json_type({value_sql}) = 'ARRAY' and " + _elements_check(column.item, value_sql, depth)
    elif column.kind == "struct":
        present = _object_check(column.fields, value_sql, depth)
    else:
        present = _scalar_check(column, value_sql)
    if column.nullable:
        return f"({_is_json_null(value_sql)} or ({present}))"
    return f"(not {_is_json_null(value_sql)} and {present})"


def _keys_check(fields: tuple[Field, ...], keys_sql: str) -> str:
    """The keys of an object are columns of `fields`, none repeated: a repeated key means different
    things to different readers (first or last wins)."""
    names = ", ".join(_sql_string(_json_name(column.name)) for column in fields)
    return f"list_has_all([{names}], {keys_sql}) and len({keys_sql}) = len(list_distinct({keys_sql}))"


def _all(list_sql: str, variable: str, predicate: str) -> str:
    return f"coalesce(list_bool_and(list_transform({list_sql}, {variable} -> {predicate})), true)"


def _elements_check(item: Field, array_sql: str, depth: int) -> str:
    """Every element of a JSON array. An array of flat structs (images) is checked column by column
    with wildcard paths, which parse the array once per column instead of once per element."""
    element = f"item{depth}"
    if item.kind != "struct" or item.nullable or any(sub.kind in ("array", "struct") for sub in item.fields):
        return _all(f"json_extract({array_sql}, '$[*]')", element, _value_check(item, element, depth + 1))
    checks = [
        _all(f"json_type({array_sql}, '$[*]')", element, f"{element} = 'OBJECT'"),
        _all(f"json_keys({array_sql}, '$[*]')", element, _keys_check(item.fields, element)),
    ]
    for sub in item.fields:
        values = f"json_extract({array_sql}, {_sql_string(f'$[*].{_json_name(sub.name)}')})"
        if not sub.nullable:
            # A wildcard path skips elements without the key: every element must have it.
            checks.append(f"len({values}) = json_array_length({array_sql})")
        checks.append(_all(values, element, _value_check(sub, element, depth + 1)))
    return " and ".join(checks)


def _object_check(fields: tuple[Field, ...], object_sql: str, depth: int) -> str:
    """Each `->` would parse the whole document again, so the object is parsed once into its keys and
    the values of its columns (a one-element list_transform binds them, as SQL has no `let`)."""
    paths = ", ".join(_sql_string(f"$.{_json_name(column.name)}") for column in fields)
    bound = f"bound{depth}"
    checks = [_keys_check(fields, f"{bound}.keys")]
    for position, column in enumerate(fields, start=1):
        checks.append(_value_check(column, f"{bound}.vals[{position}]", depth + 1))
    binding = f"[struct_pack(keys := json_keys({object_sql}), vals := json_extract({object_sql}, [{paths}]))]"
    return (
        f"json_type({object_sql}) = 'OBJECT' and list_bool_and(list_transform({binding}, {bound} -> "
        + " and ".join(checks)
        + "))"
    )


# The DuckDB load reads a file in two passes, each parsing every line once (`->` on a whole line would
# parse it again per column): the keys of each line as an object (`read_ndjson_objects`, `json_keys`),
# then its columns as JSON values (`read_json` with every column typed JSON, so nothing is coerced).


def duckdb_keys_check_sql(record_type: RecordType, line_sql: str = "line") -> str:
    """True when one line (a JSON value) is an object whose keys are contract columns, none repeated."""
    keys = _keys_check(record_type.fields, f"json_keys({line_sql})")
    return f"coalesce(json_type({line_sql}) = 'OBJECT' and {keys}, false)"


def duckdb_values_check_sql(record_type: RecordType) -> str:
    """True when every column value of one line (read as JSON by `duckdb_read_columns(json=True)`)
    keeps the contract's rules; with the keys check, exactly when `line_error` is None (up to the
    clock, which each side reads for itself)."""
    checks = [_value_check(column, f'"{_json_name(column.name)}"', 1) for column in record_type.fields]
    return f"coalesce({' and '.join(checks)}, false)"


def duckdb_read_columns(record_type: RecordType, *, json: bool) -> str:
    """The `columns` argument of read_json: every column as JSON (for the check) or typed (for the
    insert, once the check passed: then no value can be coerced)."""

    def column_type(column: Field) -> str:
        if json:
            return "JSON"
        return "timestamptz" if column.kind == "timestamp" else duckdb_type(column)

    return "{" + ", ".join(f"{_json_name(c.name)}: '{column_type(c)}'" for c in record_type.fields) + "}"


def duckdb_select_sql(record_type: RecordType) -> str:
    """The lake columns of one checked line read with `duckdb_read_columns(json=False)`, in contract
    order, for `insert ... select` (timestamps to UTC)."""
    columns = []
    for column in record_type.fields:
        name = f'"{_json_name(column.name)}"'
        if column.kind == "timestamp":
            columns.append(f"cast(timezone('UTC', {name}) as timestamp) as {name}")
        else:
            columns.append(name)
    return ",\n".join(columns)
