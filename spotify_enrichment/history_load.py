"""`load_listening_history` on DuckDB: the plays of a history file, folder or export zip
(`history_export`) into the listening-history table, with a ledger of the files loaded.

All or nothing per call: every file is parsed before anything is written, then one transaction
inserts the plays whose key (`history_export.play_key`) is not in the table yet and one ledger row per
file. A file whose checksum is in the ledger is reported as loaded before and not read again;
`replace` first removes the plays an earlier load took from a file of the same name. `unload` removes
one file's plays and its ledger row."""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from spotify_enrichment.contract import duckdb_type, fields_of
from spotify_enrichment.errors import BadInputError
from spotify_enrichment.history_export import (
    KIND_NAMES,
    MAX_EXAMPLES,
    HistoryFormatError,
    HistoryInput,
    find_inputs,
    kind_of,
    parse,
)
from spotify_enrichment.records import LISTENING_HISTORY, LISTENING_HISTORY_LEDGER, HistoryLoadColumns
from spotify_enrichment.warehouse_duckdb import checked_relation

logger = logging.getLogger(__name__)

_ROW_COLUMNS = (
    "playedAt",
    "trackId",
    "trackName",
    "msPlayed",
    "artistId",
    "artistName",
    "playKey",
    "sourceFile",
)


@dataclass
class FileSummary:
    file: str
    kind: str
    entries: int = 0
    loaded: int = 0
    already_present: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    loaded_before: bool = False

    def line(self) -> str:
        skipped = sum(self.skipped.values())
        reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(self.skipped.items()))
        text = (
            f"load_listening_history: {self.file} ({KIND_NAMES.get(self.kind, self.kind)}): "
            f"{self.entries} entries, "
            f"{self.loaded} new plays loaded, {self.already_present} already present, {skipped} skipped"
            + (f" ({reasons})" if reasons else "")
        )
        if self.loaded_before:
            text += "; the same file (checksum) was loaded before"
        return text


@dataclass
class HistoryLoadSummary:
    files: list[FileSummary] = field(default_factory=list)
    skipped_files: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    replaced: int = 0
    seconds: float = 0.0

    @property
    def loaded(self) -> int:
        return sum(item.loaded for item in self.files)

    def lines(self) -> list[str]:
        lines = [item.line() for item in self.files]
        lines += [
            f"load_listening_history: {name}: skipped, {reason}"
            for name, reason in self.skipped_files.items()
        ]
        if self.ignored:
            shown = ", ".join(self.ignored[:5]) + (" ..." if len(self.ignored) > 5 else "")
            lines.append(
                f"load_listening_history: {len(self.ignored)} files ignored (no listening history): {shown}"
            )
        skipped: Counter[str] = Counter()
        for item in self.files:
            skipped.update(item.skipped)
        lines.append(
            f"load_listening_history summary: {len(self.files)} files, "
            f"{sum(i.entries for i in self.files)} entries, {self.loaded} new plays loaded, "
            f"{sum(i.already_present for i in self.files)} already present, {sum(skipped.values())} skipped"
            + (f" ({', '.join(f'{n} {r}' for r, n in sorted(skipped.items()))})" if skipped else "")
            + (f", {self.replaced} plays of earlier loads replaced" if self.replaced else "")
            + f", {self.seconds:.1f} s"
        )
        return lines

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "loaded": self.loaded, "lines": self.lines()}, ensure_ascii=False)


def _ensure_columns(cursor: duckdb.DuckDBPyConnection, history: str) -> None:
    """A history table made before the dedupe key and the ledger existed gets their columns."""
    for column in fields_of(HistoryLoadColumns):
        cursor.execute(
            f'alter table {history} add column if not exists "{column.name}" {duckdb_type(column)}'
        )


def _write_rows(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")


@dataclass
class _Batch:
    """The plays to insert (with their file and its order in this load), the JSONL files DuckDB reads
    itself (source, path) and the files to ledger."""

    history: str
    ledger: str
    rows: list[dict[str, object]] = field(default_factory=list)
    jsonl: list[tuple[str, Path]] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="listening-history-")))


def load_history(
    connection: duckdb.DuckDBPyConnection,
    path: str,
    relations: dict[str, str],
    *,
    replace: bool = False,
) -> HistoryLoadSummary:
    """Load `path` (see the module docstring); raises `BadInputError` naming the file on bad input."""
    started = time.monotonic()
    batch = _Batch(
        history=checked_relation(relations[LISTENING_HISTORY.name]),
        ledger=checked_relation(relations[LISTENING_HISTORY_LEDGER.name]),
    )
    inputs = find_inputs(path)
    summary = HistoryLoadSummary(skipped_files=dict(inputs.skipped_files), ignored=list(inputs.ignored))
    cursor = connection.cursor()
    try:
        # The ledger is one row per file, and a list parameter would make DuckDB import pandas (seconds).
        ledger_sql = f"select checksum from {batch.ledger}"  # noqa: S608
        loaded_checksums = {row[0] for row in cursor.execute(ledger_sql).fetchall()}
        for order, item in enumerate(inputs.files):
            if kind_of(item) == "jsonl":
                file_summary, plays = _check_jsonl(cursor, item, batch), None
            else:
                parsed = parse(item)
                plays = parsed.plays
                file_summary = FileSummary(
                    file=item.source, kind=parsed.kind, entries=parsed.entries, skipped=dict(parsed.skipped)
                )
            summary.files.append(file_summary)
            if item.checksum in loaded_checksums and not replace:
                file_summary.loaded_before = True
                file_summary.already_present = file_summary.entries - sum(file_summary.skipped.values())
                continue
            batch.files.append((item.source, item.checksum))
            if plays is None:
                batch.jsonl.append((item.source, _local_path(item, batch)))
            else:
                batch.rows.extend({**play, "sourceFile": item.source, "fileOrder": order} for play in plays)
        if batch.files:
            _insert(cursor, batch, summary, replace=replace)
    finally:
        cursor.close()
        shutil.rmtree(batch.folder, ignore_errors=True)
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


_INSERT_SQL = """
    insert into {history} ({columns})
    select
        cast(timezone('UTC', playedAt) as timestamp), trackId, trackName, msPlayed, artistId,
        artistName, playKey, sourceFile, cast($loaded_at as timestamp)
    from read_json($path, format = 'newline_delimited', columns = {{
        playedAt: 'timestamptz', trackId: 'varchar', trackName: 'varchar', msPlayed: 'bigint',
        artistId: 'varchar', artistName: 'varchar', playKey: 'varchar', sourceFile: 'varchar',
        fileOrder: 'bigint'
    }}) as new_plays
    where not exists (
        select 1 from {history} as loaded where loaded."playKey" = new_plays.playKey
    )
    -- A play in two files of one load (overlapping exports) is taken from the first.
    qualify row_number() over (partition by playKey order by fileOrder) = 1
"""


_JSONL_READ = """read_json($path, format = 'newline_delimited', columns = {
        playedAt: 'timestamptz', trackId: 'varchar', trackName: 'varchar', msPlayed: 'bigint',
        artistId: 'varchar', artistName: 'varchar'
    })"""

# The play key of history_export for JSONL lines, computed by DuckDB: the same values, identical lines
# numbered (which identical line gets which number does not matter: they are the same).
_JSONL_INSERT_SQL = """
    insert into {history} ({columns})
    with

    plays as (
        select
            cast(timezone('UTC', playedAt) as timestamp) as playedAt, trackId, trackName, msPlayed,
            artistId, artistName
        from {read}
    ),

    keyed as (
        select
            *,
            md5(concat_ws('|', strftime(playedAt, '%Y-%m-%dT%H:%M:%S.%f'), coalesce(trackId, ''),
                coalesce(trackName, ''), coalesce(cast(msPlayed as varchar), ''), coalesce(artistId, ''),
                coalesce(artistName, ''), cast(row_number() over (
                    partition by playedAt, trackId, trackName, msPlayed, artistId, artistName
                ) as varchar))) as playKey
        from plays
    )

    select
        playedAt, trackId, trackName, msPlayed, artistId, artistName, playKey, $source,
        cast($loaded_at as timestamp)
    from keyed
    where not exists (select 1 from {history} as loaded where loaded."playKey" = keyed.playKey)
"""

_JSONL_CHECK_SQL = """
    select
        count(*),
        count(*) filter (where playedAt is null),
        count(*) filter (where playedAt > now() + interval 1 hour),
        cast(max(playedAt) as varchar),
        list('trackId ' || coalesce(trackId, 'null') || ', artistId ' || coalesce(artistId, 'null'))
            filter (where playedAt is null),
        -- Every column is read, so a value of the wrong type fails here, before anything is written.
        count(trackName) + count(msPlayed) + count(artistName)
    from {read}
"""


def _local_path(item: HistoryInput, batch: _Batch) -> Path:
    """A path DuckDB can read: the file itself, or a copy of a zip member."""
    if item.path is not None:
        return item.path
    copy = batch.folder / f"member-{abs(hash(item.source))}.jsonl"
    if not copy.exists():
        copy.write_bytes(item.data)
    return copy


def _check_jsonl(cursor: duckdb.DuckDBPyConnection, item: HistoryInput, batch: _Batch) -> FileSummary:
    """Every line typed and dated (not in the future) before anything is written."""
    path = _local_path(item, batch)
    try:
        row = cursor.execute(_JSONL_CHECK_SQL.format(read=_JSONL_READ), {"path": str(path)}).fetchone()
    except duckdb.Error as error:
        reason = str(error).splitlines()[0]
        raise HistoryFormatError(
            f"load_listening_history: {item.source}: cannot be read as JSONL plays ({reason}); "
            "nothing was loaded"
        ) from None
    entries, undated, future, latest, examples, _ = row or (0, 0, 0, None, [], 0)
    problems = []
    if undated:
        shown = "; ".join(examples[:MAX_EXAMPLES]) + (" ..." if undated > MAX_EXAMPLES else "")
        problems.append(f"{undated} plays without playedAt ({shown})")
    if future:
        problems.append(
            f"{future} plays dated in the future (latest playedAt {latest}, more than an hour after now)"
        )
    if problems:
        raise HistoryFormatError(
            f"load_listening_history: {item.source}: {' and '.join(problems)}; nothing was loaded. Every "
            "play needs the UTC time it was played, not in the future: fix or remove those lines and load "
            "the file again"
        )
    return FileSummary(file=item.source, kind="jsonl", entries=int(entries))


def _insert(
    cursor: duckdb.DuckDBPyConnection, batch: _Batch, summary: HistoryLoadSummary, *, replace: bool
) -> None:
    """One transaction: (replace) the earlier plays of the same files out, the new plays and the ledger in."""
    history, ledger = batch.history, batch.ledger
    by_file = {item.file: item for item in summary.files}
    planned = Counter(str(row["sourceFile"]) for row in batch.rows)
    loaded_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    rows_path = batch.folder / "plays.jsonl"
    _write_rows(rows_path, batch.rows)
    columns = ", ".join(f'"{name}"' for name in (*_ROW_COLUMNS, "loadedAt"))
    cursor.execute("begin transaction")
    try:
        _ensure_columns(cursor, history)
        if replace:
            for source, _ in batch.files:
                count_sql = f'select count(*) from {history} where "sourceFile" = $source'  # noqa: S608
                (replaced,) = cursor.execute(count_sql, {"source": source}).fetchone() or (0,)
                summary.replaced += int(replaced)
                cursor.execute(f'delete from {history} where "sourceFile" = $source', {"source": source})  # noqa: S608
                cursor.execute(f'delete from {ledger} where "sourceFile" = $source', {"source": source})  # noqa: S608
        if batch.rows:
            cursor.execute(
                _INSERT_SQL.format(history=history, columns=columns),
                {"path": str(rows_path), "loaded_at": loaded_at},
            )
        for source, path in batch.jsonl:
            cursor.execute(
                _JSONL_INSERT_SQL.format(history=history, columns=columns, read=_JSONL_READ),
                {"path": str(path), "loaded_at": loaded_at, "source": source},
            )
        inserted_sql = (
            f'select "sourceFile", count(*) from {history} '  # noqa: S608
            'where "loadedAt" = cast($loaded_at as timestamp) group by "sourceFile"'
        )
        inserted = dict(cursor.execute(inserted_sql, {"loaded_at": loaded_at}).fetchall())
        for source, checksum in batch.files:
            cursor.execute(
                f'insert into {ledger} ("sourceFile", "checksum", "rowCount", "loadedAt") '  # noqa: S608
                "values ($source, $checksum, $rows, cast($loaded_at as timestamp))",
                {
                    "source": source,
                    "checksum": checksum,
                    "rows": inserted.get(source, 0),
                    "loaded_at": loaded_at,
                },
            )
            item = by_file[source]
            item.loaded = int(inserted.get(source, 0))
            item.already_present = (planned[source] if item.kind != "jsonl" else item.entries) - item.loaded
        cursor.execute("commit")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            cursor.execute("rollback")
        raise


@dataclass
class UnloadSummary:
    files: list[str]
    plays: int

    def to_json(self) -> str:
        files = ", ".join(self.files)
        line = f"unload_listening_history: removed {self.plays} plays of {len(self.files)} files: {files}"
        return json.dumps({**asdict(self), "line": line}, ensure_ascii=False)


def unload_history(
    connection: duckdb.DuckDBPyConnection, source_file: str, relations: dict[str, str]
) -> UnloadSummary:
    """Remove the plays and the ledger row of one loaded file: its `sourceFile` as loaded, or its name
    (the part after the last `/` or `!`) when that names exactly one loaded file."""
    history = checked_relation(relations[LISTENING_HISTORY.name])
    ledger = checked_relation(relations[LISTENING_HISTORY_LEDGER.name])
    if not source_file or not source_file.strip():
        raise BadInputError("unload_listening_history needs source_file: a file as listed in the ledger")
    cursor = connection.cursor()
    try:
        loaded = [
            row[0]
            for row in cursor.execute(f'select distinct "sourceFile" from {ledger} order by 1').fetchall()  # noqa: S608
        ]
        matches = [name for name in loaded if name == source_file]
        if not matches:
            matches = [name for name in loaded if name.replace("!", "/").rsplit("/", 1)[-1] == source_file]
        if len(matches) != 1:
            what = "no loaded history file" if not matches else f"{len(matches)} loaded history files"
            raise BadInputError(
                f"unload_listening_history: {what} match {source_file!r}; the files loaded are: "
                + (", ".join(loaded) if loaded else "none")
            )
        cursor.execute("begin transaction")
        try:
            (plays,) = cursor.execute(
                f'select count(*) from {history} where "sourceFile" = $source',  # noqa: S608
                {"source": matches[0]},
            ).fetchone() or (0,)
            cursor.execute(f'delete from {history} where "sourceFile" = $source', {"source": matches[0]})  # noqa: S608
            cursor.execute(f'delete from {ledger} where "sourceFile" = $source', {"source": matches[0]})  # noqa: S608
            cursor.execute("commit")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                cursor.execute("rollback")
            raise
    finally:
        cursor.close()
    return UnloadSummary(files=matches, plays=int(plays))
