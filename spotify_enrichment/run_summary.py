"""What every source's fetch run reports (`RunSummary`): the counters `fetcher.FetchSummary` (Spotify
artists and tracks) and `musicbrainz_fetcher.MusicBrainzSummary` share, and `run_counts`, the one view
of them the run-record writer (`runs.run_record`) reads, whichever source ran."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar


@dataclass
class RunSummary:
    requested: int = 0
    ok: int = 0
    failed: int = 0
    invalid: int = 0
    skipped: int = 0
    recovered: int = 0
    invalid_ids: list[str] = field(default_factory=list)
    failed_ids: list[str] = field(default_factory=list)
    failed_reasons: dict[str, str] = field(default_factory=dict)
    file: str | None = None
    recovered_files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    requests: int = 0
    stop_reason: str | None = None
    message: str = ""
    exit_code: int = 0
    run_id: str = ""
    started_at: str = ""

    # The source's names for "answered: not there" and "refused for the rate" (MusicBrainz:
    # not_linked, its 503s); the run record calls them not_found and rateLimited for every source.
    NOT_FOUND_FIELD: ClassVar[str] = "not_found"
    RATE_LIMITED_FIELD: ClassVar[str] = "rate_limited"

    def run_counts(self) -> dict[str, Any]:
        """The run record's view of this summary (`runs.run_record` keys)."""
        return {
            "requested": self.requested,
            "ok": self.ok,
            "not_found": getattr(self, self.NOT_FOUND_FIELD, 0),
            "failed": self.failed,
            "invalid": self.invalid,
            "requests": self.requests,
            "rate_limited": getattr(self, self.RATE_LIMITED_FIELD, 0),
            "api_mode": getattr(self, "api_mode", None),
            "api_regime": getattr(self, "api_regime", None),
            "stop_reason": self.stop_reason,
            "retry_after_seconds": getattr(self, "retry_after_seconds", None),
            "message": self.message,
            "run_id": self.run_id,
            "started_at": self.started_at,
            "failed_reasons": dict(self.failed_reasons),
        }

    def to_json(self) -> str:
        """One JSON line (no newline): every field, plus `run` (`run_counts`) for the run record."""
        value = asdict(self) | {"run": self.run_counts()}
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
