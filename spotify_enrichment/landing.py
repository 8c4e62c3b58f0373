"""Landing storage: a local folder or a `gs://bucket[/prefix]`, and the crash-safe JSONL landing writer.

Layout under the landing URI (keys are `/`-separated and relative to it):
- `spotify/landing/{YYYYMMDDTHHMMSSZ}_{token}_artist_enrichment.jsonl`: finished files, for the loader.
  `token` is 8 random hex digits drawn per run, so two runs sharing one landing location (two
  warehouses, one bucket) never share a name, whatever their clocks say. Files named before tokens
  existed (`{YYYYMMDDTHHMMSSZ}_artist_enrichment.jsonl`) are still read;
- `spotify/archive/`, `spotify/quarantine/`: where the loader moves files it has read or rejected;
- `spotify/partial/{landing file name without .jsonl}/`: a run in progress. `run.json` (run ID, host,
  pid, start and heartbeat times) is written before the first request, which also proves the location
  writable; each flush writes one chunk object `part-NNNNNN.jsonl` atomically (GCS objects cannot be
  appended to, so local folders use the same scheme). When the run ends the chunks are concatenated
  into the landing file (written atomically) and the folder is deleted.

After a crash the next run calls `recover_partials`: each orphaned partial folder is finalized under its
own (deterministic) landing name, so its answers land once, even if the recovering run itself crashes
half-way (a partial whose landing, archive or quarantine file already exists is only deleted). A partial
whose run is still going is left alone: on this host its process is alive, on another host its heartbeat
(renewed every `HEARTBEAT_SECONDS` while the run lasts) is younger than `PARTIAL_STALE_AFTER_SECONDS`."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from requests import RequestException

from spotify_enrichment.contract import RecordType, json_line, line_error
from spotify_enrichment.errors import BadInputError, LandingError
from spotify_enrichment.landing_check import parse_line
from spotify_enrichment.records import ARTIST_ENRICHMENT, RECORD_TYPES, WAREHOUSE_ID_REGEX

logger = logging.getLogger(__name__)

LANDING_PREFIX = "spotify/landing/"
ARCHIVE_PREFIX = "spotify/archive/"
QUARANTINE_PREFIX = "spotify/quarantine/"
PARTIAL_PREFIX = "spotify/partial/"
# Beside a quarantined file: why it is there.
ERROR_REPORT_SUFFIX = ".errors.txt"
LANDING_SUFFIX = ARTIST_ENRICHMENT.landing_suffix
_RUN_TAG = "[0-9a-f]{8}"


def landing_name_pattern(record_type: RecordType) -> re.Pattern[str]:
    """The names a fetch of `record_type` gives its landing files (and the partial folders' names)."""
    suffix = re.escape(record_type.landing_suffix)
    return re.compile(rf"\d{{8}}T\d{{6}}Z(?:_{_RUN_TAG}(?:_{WAREHOUSE_ID_REGEX})?)?{suffix}")


LANDING_FILE_NAME = landing_name_pattern(ARTIST_ENRICHMENT)
LANDING_NAMES = {record_type.name: landing_name_pattern(record_type) for record_type in RECORD_TYPES.values()}


def bigquery_export_name_pattern(record_type: RecordType) -> re.Pattern[str]:
    """The names of the files BigQuery's EXPORT DATA writes for `record_type` to the macro's
    `{stamp}_{run}_{owner}_*{suffix}` (bigquery_enrichment_run): BigQuery numbers each file in place of
    the `*`. A fetcher's name never has a part after its owner, so no fetched file has this name."""
    suffix = re.escape(record_type.landing_suffix)
    return re.compile(rf"\d{{8}}T\d{{6}}Z_{_RUN_TAG}_{WAREHOUSE_ID_REGEX}_[0-9]+{suffix}")


BIGQUERY_EXPORT_NAMES = tuple(bigquery_export_name_pattern(rt) for rt in RECORD_TYPES.values())


def is_bigquery_export(name: str) -> bool:
    """True when a landing file name is one BigQuery's EXPORT DATA wrote (see `contract.from_bigquery_export`
    for what that changes)."""
    return any(pattern.fullmatch(name) for pattern in BIGQUERY_EXPORT_NAMES)


# `{stamp}_{token}_{owner}_...`: the owner is 8 hex digits naming the warehouse whose run landed the file
# (`landing_owner` in the dbt macros), so warehouses sharing one landing location each load their own.
OWNER = re.compile(WAREHOUSE_ID_REGEX)
_OWNED_NAME = re.compile(rf"\d{{8}}T\d{{6}}Z_{_RUN_TAG}_(?P<owner>{WAREHOUSE_ID_REGEX})_")
_CHUNK_NAME = re.compile(r"part-(\d{6})\.jsonl")
_RUN_FILE = "run.json"
# A run renews its marker this often; a marker from another host older than the stale limit belongs to
# a run that died (the margin absorbs clock differences between hosts and long waits of a live run).
HEARTBEAT_SECONDS = 30.0
PARTIAL_STALE_AFTER_SECONDS = 600.0


class LandingStore(Protocol):
    """What the fetcher and the loader need from a landing location. Keys are relative to the URI."""

    root_uri: str

    def uri(self, key: str) -> str:
        """The full location of `key` (local path or gs:// URI)."""
        ...

    def list(self, prefix: str, *, include_hidden: bool = False) -> list[str]:
        """Keys under `prefix` (recursively), sorted; hidden (temporary) files only with include_hidden."""
        ...

    def exists(self, key: str) -> bool: ...

    def read_bytes(self, key: str) -> bytes: ...

    def write_bytes(self, key: str, data: bytes) -> None:
        """Write atomically: a reader sees the old object or the whole new one, never a part."""
        ...

    def move(self, source_key: str, target_key: str) -> None:
        """Move an object; the target appears whole (atomic rename locally, copy+delete on GCS)."""
        ...

    def delete(self, key: str) -> None:
        """Delete an object; deleting a missing object is not an error."""
        ...


def _check_key(key: str) -> str:
    parts = key.split("/")
    if (
        not key
        or key.startswith("/")
        or any(part in ("", ".", "..") for part in parts[:-1])
        or parts[-1]
        in (
            ".",
            "..",
        )
    ):
        raise LandingError(f"invalid landing key {key!r}")
    return key


class LocalStore:
    """A landing folder on the local file system."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser().resolve()
        self.root_uri = str(self.root)

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def uri(self, key: str) -> str:
        return str(self._path(key))

    def list(self, prefix: str, *, include_hidden: bool = False) -> list[str]:
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return []
        keys = [
            path.relative_to(self.root).as_posix()
            for path in base.rglob("*")
            if path.is_file() and (include_hidden or not path.name.startswith("."))
        ]
        return sorted(keys)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def read_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except OSError as error:
            raise LandingError(f"cannot read {self.uri(key)}: {error.strerror}") from error

    def write_bytes(self, key: str, data: bytes) -> None:
        path = self._path(key)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with temporary.open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(path)
        except OSError as error:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise LandingError(f"cannot write {path}: {error.strerror}") from error

    def move(self, source_key: str, target_key: str) -> None:
        target = self._path(target_key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._path(source_key).replace(target)
        except OSError as error:
            raise LandingError(f"cannot move {self.uri(source_key)} to {target}: {error.strerror}") from error

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            raise LandingError(f"cannot delete {path}: {error.strerror}") from error
        # Leave no empty partial folders behind.
        with contextlib.suppress(OSError):
            if path.parent != self.root and not any(path.parent.iterdir()):
                path.parent.rmdir()


class GcsStore:
    """A `gs://bucket[/prefix]` landing location through google-cloud-storage (honours
    STORAGE_EMULATOR_HOST, so tests run it against gcp-storage-emulator)."""

    def __init__(self, uri: str, client: Any | None = None) -> None:
        match = re.fullmatch(r"gs://([a-z0-9][a-z0-9._-]{1,221}[a-z0-9])(/.*)?", uri.rstrip("/"))
        if not match:
            raise BadInputError(f"landing URI {uri!r} is not gs://BUCKET[/PREFIX] with a valid bucket name")
        from google.auth.exceptions import DefaultCredentialsError  # noqa: PLC0415 (only GCS users import it)
        from google.cloud import storage  # noqa: PLC0415

        self.bucket_name = match.group(1)
        self.prefix = (match.group(2) or "").strip("/")
        if self.prefix:
            _check_key(self.prefix)
        self.root_uri = f"gs://{self.bucket_name}" + (f"/{self.prefix}" if self.prefix else "")
        try:
            self._client = client or storage.Client()
        except DefaultCredentialsError as error:
            raise LandingError(
                f"no Google credentials for {self.root_uri}: run `gcloud auth application-default login` "
                "or set GOOGLE_APPLICATION_CREDENTIALS"
            ) from error
        self._bucket = self._client.bucket(self.bucket_name)

    def _name(self, key: str) -> str:
        _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str) -> str:
        return f"gs://{self.bucket_name}/{self._name(key)}"

    def _call(self, what: str, action: Any) -> Any:
        from google.api_core import exceptions  # noqa: PLC0415

        try:
            return action()
        except exceptions.NotFound as error:
            raise LandingError(f"{what}: not found ({error.message})") from error
        except (exceptions.GoogleAPIError, RequestException) as error:
            raise LandingError(f"{what}: {error}") from error

    def list(self, prefix: str, *, include_hidden: bool = False) -> list[str]:
        full = f"{self.prefix}/{prefix}" if self.prefix else prefix
        strip = len(self.prefix) + 1 if self.prefix else 0
        blobs = self._call(
            f"cannot list {self.root_uri}/{prefix}", lambda: list(self._bucket.list_blobs(prefix=full))
        )
        return sorted(blob.name[strip:] for blob in blobs if not blob.name.endswith("/"))

    def object_times(self, prefix: str) -> list[tuple[str, int, datetime]]:
        """(key, generation, updated) of the objects under `prefix`: the generation orders writes by the
        server's clock, the same for every host."""
        full = f"{self.prefix}/{prefix}" if self.prefix else prefix
        strip = len(self.prefix) + 1 if self.prefix else 0
        blobs = self._call(
            f"cannot list {self.root_uri}/{prefix}", lambda: list(self._bucket.list_blobs(prefix=full))
        )
        return sorted(
            (blob.name[strip:], int(blob.generation or 0), blob.updated or datetime.now(UTC))
            for blob in blobs
        )

    def exists(self, key: str) -> bool:
        return bool(self._call(f"cannot check {self.uri(key)}", self._bucket.blob(self._name(key)).exists))

    def read_bytes(self, key: str) -> bytes:
        blob = self._bucket.blob(self._name(key))
        return self._call(f"cannot read {self.uri(key)}", blob.download_as_bytes)

    def write_bytes(self, key: str, data: bytes) -> None:
        blob = self._bucket.blob(self._name(key))
        self._call(
            f"cannot write {self.uri(key)}",
            lambda: blob.upload_from_string(data, content_type="application/x-ndjson"),
        )

    def move(self, source_key: str, target_key: str) -> None:
        source = self._bucket.blob(self._name(source_key))
        what = f"cannot move {self.uri(source_key)} to {self.uri(target_key)}"
        self._call(what, lambda: self._bucket.copy_blob(source, self._bucket, self._name(target_key)))
        self.delete(source_key)

    def delete(self, key: str) -> None:
        from google.api_core import exceptions  # noqa: PLC0415

        blob = self._bucket.blob(self._name(key))
        try:
            blob.delete()
        except exceptions.NotFound:
            return
        except (exceptions.GoogleAPIError, RequestException) as error:
            raise LandingError(f"cannot delete {self.uri(key)}: {error}") from error


def open_store(landing_uri: str) -> LandingStore:
    """The store of a landing URI: `gs://bucket[/prefix]` or a local folder (created when missing)."""
    if not landing_uri or not landing_uri.strip():
        raise BadInputError("landing URI is empty; pass a folder or gs://bucket")
    if landing_uri.startswith("gs://"):
        return GcsStore(landing_uri)
    if "://" in landing_uri:
        raise BadInputError(f"landing URI {landing_uri!r}: only local folders and gs:// are supported")
    return LocalStore(landing_uri)


def landing_file_name(
    moment: datetime,
    token: str | None = None,
    owner: str | None = None,
    record_type: RecordType = ARTIST_ENRICHMENT,
) -> str:
    """`{YYYYMMDDTHHMMSSZ}_{token}[_{owner}]{suffix}` (without a token: the name of older files), the
    suffix being the record type's (`_artist_enrichment.jsonl`, `_musicbrainz_artist.jsonl`)."""
    stamp = f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    suffix = record_type.landing_suffix
    if not token:
        return f"{stamp}{suffix}"
    if owner is not None and not OWNER.fullmatch(owner):
        raise BadInputError(f"landing owner {owner!r} is not 8 hex digits")
    return f"{stamp}_{token}{'_' + owner if owner else ''}{suffix}"


def record_type_of_landing_name(name: str) -> RecordType | None:
    """The record type whose landing file (or partial folder + `.jsonl`) this name is, or None."""
    return next((RECORD_TYPES[n] for n, pattern in LANDING_NAMES.items() if pattern.fullmatch(name)), None)


def landing_file_owner(name: str) -> str | None:
    """The warehouse a landing file name says landed it, or None (older files, files copied by hand)."""
    match = _OWNED_NAME.match(name)
    return match.group("owner") if match else None


def belongs_to(name: str, owner: str | None) -> bool:
    """True when a warehouse (`owner`; None: any) should take this file: it names no owner or this one."""
    file_owner = landing_file_owner(name)
    return owner is None or file_owner is None or file_owner == owner


def _landed_somewhere(store: LandingStore, file_name: str) -> bool:
    return any(
        store.exists(prefix + file_name) for prefix in (LANDING_PREFIX, ARCHIVE_PREFIX, QUARANTINE_PREFIX)
    )


def free_landing_name(
    store: LandingStore,
    started: datetime,
    owner: str | None = None,
    record_type: RecordType = ARTIST_ENRICHMENT,
) -> str:
    """A landing name of its own for a run started at `started`: a fresh random token, drawn again in
    the unlikely case a landed, archived, quarantined or partial file already uses it."""
    while True:
        name = landing_file_name(started, secrets.token_hex(4), owner, record_type)
        stem = name.removesuffix(".jsonl")
        if not _landed_somewhere(store, name) and not store.list(f"{PARTIAL_PREFIX}{stem}/"):
            return name


def free_target_key(store_keys: set[str], prefix: str, name: str) -> str:
    """`prefix + name`, or `prefix + stem.N.jsonl` when that name is taken (nothing is overwritten)."""
    key = prefix + name
    stem = name.removesuffix(".jsonl")
    number = 1
    while key in store_keys:
        key = f"{prefix}{stem}.{number}.jsonl"
        number += 1
    return key


def parse_landing_lines(text: str, source: str, record_type: RecordType = ARTIST_ENRICHMENT) -> list[Any]:
    """Landing records of a JSONL text; an incomplete or broken line is logged and skipped (its artist is
    then simply asked again)."""
    records: list[Any] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = parse_line(line)
        except ValueError as error:
            logger.warning("skipping unreadable line %d of %s: %s", number, source, error)
            continue
        problem = line_error(record_type, value)
        if problem is not None:
            logger.warning("skipping line %d of %s: not a landing record (%s)", number, source, problem)
            continue
        records.append(value)
    return records


@dataclass
class PartialLanding:
    """The partial file of one run. `append` flushes lines as one chunk; `finalize` lands them."""

    store: LandingStore
    file_name: str
    run_id: str
    _sequence: int = 0
    _lines: list[str] = field(default_factory=list)
    _started_at: str = ""
    _heartbeat_at: float = float("-inf")

    @property
    def folder(self) -> str:
        return f"{PARTIAL_PREFIX}{self.file_name.removesuffix('.jsonl')}/"

    @property
    def landing_key(self) -> str:
        return LANDING_PREFIX + self.file_name

    def start(self) -> None:
        """Write the run marker: the first write of a run, before any request is sent, so an unwritable
        landing location fails the run before answers are fetched (a `LandingError` naming it)."""
        self._started_at = _utc_now()
        self.heartbeat(force=True)

    def heartbeat(self, *, force: bool = False) -> None:
        """Renew the marker's heartbeat (at most every `HEARTBEAT_SECONDS` unless `force`), so other
        hosts sharing the location see the run is still going."""
        now = time.monotonic()
        if not force and (not self._started_at or now - self._heartbeat_at < HEARTBEAT_SECONDS):
            return
        marker = {
            "runId": self.run_id,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "file": self.file_name,
            "startedAt": self._started_at or _utc_now(),
            "heartbeatAt": _utc_now(),
        }
        self.store.write_bytes(self.folder + _RUN_FILE, json.dumps(marker).encode())
        self._heartbeat_at = now

    def append(self, lines: list[str]) -> None:
        if not lines:
            return
        self._sequence += 1
        self.store.write_bytes(f"{self.folder}part-{self._sequence:06d}.jsonl", "".join(lines).encode())
        self._lines.extend(lines)
        self.heartbeat()

    @property
    def line_count(self) -> int:
        return len(self._lines)

    def finalize(self) -> str | None:
        """Write the landing file atomically and delete the partial folder. Returns its URI, or None
        when the run landed nothing (no empty files)."""
        uri = None
        if self._lines:
            self.store.write_bytes(self.landing_key, "".join(self._lines).encode())
            uri = self.store.uri(self.landing_key)
        _delete_folder(self.store, self.folder)
        return uri


def _delete_folder(store: LandingStore, folder: str) -> None:
    # The run marker goes last, so a half-deleted partial is still recognised as one. Hidden files
    # too: a writer killed mid-write leaves its temporary file, which no one else will ever finish.
    keys = store.list(folder, include_hidden=True)
    for key in sorted(keys, key=lambda key: key.endswith(_RUN_FILE)):
        store.delete(key)


def landed_statuses(
    store: LandingStore, owner: str | None = None, record_type: RecordType = ARTIST_ENRICHMENT
) -> dict[str, str]:
    """`{key: status}` (artistId for artists) of every answer in finished landing files of this
    warehouse (`owner`) the loader has not taken yet. A fetch skips these: their answers are on their
    way to it."""
    statuses: dict[str, str] = {}
    pattern = LANDING_NAMES[record_type.name]
    (key_column,) = record_type.key
    for key in store.list(LANDING_PREFIX):
        name = key.removeprefix(LANDING_PREFIX)
        if "/" in name or not pattern.fullmatch(name) or not belongs_to(name, owner):
            continue
        text = store.read_bytes(key).decode("utf-8", errors="replace")
        for record in parse_landing_lines(text, store.uri(key), record_type):
            statuses[record[key_column]] = record["status"]
    return statuses


@dataclass(frozen=True)
class RecoveredPartial:
    """Answers of a crashed run, now landed under `file` (its own landing name)."""

    file: str | None
    records: list[Any]
    record_type: RecordType = ARTIST_ENRICHMENT


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _heartbeat_age(marker: dict[str, Any]) -> float | None:
    """Seconds since the marker's heartbeat by this host's clock; None when it has none."""
    raw = marker.get("heartbeatAt")
    try:
        beat = datetime.strptime(str(raw), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return (datetime.now(UTC) - beat).total_seconds()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_live_run(marker: dict[str, Any]) -> bool:
    """True when the partial belongs to a run still going: on this host, a process that is alive (and
    not this one: this process's own earlier run ended); on another host, a recent heartbeat. A
    heartbeat past the stale limit also ends a pid that lives on (the pid was reused)."""
    age = _heartbeat_age(marker)
    fresh = age is not None and age < PARTIAL_STALE_AFTER_SECONDS
    if marker.get("host") != socket.gethostname():
        return fresh
    pid = marker.get("pid")
    if not isinstance(pid, int) or pid == os.getpid() or not _process_alive(pid):
        return False
    return fresh or age is None


def _partial_folders(store: LandingStore) -> Iterator[tuple[str, list[str]]]:
    folders: dict[str, list[str]] = {}
    for key in store.list(PARTIAL_PREFIX):
        folder, _, name = key.rpartition("/")
        folders.setdefault(folder + "/", []).append(name)
    yield from sorted(folders.items())


def marker_run_id(marker: Any) -> str | None:
    """The run identity a partial's marker gives, or None (no marker, or one that cannot be read)."""
    run_id = marker.get("runId") if isinstance(marker, dict) else None
    return run_id if isinstance(run_id, str) and run_id else None


def _own_run_records(
    store: LandingStore,
    folder: str,
    run_id: str | None,
    records: list[Any],
    record_type: RecordType,
) -> list[Any]:
    """The records of a partial that belong to its run: a line with another `runId` (a chunk copied in
    from another run, or two runs writing one folder) is not taken as this run's answer, it is kept
    aside in `spotify/quarantine/` with a report naming both runs, so nothing is lost or landed twice.
    Without a readable marker the run is the one of the first line."""
    if not records:
        return records
    identity = run_id or records[0].get("runId")
    own = [record for record in records if record.get("runId") == identity]
    foreign = [record for record in records if record.get("runId") != identity]
    if not foreign:
        return own
    stem = folder.removeprefix(PARTIAL_PREFIX).rstrip("/")
    key = free_target_key(set(store.list(QUARANTINE_PREFIX)), QUARANTINE_PREFIX, f"{stem}.foreign_run.jsonl")
    others = sorted({str(record.get("runId")) for record in foreign})
    report = (
        f"{len(foreign)} lines of the partial {store.uri(folder)} name another run ({', '.join(others[:5])}) "
        f"than its {'marker' if run_id else 'first line'} ({identity}); they were not landed as its answers "
        f"and are kept here. {len(own)} lines of run {identity} were landed. Check which run wrote them; "
        "copy the lines to be loaded into a landing file of their own."
    )
    store.write_bytes(key.removesuffix(".jsonl") + ERROR_REPORT_SUFFIX, (report + "\n").encode())
    store.write_bytes(key, "".join(json_line(record_type, record) for record in foreign).encode())
    logger.warning("recovery: %s; kept aside in %s", report.split(";", maxsplit=1)[0], store.uri(key))
    return own


def recover_partials(store: LandingStore) -> list[RecoveredPartial]:
    """Land the partial files that crashed runs left behind (see the module docstring)."""
    recovered: list[RecoveredPartial] = []
    for folder, names in _partial_folders(store):
        file_name = folder.removeprefix(PARTIAL_PREFIX).rstrip("/") + ".jsonl"
        record_type = record_type_of_landing_name(file_name)
        if record_type is None:
            logger.warning("ignoring %s: not a partial folder of this fetcher", store.uri(folder))
            continue
        marker: Any = {}
        if _RUN_FILE in names:
            try:
                marker = json.loads(store.read_bytes(folder + _RUN_FILE))
            except (json.JSONDecodeError, LandingError):
                marker = {}
            if isinstance(marker, dict) and _is_live_run(marker):
                logger.info(
                    "leaving %s alone: its run %s (host %s, pid %s) is still going",
                    store.uri(folder),
                    marker.get("runId"),
                    marker.get("host"),
                    marker.get("pid"),
                )
                continue
        if _landed_somewhere(store, file_name):
            logger.info("partial %s was already landed; removing it", store.uri(folder))
            _delete_folder(store, folder)
            continue
        chunks = sorted(name for name in names if _CHUNK_NAME.fullmatch(name))
        records: list[Any] = []
        for chunk in chunks:
            text = store.read_bytes(folder + chunk).decode("utf-8", errors="replace")
            records.extend(parse_landing_lines(text, store.uri(folder + chunk), record_type))
        records = _own_run_records(store, folder, marker_run_id(marker), records, record_type)
        landed = None
        if records:
            key = LANDING_PREFIX + file_name
            store.write_bytes(key, "".join(json_line(record_type, record) for record in records).encode())
            landed = store.uri(key)
            logger.info("recovered %d answers of an interrupted run into %s", len(records), landed)
        _delete_folder(store, folder)
        recovered.append(RecoveredPartial(file=landed, records=records, record_type=record_type))
    return recovered
