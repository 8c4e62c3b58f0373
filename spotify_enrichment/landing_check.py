"""Check a landing JSONL file before it is loaded: every line must be a landing record (DESIGN.md keys
and types). A fast path reads the whole file with DuckDB's JSON reader; only when that finds a problem
does the slow path parse line by line in Python to name every bad line by number."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from spotify_enrichment.artist_ids import is_valid_artist_id

# The landing record as DuckDB reads it; the load macro reads files with the same columns.
LANDING_COLUMNS_SQL = (
    "{artistId: 'varchar', artistName: 'varchar', genres: 'varchar[]', popularity: 'bigint', "
    "followerCount: 'bigint', images: 'struct(url varchar, height bigint, width bigint)[]', "
    "externalUrls: 'struct(spotify varchar)', enrichedAt: 'timestamptz', status: 'varchar', "
    "apiMode: 'varchar', runId: 'varchar'}"
)
STATUSES = ("ok", "not_found")
API_MODES = ("batch", "single")
MAX_REPORTED_LINES = 20


@dataclass(frozen=True)
class LineError:
    line: int
    error: str


@dataclass(frozen=True)
class FileCheck:
    """`records`: lines that hold a record; `errors`: bad lines by number (1-based), at most
    MAX_REPORTED_LINES of them, `error_count` counts them all; `file_error` when the file as a whole
    could not be read as JSONL but no single line could be blamed."""

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


def _fast_check(path: Path) -> tuple[int, int] | str:
    """(lines with a record, lines failing a rule) read by DuckDB, or DuckDB's error message."""
    # Only this module's constants are formatted in; the path is a bound parameter.
    query = f"""
        select
            count(*) as records,
            count(*) filter (
                where not coalesce(
                    regexp_full_match(artistId, '[0-9A-Za-z]{{22}}')
                    and status in {STATUSES}
                    and apiMode in {API_MODES}
                    and enrichedAt is not null
                    and runId is not null
                    and coalesce(list_bool_and(list_transform(images, image -> image.url is not null)), true),
                    false
                )
            ) as bad,
            -- DuckDB only parses the columns a query uses: use each one so a wrong type is an error.
            count(artistName) + count(genres) + count(popularity) + count(followerCount) + count(externalUrls)
                as typed_values
        from read_json(
            $path,
            format = 'newline_delimited',
            columns = {LANDING_COLUMNS_SQL},
            maximum_object_size = 16777216
        )
    """  # noqa: S608
    connection = duckdb.connect(":memory:")
    try:
        records, bad, _ = connection.execute(query, {"path": str(path)}).fetchone() or (0, 0, 0)
    except duckdb.Error as error:
        return str(error).splitlines()[0]
    finally:
        connection.close()
    return int(records), int(bad)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _optional(value: Any, check: type | tuple[type, ...]) -> bool:
    return value is None or isinstance(value, check)


def _image_error(images: Any) -> str | None:
    if images is None:
        return None
    if not isinstance(images, list):
        return "images is not a list"
    for image in images:
        if not isinstance(image, dict) or not isinstance(image.get("url"), str):
            return "an image has no url"
        for size in ("height", "width"):
            if image.get(size) is not None and not _is_int(image.get(size)):
                return f"image {size} is not an integer"
    return None


def _identity_error(record: dict[str, Any]) -> str | None:
    artist_id = record.get("artistId")
    if not isinstance(artist_id, str) or not is_valid_artist_id(artist_id):
        return f"artistId {artist_id!r} is not a Spotify ID (22 base62 characters)"
    if record.get("status") not in STATUSES:
        return f"status {record.get('status')!r} is not one of {', '.join(STATUSES)}"
    if record.get("apiMode") not in API_MODES:
        return f"apiMode {record.get('apiMode')!r} is not one of {', '.join(API_MODES)}"
    if not isinstance(record.get("runId"), str):
        return "runId is missing"
    return None


def _enriched_at_error(record: dict[str, Any]) -> str | None:
    enriched_at = record.get("enrichedAt")
    try:
        if isinstance(enriched_at, str):
            datetime.fromisoformat(enriched_at)
            return None
    except ValueError:
        pass
    return f"enrichedAt {enriched_at!r} is not an ISO 8601 timestamp"


def _type_error(record: dict[str, Any]) -> str | None:
    genres = record.get("genres")
    external_urls = record.get("externalUrls")
    checks = {
        "artistName": _optional(record.get("artistName"), str),
        "popularity": record.get("popularity") is None or _is_int(record.get("popularity")),
        "followerCount": record.get("followerCount") is None or _is_int(record.get("followerCount")),
        "genres": genres is None or (isinstance(genres, list) and all(isinstance(g, str) for g in genres)),
        "externalUrls": external_urls is None
        or (isinstance(external_urls, dict) and _optional(external_urls.get("spotify"), str)),
    }
    for key, valid in checks.items():
        if not valid:
            return f"{key} has the wrong type ({record.get(key)!r})"
    return None


def record_error(record: Any) -> str | None:
    """Why a parsed JSON value is not a landing record, or None when it is one."""
    if not isinstance(record, dict):
        return f"not a JSON object but {type(record).__name__}"
    for check in (_identity_error, _enriched_at_error, _type_error):
        problem = check(record)
        if problem is not None:
            return problem
    return _image_error(record.get("images"))


def _slow_check(path: Path) -> FileCheck:
    records = 0
    errors: list[LineError] = []
    error_count = 0
    with path.open("rb") as lines:
        for number, raw_line in enumerate(lines, start=1):
            if not raw_line.strip():
                continue
            records += 1
            try:
                problem = record_error(json.loads(raw_line))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                problem = f"not valid JSON ({error})"
            if problem is None:
                continue
            error_count += 1
            if len(errors) < MAX_REPORTED_LINES:
                errors.append(LineError(line=number, error=problem))
    return FileCheck(records=records, errors=errors, error_count=error_count)


def check_landing_file(path: Path) -> FileCheck:
    """Check every line of a local landing file; cheap when the file is good."""
    fast = _fast_check(path)
    if isinstance(fast, tuple) and fast[1] == 0:
        return FileCheck(records=fast[0])
    slow = _slow_check(path)
    if slow.error_count:
        return slow
    # DuckDB refused the file but every line parses in Python: report DuckDB's own words.
    reason = fast if isinstance(fast, str) else f"{fast[1]} records failed DuckDB's checks"
    return FileCheck(records=slow.records, file_error=f"the file cannot be read as landing JSONL: {reason}")
