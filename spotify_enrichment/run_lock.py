"""One run at a time per landing location, for any fetcher: `RunLock(store, run_id).acquire()` fails at
once with `RunLockBusyError` naming the run that holds it (run ID, host, pid, start time).

- Local folder: an OS lock (`flock`) on `locks/{name}.lock`. The kernel drops it when the holder's
  process ends, kill -9 included, so a stale lock cannot exist; the file says who holds it.
- gs:// prefix: object storage has no lock, and conditional writes are not offered by every
  implementation (the GCS emulator ignores them), so each contender writes a claim
  `locks/{name}/{run}.claim` once and then lists the claims: the oldest live claim (by the
  server's object generation, one clock for every host) holds the lock, a later contender deletes its
  claim and fails. Each claim is written before its owner lists, so of two contenders at least the
  later lister sees both, and both order them alike. A claim stays live while its beat object
  `{run}.beat` is renewed (every `HEARTBEAT_SECONDS`, by a thread of the holder) or, on the same host,
  while its process lives; a claim of a dead run is deleted by the next contender.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from spotify_enrichment.errors import LandingError
from spotify_enrichment.landing import GcsStore, LandingStore, LocalStore

logger = logging.getLogger(__name__)

LOCK_PREFIX = "locks/"
HEARTBEAT_SECONDS = 30.0
STALE_AFTER_SECONDS = 600.0


class RunLockBusyError(LandingError):
    """Another run holds the lock of this landing location."""


@dataclass(frozen=True)
class LockOwner:
    run_id: str
    host: str
    pid: int
    started_at: str

    @classmethod
    def here(cls, run_id: str) -> LockOwner:
        return cls(
            run_id, socket.gethostname(), os.getpid(), datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        )

    def to_bytes(self) -> bytes:
        return json.dumps(
            {"runId": self.run_id, "host": self.host, "pid": self.pid, "startedAt": self.started_at}
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> LockOwner | None:
        try:
            value = json.loads(data)
            return cls(str(value["runId"]), str(value["host"]), int(value["pid"]), str(value["startedAt"]))
        except (ValueError, KeyError, TypeError):
            return None

    def describe(self) -> str:
        return f"run {self.run_id} (host {self.host}, pid {self.pid}, started {self.started_at})"


def _busy(store: LandingStore, owner: LockOwner | None) -> RunLockBusyError:
    who = owner.describe() if owner else "another run (its owner file is being written)"
    return RunLockBusyError(
        f"another enrichment run is using the landing location {store.root_uri}: {who}; wait for it to "
        "end (or stop it) and run again. Nothing was asked."
    )


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunLock:
    """The lock of one landing location (`name` tells locks of different jobs apart)."""

    def __init__(self, store: LandingStore, run_id: str, name: str = "enrichment") -> None:
        self.store = store
        self.owner = LockOwner.here(run_id)
        self.name = name
        self._fd: int | None = None
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def acquire(self) -> None:
        if isinstance(self.store, LocalStore):
            self._acquire_local(self.store)
        elif isinstance(self.store, GcsStore):
            self._acquire_gcs(self.store)
        else:
            raise LandingError(f"no run lock for landing location {self.store.root_uri}")
        logger.info("run lock of %s taken by %s", self.store.root_uri, self.owner.describe())

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)  # an empty lock file: nobody holds it
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
            self._fd = None
        if self._beat is not None:
            self._stop.set()
            self._beat.join(timeout=5)
            self._beat = None
            for key in (self._claim_key, self._beat_key):
                with contextlib.suppress(LandingError):
                    self.store.delete(key)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    # --- local folder ---------------------------------------------------------------------------

    def _acquire_local(self, store: LocalStore) -> None:
        path = Path(store.uri(f"{LOCK_PREFIX}{self.name}.lock"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise LandingError(f"cannot create the run lock {path}: {error.strerror}") from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(fd)
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise LandingError(f"cannot lock {path}: {error.strerror}") from error
            raise _busy(store, LockOwner.from_bytes(path.read_bytes())) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, self.owner.to_bytes(), 0)
        os.fsync(fd)
        self._fd = fd

    # --- gs:// prefix ---------------------------------------------------------------------------

    @property
    def _claim_key(self) -> str:
        return f"{LOCK_PREFIX}{self.name}/{self.owner.run_id}.claim"

    @property
    def _beat_key(self) -> str:
        return f"{LOCK_PREFIX}{self.name}/{self.owner.run_id}.beat"

    def _acquire_gcs(self, store: GcsStore) -> None:
        store.write_bytes(self._beat_key, self.owner.to_bytes())
        store.write_bytes(self._claim_key, self.owner.to_bytes())
        holder = self._oldest_live_claim(store)
        if holder is not None and holder[0] != self._claim_key:
            for key in (self._claim_key, self._beat_key):
                store.delete(key)
            raise _busy(store, LockOwner.from_bytes(store.read_bytes(holder[0])))
        self._stop.clear()
        self._beat = threading.Thread(target=self._renew, args=(store,), name="run-lock-beat", daemon=True)
        self._beat.start()

    def _oldest_live_claim(self, store: GcsStore) -> tuple[str, int] | None:
        objects = store.object_times(f"{LOCK_PREFIX}{self.name}/")
        beats = {key.removesuffix(".beat"): updated for key, _, updated in objects if key.endswith(".beat")}
        claims = sorted(
            ((generation, key) for key, generation, _ in objects if key.endswith(".claim")),
        )
        now = datetime.now(UTC)
        for generation, key in claims:
            if key == self._claim_key or self._claim_live(
                store, key, beats.get(key.removesuffix(".claim")), now
            ):
                return key, generation
            logger.warning("removing the run lock claim %s of a run that ended", store.uri(key))
            for stale in (key, key.removesuffix(".claim") + ".beat"):
                with contextlib.suppress(LandingError):
                    store.delete(stale)
        return None

    @staticmethod
    def _claim_live(store: GcsStore, key: str, beat: datetime | None, now: datetime) -> bool:
        if beat is None or (now - beat).total_seconds() > STALE_AFTER_SECONDS:
            return False
        try:
            owner = LockOwner.from_bytes(store.read_bytes(key))
        except LandingError:
            return False
        if owner is not None and owner.host == socket.gethostname():
            return _process_alive(owner.pid)
        return True

    def _renew(self, store: GcsStore) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                store.write_bytes(self._beat_key, self.owner.to_bytes())
            except LandingError as error:
                logger.warning("could not renew the run lock beat %s: %s", store.uri(self._beat_key), error)
