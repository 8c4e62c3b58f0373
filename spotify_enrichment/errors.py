"""Named errors of the fetcher and the landing store. Each says what failed and what to do; none
carries a client secret, refresh token or access token."""

from __future__ import annotations


class SpotifyEnrichmentError(Exception):
    """Base class of every error this package raises on purpose."""


class SettingsError(SpotifyEnrichmentError):
    """A setting is missing or malformed; the message names the setting."""


class BadInputError(SpotifyEnrichmentError):
    """The input (IDs file, landing URI, option) cannot be used; the message names it."""


class SpotifyAuthError(SpotifyEnrichmentError):
    """Spotify rejected the credentials or the access token; the message names the setting to check."""


class SpotifyForbiddenError(SpotifyAuthError):
    """Spotify answered 403 to an endpoint this app is not allowed to call (e.g. batch in Development
    Mode with SPOTIFY_API_MODE=batch)."""


class RateLimitStop(SpotifyEnrichmentError):  # noqa: N818 (name fixed by the team brief)
    """Spotify asked us to wait longer than the configured cap (`Retry-After` above
    SPOTIFY_MAX_WAIT_SECONDS) or said the quota is exhausted (`reason: QUOTA_EXCEEDED`).

    The run stops cleanly; answers fetched so far are kept. `retry_after_seconds` is Spotify's
    `Retry-After` when it sent one, and `quota_exceeded` tells the two cases apart."""

    def __init__(self, message: str, *, retry_after_seconds: float | None, quota_exceeded: bool) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
        self.quota_exceeded = quota_exceeded

    @property
    def stop_reason(self) -> str:
        return "quota" if self.quota_exceeded else "rate_limit"


class SpotifyUnreachableError(SpotifyEnrichmentError):
    """Spotify has not answered at all for a while: SPOTIFY_UNREACHABLE_AFTER_FAILURES connection
    failures or timeouts in a row, or nothing but them for SPOTIFY_UNREACHABLE_AFTER_SECONDS (the
    circuit breaker of one run tripped). The run stops cleanly like a quota stop; answers fetched so far
    are kept. `since` is the UTC time of the first failure in the row, `setting` the URL setting of the
    endpoint that failed last (SPOTIFY_API_URL or SPOTIFY_ACCOUNTS_URL)."""

    def __init__(self, message: str, *, since: str, setting: str) -> None:
        super().__init__(message)
        self.since = since
        self.setting = setting


class RunTimeLimitStop(SpotifyEnrichmentError):  # noqa: N818 (a stop, like RateLimitStop)
    """The run reached SPOTIFY_MAX_RUN_SECONDS and stopped cleanly; answers fetched so far are kept."""


class SpotifyRequestError(SpotifyEnrichmentError):
    """Spotify answered a request with a non-retryable status (400, 403, 404, ...)."""

    def __init__(self, status: int, message: str, *, reason: str | None = None) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.api_message = message
        self.reason = reason


class RequestFailedError(SpotifyEnrichmentError):
    """A request still failed after the bounded retries (5xx, timeouts, connection resets, repeated
    429s). The artists it asked for are reported as `failed` and asked again on the next run."""


class StopRequestedError(SpotifyEnrichmentError):
    """The run is stopping (another worker hit a stop condition); the request was not sent."""


class UnexpectedResponseError(SpotifyEnrichmentError):
    """Spotify answered 200 with a body that is not what the API documents."""


class LandingError(SpotifyEnrichmentError):
    """The landing store (local folder or gs:// bucket) cannot be read or written."""


class MusicBrainzForbiddenError(SpotifyEnrichmentError):
    """MusicBrainz answered 403: it blocks the User-Agent (or this address); retrying cannot help."""
