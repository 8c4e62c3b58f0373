"""The load step, the same contract on every engine: list the landing files -> skip those whose
file-bytes checksum is in the ledger -> check every line -> insert the rows with `sourceFile` and
`loadedAt` and the ledger row in one transaction -> move the file to `archive/` (or `quarantine/`
with its bad lines named in `NAME.errors.txt`). One call loads a whole landing location and returns
one `LoadSummary`; the engine-specific part is a `Warehouse` (`warehouse_duckdb`, `warehouse_bigquery`).

A crash between the insert and the move is safe: the next load finds the checksum in the ledger and
only archives the file."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from spotify_enrichment.contract import RecordType
from spotify_enrichment.errors import BadInputError, LandingError
from spotify_enrichment.landing import (
    ARCHIVE_PREFIX,
    ERROR_REPORT_SUFFIX,
    LANDING_PREFIX,
    QUARANTINE_PREFIX,
    LandingStore,
    LocalStore,
    belongs_to,
    free_target_key,
    is_bigquery_export,
    open_store,
)
from spotify_enrichment.landing_check import FileCheck, bigquery_export_lines
from spotify_enrichment.records import RECORD_TYPES

logger = logging.getLogger(__name__)

DESTINATIONS = {"archive": ARCHIVE_PREFIX, "quarantine": QUARANTINE_PREFIX}
_CHUNK_BYTES = 8 << 20


@dataclass(frozen=True)
class StagedFile:
    """A landing file as the warehouse reads it: `local_path` is the file itself in a local landing
    folder, or a private copy of a gs:// object; `checksum` is the SHA-256 of the landing file's bytes
    (those of `local_path`, but for a BigQuery export: see `staged_file`)."""

    name: str
    uri: str
    local_path: Path
    checksum: str
    record_type: RecordType

    def lines(self) -> Iterator[bytes]:
        with self.local_path.open("rb") as handle:
            yield from handle


class Warehouse(Protocol):
    """What the load step needs from an engine."""

    def loaded_checksums(self, record_type: RecordType, checksums: list[str]) -> set[str]:
        """The subset of `checksums` already in the record type's ledger."""
        ...

    def check(self, staged: StagedFile) -> FileCheck:
        """Every line against the contract (`landing_check.check_lines` or the same rules in SQL)."""
        ...

    def insert(self, staged: StagedFile, loaded_at: str) -> int:
        """The file's rows and its ledger row, in one transaction; returns the rows inserted."""
        ...


@dataclass
class LoadSummary:
    """What one load did. `quarantined` holds one message per bad file; `ignored`, files in the
    landing folder that are no landing file of any record type (left in place)."""

    landing_uri: str
    dry_run: bool
    files: int = 0
    loaded_files: int = 0
    rows: int = 0
    already_loaded: int = 0
    quarantined: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    other_warehouse: int = 0
    rows_by_record_type: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "line": self.line()}, ensure_ascii=False)

    def line(self) -> str:
        """The one log line of a load."""
        verb = "with malformed lines" if self.dry_run else "quarantined"
        return (
            f"load_artist_enrichment: {'dry run: ' if self.dry_run else ''}{self.files} landing files in "
            f"{self.landing_uri}: {self.loaded_files} loaded ({self.rows} rows), {self.already_loaded} "
            f"already loaded before, {len(self.quarantined)} {verb}, {len(self.ignored)} ignored"
            + (
                f", {self.other_warehouse} left for the other warehouse that landed them"
                if self.other_warehouse
                else ""
            )
        )


def resolve_landing_uri(landing_uri: str, project_dir: str) -> str:
    """gs:// URIs as they are; a relative folder against the dbt project folder, not the cwd."""
    if not landing_uri or not landing_uri.strip():
        raise BadInputError("landing_uri is empty; set the dbt var landing_uri to a folder or gs://bucket")
    uri = landing_uri.strip()
    if uri.startswith("gs://"):
        return uri.rstrip("/")
    if "://" in uri:
        raise BadInputError(f"landing_uri {uri!r}: only a local folder or gs://bucket is supported")
    path = Path(uri).expanduser()
    if not path.is_absolute():
        path = Path(project_dir or ".") / path
    return str(path.resolve())


def record_type_of(name: str) -> RecordType | None:
    """The record type a landing file name says (by its suffix), or None."""
    matches = [rt for rt in RECORD_TYPES.values() if name.endswith(rt.landing_suffix)]
    return max(matches, key=lambda rt: len(rt.landing_suffix)) if matches else None


def _landing_files(
    store: LandingStore, summary: LoadSummary, owner: str | None
) -> list[tuple[str, RecordType]]:
    files = []
    for key in store.list(LANDING_PREFIX, include_hidden=True):
        name = key.removeprefix(LANDING_PREFIX)
        record_type = record_type_of(name)
        if "/" in name or name.startswith(".") or record_type is None:
            suffixes = ", ".join(rt.landing_suffix for rt in RECORD_TYPES.values())
            reason = (
                "in a subfolder"
                if "/" in name
                else "a hidden file"
                if name.startswith(".")
                else f"its name does not end with a landing suffix ({suffixes})"
            )
            logger.warning(
                "load_artist_enrichment: ignoring %s: %s; it is left in place", store.uri(key), reason
            )
            summary.ignored.append(f"{store.uri(key)} ({reason})")
            continue
        if not belongs_to(name, owner):
            summary.other_warehouse += 1
            continue
        files.append((name, record_type))
    return files


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def staged_file(store: LandingStore, name: str, record_type: RecordType) -> Iterator[StagedFile]:
    """A local path to one landing file (a private copy for gs://, deleted afterwards) and its checksum.
    A file BigQuery exported is staged with its INT64 strings as numbers (`bigquery_export_lines`), so
    the check and the insert of every engine read the same numbers; its checksum stays that of the
    landing file's bytes."""
    key = LANDING_PREFIX + name
    uri = store.uri(key)
    exported = is_bigquery_export(name)
    if isinstance(store, LocalStore) and not exported:
        local_path = Path(uri)
        if not local_path.is_file():
            raise LandingError(f"landing file {uri} disappeared before it was loaded")
        yield StagedFile(name, uri, local_path, _sha256_of_file(local_path), record_type)
        return
    folder = Path(tempfile.mkdtemp(prefix="spotify-landing-"))
    try:
        local_path = folder / name
        data = store.read_bytes(key)
        if exported:
            lines = bigquery_export_lines(record_type, io.BytesIO(data))
            local_path.write_bytes(b"".join(lines))
        else:
            local_path.write_bytes(data)
        yield StagedFile(name, uri, local_path, hashlib.sha256(data).hexdigest(), record_type)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def move_landing_file(
    store: LandingStore, name: str, destination: str, *, error_report: str | None = None
) -> str:
    """Move a landing file to `spotify/archive/` or `spotify/quarantine/` (never overwriting a file
    there); for quarantine, `error_report` is written beside it as `NAME.errors.txt`. Returns the new URI."""
    if destination not in DESTINATIONS:
        raise BadInputError(f"destination {destination!r} is not one of {', '.join(DESTINATIONS)}")
    source_key = LANDING_PREFIX + name
    prefix = DESTINATIONS[destination]
    target_key = free_target_key(set(store.list(prefix)), prefix, name)
    if error_report:
        store.write_bytes(
            target_key.removesuffix(".jsonl") + ERROR_REPORT_SUFFIX, (error_report + "\n").encode()
        )
    store.move(source_key, target_key)
    target_uri = store.uri(target_key)
    logger.info("load_artist_enrichment: moved %s to %s", store.uri(source_key), target_uri)
    return target_uri


def _load_one(
    store: LandingStore, staged: StagedFile, warehouse: Warehouse, summary: LoadSummary, loaded_at: str
) -> None:
    started = time.monotonic()
    if warehouse.loaded_checksums(staged.record_type, [staged.checksum]):
        summary.already_loaded += 1
        logger.info(
            "load_artist_enrichment: %s was loaded before (same checksum in the ledger): %s",
            staged.uri,
            "would be archived" if summary.dry_run else "not loaded again, archived",
        )
        if not summary.dry_run:
            summary.archived.append(move_landing_file(store, staged.name, "archive"))
        return
    check = warehouse.check(staged)
    if not check.ok:
        error = f"landing file {staged.uri} has malformed lines: {check.describe()}"
        if summary.dry_run:
            summary.quarantined.append(f"{error} (dry run: left in place)")
        else:
            moved = move_landing_file(store, staged.name, "quarantine", error_report=error)
            summary.quarantined.append(
                f"{error}; moved to {moved} (fix or remove those lines and move it back to "
                "spotify/landing/ to load it)"
            )
        logger.error("load_artist_enrichment: error: %s", summary.quarantined[-1])
        return
    if summary.dry_run:
        logger.info("load_artist_enrichment: dry run: %s would load %d rows", staged.uri, check.records)
        return
    rows = warehouse.insert(staged, loaded_at)
    moved = move_landing_file(store, staged.name, "archive")
    summary.archived.append(moved)
    summary.loaded_files += 1
    summary.rows += rows
    name = staged.record_type.name
    summary.rows_by_record_type[name] = summary.rows_by_record_type.get(name, 0) + rows
    seconds = time.monotonic() - started
    logger.info(
        "load_artist_enrichment: loaded %d rows from %s into %s in %.1f s (%.0f lines/s), archived as %s",
        rows,
        staged.uri,
        staged.record_type.lake_table,
        seconds,
        rows / max(seconds, 0.001),
        moved,
    )


def load_landing(
    landing_uri: str,
    warehouse: Warehouse,
    *,
    dry_run: bool = False,
    store: LandingStore | None = None,
    owner: str | None = None,
) -> LoadSummary:
    """Load every landing file waiting under `landing_uri` (oldest name first) that belongs to this
    warehouse (`owner`; files naming another warehouse are left for it). Every row of one load run
    shares one `loadedAt` (UTC)."""
    started = time.monotonic()
    loaded_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    store = store or open_store(landing_uri)
    summary = LoadSummary(landing_uri=store.root_uri, dry_run=dry_run)
    files = _landing_files(store, summary, owner)
    summary.files = len(files)
    for name, record_type in files:
        with staged_file(store, name, record_type) as staged:
            _load_one(store, staged, warehouse, summary, loaded_at)
    summary.seconds = round(time.monotonic() - started, 3)
    return summary
