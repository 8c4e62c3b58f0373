"""Run history and failure records, for any source's fetcher (`records.Source`: `spotify`,
`musicbrainz`, `spotify_tracks`, `spotify_search`): a fetch summary becomes one `RunRecord`, its
failed items `FailureRecord`s, and both land as small landing files that the ordinary load step takes
into `lake_enrichment__runs` and `lake_enrichment__failures` (same checks, same ledger).

A summary is a `run_summary.RunSummary` of any source (its `run_counts()`), or a mapping: a summary's
JSON (its `run` object is `run_counts()`) or the keys a run that sent nothing makes up (requested, ok,
not_found, failed, invalid, requests, rate_limited, api_mode, api_regime, stop_reason,
retry_after_seconds, message, run_id, started_at, failed_reasons); keys it lacks count as 0 / None, so a
fetcher that could not start still leaves its row."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

from spotify_enrichment.contract import RecordType, json_line, line_error
from spotify_enrichment.errors import BadInputError
from spotify_enrichment.landing import LANDING_PREFIX, LandingStore, landing_file_name
from spotify_enrichment.records import (
    ENRICHMENT_FAILURES,
    ENRICHMENT_RUNS,
    EnrichmentMode,
    FailureRecord,
    RunRecord,
    Source,
)
from spotify_enrichment.run_summary import RunSummary

logger = logging.getLogger(__name__)

SOURCES: tuple[str, ...] = get_args(Source)
MODES: tuple[str, ...] = get_args(EnrichmentMode)
NO_REGIME_SOURCES = frozenset({"spotify_search"})
# The longest message kept in the run history: the first lines of an error say what happened.
MAX_MESSAGE_CHARS = 2000


def client_key(client_id: str) -> str:
    """Names API credentials in the run history without storing them: 16 hex digits of SHA-256 of the
    client ID (the secret is never part of it)."""
    return hashlib.sha256(client_id.encode("utf-8")).hexdigest()[:16]


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _count(summary: Mapping[str, Any], key: str) -> int:
    value = summary.get(key) or 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadInputError(f"fetch summary: {key} must be a whole number >= 0, got {value!r}")
    return value


def _text(summary: Mapping[str, Any], key: str) -> str | None:
    value = summary.get(key)
    return None if value in (None, "") else str(value)


def summary_counts(summary: RunSummary | Mapping[str, Any]) -> Mapping[str, Any]:
    """The run record's view of a summary of any source (see the module docstring)."""
    if isinstance(summary, RunSummary):
        return summary.run_counts()
    counts = summary.get("run")
    return counts if isinstance(counts, Mapping) else summary


def run_record(
    source: str,
    mode: str | None,
    summary: RunSummary | Mapping[str, Any],
    *,
    ended_at: datetime,
    rows_loaded: int | None = None,
    landing_file: str | None = None,
    client_key: str | None = None,
    retry_not_before: datetime | None = None,
) -> RunRecord:
    """The run record of one fetch summary. `retryNotBefore` is `retry_not_before` when given (a run
    that waited on an earlier one's), else the end of the run plus the summary's Retry-After."""
    if source not in SOURCES:
        raise BadInputError(f"source {source!r} is not one of {', '.join(SOURCES)}")
    if mode is not None and mode not in MODES:
        raise BadInputError(f"mode {mode!r} is not one of {', '.join(MODES)}")
    summary = summary_counts(summary)
    retry_after = summary.get("retry_after_seconds")
    if retry_not_before is None and isinstance(retry_after, int | float) and retry_after > 0:
        retry_not_before = ended_at + timedelta(seconds=float(retry_after))
    started_at = _text(summary, "started_at") or utc_text(ended_at)
    message = _text(summary, "message")
    record: RunRecord = {
        "runId": str(summary.get("run_id") or ""),
        "source": source,  # type: ignore[typeddict-item]
        "mode": mode,  # type: ignore[typeddict-item]
        "startedAt": started_at,
        "endedAt": utc_text(ended_at),
        "requested": _count(summary, "requested"),
        "ok": _count(summary, "ok"),
        "not_found": _count(summary, "not_found"),
        "failed": _count(summary, "failed"),
        "invalid": _count(summary, "invalid"),
        "requests": _count(summary, "requests"),
        "rateLimited": _count(summary, "rate_limited"),
        "apiMode": _text(summary, "api_mode"),
        # Search has no batch form: a search run learns nothing about the credentials' regime.
        "apiRegime": None if source in NO_REGIME_SOURCES else summary.get("api_regime") or None,
        "clientKey": client_key,
        "stopReason": _text(summary, "stop_reason"),
        "retryNotBefore": utc_text(retry_not_before) if retry_not_before else None,
        "message": message[:MAX_MESSAGE_CHARS] if message else None,
        "landingFile": landing_file,
        "rowsLoaded": rows_loaded,
    }
    _check(ENRICHMENT_RUNS, record)
    return record


def failure_records(
    source: str, run_id: str, failed_reasons: Mapping[str, str], *, failed_at: datetime
) -> list[FailureRecord]:
    """One failure record per item that failed in the run."""
    records: list[FailureRecord] = []
    for item_id, reason in sorted(failed_reasons.items()):
        record: FailureRecord = {
            "source": source,  # type: ignore[typeddict-item]
            "itemId": item_id,
            "runId": run_id,
            "failedAt": utc_text(failed_at),
            "reason": (reason or "unknown")[:MAX_MESSAGE_CHARS],
        }
        _check(ENRICHMENT_FAILURES, record)
        records.append(record)
    return records


def _check(record_type: RecordType, record: Mapping[str, Any]) -> None:
    problem = line_error(record_type, dict(record))
    if problem is not None:
        raise BadInputError(f"{record_type.name} record: {problem}")


def land_records(
    store: LandingStore,
    record_type: RecordType,
    records: list[Any],
    *,
    moment: datetime,
    owner: str | None = None,
) -> str | None:
    """Land `records` as one finished landing file of `record_type` (atomically); None for no records."""
    if not records:
        return None
    name = landing_file_name(moment, secrets.token_hex(4), owner, record_type)
    key = LANDING_PREFIX + name
    store.write_bytes(key, "".join(json_line(record_type, record) for record in records).encode())
    logger.info("landed %d %s records in %s", len(records), record_type.name, store.uri(key))
    return store.uri(key)


def remembered_regime(regimes: Mapping[str, Any], key: str | None) -> str | None:
    """What the run history knows about these credentials' API regime (`batch` / `single`), or None."""
    if key is None:
        return None
    value = regimes.get(key)
    return value if value in ("batch", "single") else None
