"""Landing-file side of `load_artist_enrichment`: find the files waiting in `{landing_uri}/spotify/landing/`,
give DuckDB a local copy with its checksum and line check, and move each file to `archive/` or
`quarantine/` afterwards. The SQL side (ledger, insert) lives in macros/load_artist_enrichment.sql."""

from __future__ import annotations

import atexit
import hashlib
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from spotify_enrichment.errors import BadInputError, LandingError
from spotify_enrichment.landing import (
    ARCHIVE_PREFIX,
    LANDING_PREFIX,
    QUARANTINE_PREFIX,
    LocalStore,
    open_store,
)
from spotify_enrichment.landing_check import check_landing_file

logger = logging.getLogger(__name__)

DESTINATIONS = {"archive": ARCHIVE_PREFIX, "quarantine": QUARANTINE_PREFIX}
ERROR_REPORT_SUFFIX = ".errors.txt"
_CHUNK_BYTES = 8 << 20

# Staging copies made by this process; only these are ever deleted by `release_staged_file`, and any
# left when the process ends (a load that failed half-way) are removed then.
_staged_copies: set[str] = set()


@dataclass(frozen=True)
class StagedFile:
    """A landing file ready for DuckDB: `local_path` is the file itself for a local landing folder, or
    a temporary copy of a gs:// object (`temporary`); `checksum` is the SHA-256 of its bytes."""

    name: str
    uri: str
    local_path: str
    temporary: bool
    checksum: str


@dataclass(frozen=True)
class StagedFileCheck:
    """The line check of a staged file; `error` names the file and its bad lines."""

    ok: bool
    records: int
    error: str | None


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


def _landing_name(name: str) -> str:
    if not name or "/" in name or name.startswith(".") or not name.endswith(".jsonl"):
        raise BadInputError(f"{name!r} is not the name of a landing file (NAME.jsonl in spotify/landing/)")
    return name


def list_landing_files(landing_uri: str) -> list[str]:
    """Names of the `.jsonl` files waiting in `spotify/landing/`, oldest name first."""
    store = open_store(landing_uri)
    names = []
    for key in store.list(LANDING_PREFIX):
        name = key.removeprefix(LANDING_PREFIX)
        if "/" in name or not name.endswith(".jsonl"):
            logger.warning("load_artist_enrichment: ignoring %s: not a landing .jsonl file", store.uri(key))
            continue
        names.append(name)
    return names


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def stage_landing_file(landing_uri: str, name: str) -> StagedFile:
    """Give DuckDB a local path to one landing file (a temporary copy for gs://) and its checksum."""
    store = open_store(landing_uri)
    key = LANDING_PREFIX + _landing_name(name)
    uri = store.uri(key)
    if isinstance(store, LocalStore):
        local_path = Path(uri)
        if not local_path.is_file():
            raise LandingError(f"landing file {uri} disappeared before it was loaded")
        temporary = False
    else:
        local_path = Path(tempfile.mkdtemp(prefix="spotify-landing-")) / name
        local_path.write_bytes(store.read_bytes(key))
        _staged_copies.add(str(local_path))
        temporary = True
    return StagedFile(
        name=name,
        uri=uri,
        local_path=str(local_path),
        temporary=temporary,
        checksum=_sha256_of_file(local_path),
    )


def check_staged_file(local_path: str, uri: str) -> StagedFileCheck:
    """Check every line of a staged file before it is loaded."""
    check = check_landing_file(Path(local_path))
    if check.ok:
        return StagedFileCheck(ok=True, records=check.records, error=None)
    return StagedFileCheck(
        ok=False, records=check.records, error=f"landing file {uri} has malformed lines: {check.describe()}"
    )


def release_staged_file(local_path: str) -> str:
    """Delete a temporary staging copy made by `stage_landing_file`; other paths are left alone."""
    if local_path not in _staged_copies:
        return ""
    _staged_copies.discard(local_path)
    shutil.rmtree(Path(local_path).parent, ignore_errors=True)
    return local_path


@atexit.register
def _release_all_staged_files() -> None:
    for local_path in list(_staged_copies):
        release_staged_file(local_path)


def _free_target_key(store_keys: set[str], prefix: str, name: str) -> str:
    """`prefix + name`, or `prefix + stem.N.jsonl` when that name is taken (nothing is overwritten)."""
    key = prefix + name
    stem = name.removesuffix(".jsonl")
    number = 1
    while key in store_keys:
        key = f"{prefix}{stem}.{number}.jsonl"
        number += 1
    return key


def move_landing_file(
    landing_uri: str, name: str, destination: str, *, error_report: str | None = None
) -> str:
    """Move a landing file to `spotify/archive/` or `spotify/quarantine/` (never overwriting a file
    there); for quarantine, `error_report` is written beside it as `NAME.errors.txt`. Returns the new URI."""
    if destination not in DESTINATIONS:
        raise BadInputError(f"destination {destination!r} is not one of {', '.join(DESTINATIONS)}")
    store = open_store(landing_uri)
    source_key = LANDING_PREFIX + _landing_name(name)
    prefix = DESTINATIONS[destination]
    target_key = _free_target_key(set(store.list(prefix)), prefix, name)
    if error_report:
        store.write_bytes(
            target_key.removesuffix(".jsonl") + ERROR_REPORT_SUFFIX, (error_report + "\n").encode()
        )
    store.move(source_key, target_key)
    target_uri = store.uri(target_key)
    logger.info("load_artist_enrichment: moved %s to %s", store.uri(source_key), target_uri)
    return target_uri
