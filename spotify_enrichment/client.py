"""HTTP client of the Spotify Web API: access token, pacing over a rolling window, bounded retries.

Thread-safe: one `SpotifyClient` is shared by the fetcher's worker threads; each thread keeps its
own pooled `requests.Session`. No wait is ever longer than `Settings.max_wait_seconds`, and every
wait ends early when the run's stop event is set. Every attempt reports to the run's
`UnreachableBreaker`, which ends the whole run when Spotify stops answering altogether."""

from __future__ import annotations

import bisect
import collections
import contextlib
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from spotify_enrichment.artist_ids import is_valid_artist_id
from spotify_enrichment.errors import (
    RateLimitStop,
    RequestFailedError,
    SpotifyAuthError,
    SpotifyRequestError,
    SpotifyUnreachableError,
    StopRequestedError,
    UnexpectedResponseError,
)
from spotify_enrichment.settings import Settings

logger = logging.getLogger(__name__)

SessionContext = contextlib.AbstractContextManager[requests.Session]

MAX_IDS_PER_BATCH = 50
# A 429 that is honoured is retried, but not forever: past this many in a row for one request
# the request is reported failed.
MAX_RATE_LIMIT_RETRIES = 20
# The server counts a request when it arrives, we when we send it; this slack keeps the two windows
# from overlapping by a few milliseconds of latency.
WINDOW_SLACK_SECONDS = 0.25


@dataclass
class ClientStats:
    """API requests sent (retries included) and 429 answers received, since the client was made."""

    requests: int = 0
    rate_limited: int = 0


class RollingWindowPacer:
    """At most `budget` requests per rolling `window` seconds (by send time), plus a global pause
    after a 429. A budget of 0 means "unknown": no limit until the first 429, when the budget is set
    to the number of requests Spotify accepted in the window before it. Each later 429 (one per
    burst) lowers it to at most that count again, and at least by one."""

    def __init__(
        self,
        budget: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget = budget
        self.window = window
        self._clock = clock
        # Send times in increasing order, refused ones removed; kept for two windows so that a late
        # 429 can still count what was sent in the window before its request.
        self._sent: collections.deque[float] = collections.deque()
        self._paused_until = 0.0
        self._last_adjusted = float("-inf")
        self._adjust_after: float | None = None
        self._lock = threading.Lock()

    def _prune(self, now: float) -> None:
        horizon = now - 2 * self.window - WINDOW_SLACK_SECONDS
        while self._sent and self._sent[0] <= horizon:
            self._sent.popleft()

    def reserve(self) -> tuple[float, float]:
        """(seconds to wait, 0) when no request may be sent yet, else (0, the send time it reserved)."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            if now < self._paused_until:
                return self._paused_until - now, 0.0
            if self._adjust_after is not None:
                self._adjust_budget(self._adjust_after)
                self._adjust_after = None
            if self.budget:
                in_window = len(self._sent) - bisect.bisect_right(
                    self._sent, now - self.window - WINDOW_SLACK_SECONDS
                )
                if in_window >= self.budget:
                    oldest = self._sent[len(self._sent) - self.budget]
                    return max(oldest + self.window + WINDOW_SLACK_SECONDS - now, 0.001), 0.0
            self._sent.append(now)
            return 0.0, now

    def delay(self) -> float:
        """Seconds until a request may be sent; 0 reserves a slot (records the send)."""
        return self.reserve()[0]

    def acquire(self, stop: threading.Event) -> float:
        """Block until a request may be sent and return its reserved send time. Raises
        `StopRequestedError` when `stop` is set meanwhile."""
        while True:
            if stop.is_set():
                raise StopRequestedError("run is stopping")
            wait, sent_at = self.reserve()
            if wait <= 0:
                return sent_at
            stop.wait(wait)

    def record_refused(self, sent_at: float) -> None:
        """A request answered 429 did not use up a slot of Spotify's window; free ours too."""
        with self._lock:
            index = bisect.bisect_left(self._sent, sent_at)
            if index < len(self._sent) and self._sent[index] == sent_at:
                del self._sent[index]

    def on_rate_limited(self, pause_seconds: float, sent_at: float) -> None:
        """A 429 arrived for a request sent at `sent_at` (already `record_refused`): pause everyone,
        and lower the budget once per burst (the other requests in flight then bring no news)."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            self._paused_until = max(self._paused_until, now + pause_seconds)
            if sent_at <= self._last_adjusted:
                return
            self._last_adjusted = now
            # Decided when the pause ends: by then the requests in flight now have their answers, so
            # the refused ones are out of the count.
            self._adjust_after = now

    def _adjust_budget(self, limited_at: float) -> None:
        """Called under the lock. Spotify's window was full at `limited_at`: what it accepted from us
        in the window before is what it allows us now (other apps' traffic included)."""
        accepted = max(
            1,
            bisect.bisect_right(self._sent, limited_at)
            - bisect.bisect_right(self._sent, limited_at - self.window),
        )
        if self.budget == 0:
            logger.info("Spotify rate limit hit: pacing at %d requests per %gs", accepted, self.window)
            self.budget = accepted
        else:
            lowered = max(1, min(self.budget - 1, accepted))
            logger.info("Another 429: slowing down to %d requests per %gs", lowered, self.window)
            self.budget = lowered


# A steady pacer spaces requests this much wider than the allowance: the server counts arrivals, we count
# sends, and a request that arrives a few milliseconds early is refused (0.95 of the allowance).
STEADY_SLACK = 1.05


class SteadyPacer:
    """One request every `STEADY_SLACK / rate` seconds, evenly spaced (MusicBrainz counts an average per
    second, so a burst is refused even under the average), plus a global pause after a refusal (503)."""

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = STEADY_SLACK / rate
        self._clock = clock
        self._next = float("-inf")
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Seconds to wait before a request may be sent; 0 reserves the slot."""
        with self._lock:
            now = self._clock()
            if now < self._next:
                return self._next - now
            self._next = now + self.interval
            return 0.0

    def acquire(self, stop: threading.Event) -> None:
        """Block until a request may be sent; `StopRequestedError` when `stop` is set meanwhile."""
        while True:
            if stop.is_set():
                raise StopRequestedError("run is stopping")
            wait = self.reserve()
            if wait <= 0:
                return
            stop.wait(wait)

    def pause(self, seconds: float) -> None:
        """Nobody sends for `seconds` (then the steady pace resumes)."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)


class UnreachableBreaker:
    """The circuit breaker of one run. Per-request retries handle a blip; this handles a Spotify that
    is gone: after `unreachable_after_failures` connection failures or timeouts in a row, or after
    `unreachable_after_seconds` of nothing but them (one hanging token request is enough), it trips,
    and from then on every attempt raises `SpotifyUnreachableError` at once instead of being retried.
    Any HTTP answer, whatever its status, proves Spotify reachable and ends the row."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._failures = 0
        self._since: float | None = None
        self._last_answer = float("-inf")
        self._tripped: SpotifyUnreachableError | None = None

    @property
    def tripped(self) -> SpotifyUnreachableError | None:
        return self._tripped

    def check(self) -> None:
        """Before an attempt: raise the trip error once tripped (no request is sent)."""
        if self._tripped is not None:
            raise self._tripped

    def answered(self) -> None:
        with self._lock:
            self._failures = 0
            self._since = None
            self._last_answer = self._clock()

    def failed(
        self, attempt_started: float, setting: str, url: str, what: str, *, final: bool = False
    ) -> None:
        """A connection failure or timeout of an attempt sent at `attempt_started` (this clock) to the
        endpoint configured by `setting`. Raises `SpotifyUnreachableError` when this trips the breaker;
        `final` trips it whatever the counts (an endpoint every request depends on gave up)."""
        settings = self._settings
        with self._lock:
            if self._tripped is not None:
                raise self._tripped
            now = self._clock()
            self._failures += 1
            if self._since is None:
                # Nothing is known about the time before the attempt was sent or the last answer came.
                self._since = max(attempt_started, self._last_answer)
            lasting = now - self._since
            if (
                not final
                and self._failures < settings.unreachable_after_failures
                and lasting < settings.unreachable_after_seconds
            ):
                return
            since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._wall_clock() - lasting))
            self._tripped = SpotifyUnreachableError(
                f"Spotify unreachable since {since}: {self._failures} connection failures or timeouts in a "
                f"row over {lasting:.0f} s, no answer between them (last: {what} from {url}); check "
                f"{setting} and the network. The run stopped (SPOTIFY_UNREACHABLE_AFTER_FAILURES="
                f"{settings.unreachable_after_failures}, SPOTIFY_UNREACHABLE_AFTER_SECONDS="
                f"{settings.unreachable_after_seconds:g}); answers fetched so far are kept and a rerun asks "
                "only the rest.",
                since=since,
                setting=setting,
            )
            raise self._tripped


class AccessToken:
    """The current access token; renewed `margin` seconds before it expires, and on demand after a 401."""

    def __init__(self, settings: Settings, session_factory: Callable[[], SessionContext]) -> None:
        self._settings = settings
        self._session_factory = session_factory
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    def get(self, stop: threading.Event, breaker: UnreachableBreaker) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._renew_at:
                self._token, self._renew_at = self._request(stop, breaker)
            return self._token

    def invalidate(self, rejected: str) -> None:
        """Forget `rejected` (unless another thread already renewed it)."""
        with self._lock:
            if self._token == rejected:
                self._token = None

    def _grant(self) -> dict[str, str]:
        if self._settings.refresh_token:
            return {"grant_type": "refresh_token", "refresh_token": self._settings.refresh_token}
        return {"grant_type": "client_credentials"}

    def _request(self, stop: threading.Event, breaker: UnreachableBreaker) -> tuple[str, float]:
        with self._session_factory() as session:
            return self._request_with(session, stop, breaker)

    def _request_with(
        self, session: requests.Session, stop: threading.Event, breaker: UnreachableBreaker
    ) -> tuple[str, float]:
        settings = self._settings
        attempt = 0
        while True:
            if stop.is_set():
                raise StopRequestedError("run is stopping")
            breaker.check()
            started = time.monotonic()
            try:
                response = session.post(
                    settings.token_url,
                    data=self._grant(),
                    auth=(settings.client_id, settings.client_secret),
                    timeout=(settings.connect_timeout_seconds, settings.read_timeout_seconds),
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                what = type(error).__name__
                # Every request waits for this token: when its retries are used up, the run cannot go on.
                final = attempt >= settings.max_retries
                breaker.failed(started, "SPOTIFY_ACCOUNTS_URL", settings.token_url, what, final=final)
                reason = f"token endpoint unreachable ({what})"
                attempt = backoff_or_raise(settings, attempt, reason, stop)
                continue
            breaker.answered()
            if response.status_code == 200:
                return self._parse(response, started)
            if response.status_code in (400, 401, 403):
                raise SpotifyAuthError(_auth_message(settings, response))
            if response.status_code == 429:
                wait = _rate_limit_wait(settings, response)
                attempt = backoff_or_raise(settings, attempt, "token endpoint rate limited", stop, wait)
                continue
            reason = f"token endpoint answered HTTP {response.status_code}"
            attempt = backoff_or_raise(settings, attempt, reason, stop)

    @staticmethod
    def _parse(response: requests.Response, started: float) -> tuple[str, float]:
        try:
            body = response.json()
            token = body["access_token"]
            expires_in = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise SpotifyAuthError("the token endpoint answered 200 without an access_token") from None
        if not isinstance(token, str) or not token:
            raise SpotifyAuthError("the token endpoint answered 200 without an access_token")
        margin = min(60.0, expires_in * 0.2)
        return token, started + expires_in - margin


def _auth_message(settings: Settings, response: requests.Response) -> str:
    try:
        body = response.json()
        error = str(body.get("error", "")) if isinstance(body, dict) else ""
        description = str(body.get("error_description", "")) if isinstance(body, dict) else ""
    except ValueError:
        error, description = "", ""
    seen = f"HTTP {response.status_code} {error}".strip()
    if description:
        seen += f": {description}"
    for secret in settings.secrets:
        seen = seen.replace(secret, "***")
    if error == "invalid_grant" or (settings.refresh_token and error != "invalid_client"):
        return (
            f"Spotify rejected the refresh token ({seen}); refresh tokens expire after 6 months: "
            "authorize the app again and update SPOTIFY_REFRESH_TOKEN"
        )
    return (
        f"Spotify rejected the client credentials ({seen}); check SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET"
    )


def retry_after_seconds(response: requests.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _error_body(response: requests.Response) -> tuple[str, str | None]:
    """(message, reason) of a Spotify error answer; tolerant of bodies that are not JSON."""
    try:
        body = response.json()
    except ValueError:
        return (response.text[:200] or response.reason or "no message"), None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        reason = error.get("reason")
        return str(error.get("message", "")), (str(reason) if reason else None)
    return str(error or body)[:200], None


def _rate_limit_wait(settings: Settings, response: requests.Response) -> float | None:
    """Seconds to wait after a 429 (None: use own backoff). Raises `RateLimitStop` when Spotify says
    the quota is exhausted or asks for more than `max_wait_seconds`."""
    message, reason = _error_body(response)
    retry_after = retry_after_seconds(response)
    if reason == "QUOTA_EXCEEDED":
        when = f" Retry-After says {retry_after:.0f} s." if retry_after else ""
        raise RateLimitStop(
            f"Spotify says the quota is exhausted (429 QUOTA_EXCEEDED: {message}).{when} Answers fetched "
            "so far are kept; run again later (usually the next day) and only the rest is asked.",
            retry_after_seconds=retry_after,
            quota_exceeded=True,
        )
    if retry_after is not None and retry_after > settings.max_wait_seconds:
        resume = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + retry_after))
        raise RateLimitStop(
            f"Spotify rate limit: Retry-After {retry_after:.0f} s is above SPOTIFY_MAX_WAIT_SECONDS="
            f"{settings.max_wait_seconds:g}. Answers fetched so far are kept; run again after {resume} "
            "and only the rest is asked.",
            retry_after_seconds=retry_after,
            quota_exceeded=False,
        )
    return retry_after or None


def backoff_or_raise(
    settings: Settings, attempt: int, reason: str, stop: threading.Event, wait: float | None = None
) -> int:
    """Sleep before retry number `attempt + 1` and return it; raise `RequestFailedError` when the
    retries are used up. `wait` (a honoured Retry-After) replaces the jittered exponential step."""
    if attempt >= settings.max_retries:
        raise RequestFailedError(f"{reason}; gave up after {attempt + 1} attempts")
    if wait is None:
        step = settings.backoff_seconds * (2**attempt)
        wait = random.uniform(step / 2, step)
    stop.wait(min(wait, settings.max_wait_seconds))
    if stop.is_set():
        raise StopRequestedError("run is stopping")
    return attempt + 1


class SpotifyClient:
    """`get_several_artists(ids)` and `get_artist(id)` with token, pacing and bounded retries.

    Raises `SpotifyAuthError` (credentials or token rejected), `RateLimitStop` (quota / over-long
    Retry-After), `SpotifyUnreachableError` (the breaker tripped), `SpotifyRequestError` (400/403/404
    and other final answers), `RequestFailedError` (retries used up), `StopRequestedError` (the stop
    event was set)."""

    def __init__(self, settings: Settings, *, stop: threading.Event | None = None) -> None:
        self.settings = settings
        self.stop = stop or threading.Event()
        self.stats = ClientStats()
        self._stats_lock = threading.Lock()
        self._sessions: queue.SimpleQueue[requests.Session] = queue.SimpleQueue()
        self.pacer = RollingWindowPacer(settings.requests_per_window, settings.window_seconds)
        self.token = AccessToken(settings, self._session)
        # For callers without a run of their own; the fetcher gives every run a fresh one.
        self.breaker = UnreachableBreaker(settings)

    @contextlib.contextmanager
    def _session(self) -> Iterator[requests.Session]:
        """A pooled session (keep-alive connections survive across calls and worker threads)."""
        try:
            session = self._sessions.get_nowait()
        except queue.Empty:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=2, pool_maxsize=2, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        try:
            yield session
        finally:
            self._sessions.put(session)

    def close(self) -> None:
        """Close every pooled connection."""
        while True:
            try:
                self._sessions.get_nowait().close()
            except queue.Empty:
                return

    def __enter__(self) -> SpotifyClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _count(self, **increments: int) -> None:
        with self._stats_lock:
            for name, value in increments.items():
                setattr(self.stats, name, getattr(self.stats, name) + value)

    def get_several_artists(
        self,
        artist_ids: list[str],
        *,
        stop: threading.Event | None = None,
        breaker: UnreachableBreaker | None = None,
    ) -> list[dict[str, Any] | None]:
        """`GET /artists?ids=`: one entry per ID, in order; None for unknown IDs. Waits end early
        when `stop` (default: the client's own event) is set; `breaker` (default: the client's own)
        counts connection failures and timeouts."""
        if not 1 <= len(artist_ids) <= MAX_IDS_PER_BATCH:
            raise ValueError(f"a batch holds 1 to {MAX_IDS_PER_BATCH} IDs, got {len(artist_ids)}")
        _check_ids(artist_ids)
        body = self._get(
            f"{self.settings.api_url}/artists",
            {"ids": ",".join(artist_ids)},
            stop or self.stop,
            breaker or self.breaker,
        )
        artists = body.get("artists") if isinstance(body, dict) else None
        if not isinstance(artists, list) or len(artists) != len(artist_ids):
            raise UnexpectedResponseError(
                f"GET /artists answered without an 'artists' list of {len(artist_ids)} entries"
            )
        return artists

    def get_artist(
        self,
        artist_id: str,
        *,
        stop: threading.Event | None = None,
        breaker: UnreachableBreaker | None = None,
    ) -> dict[str, Any]:
        """`GET /artists/{id}`; raises `SpotifyRequestError` with status 404 for an unknown ID."""
        _check_ids([artist_id])
        url = f"{self.settings.api_url}/artists/{artist_id}"
        body = self._get(url, None, stop or self.stop, breaker or self.breaker)
        if not isinstance(body, dict):
            raise UnexpectedResponseError(f"GET /artists/{artist_id} answered with a non-object body")
        return body

    def _get(
        self, url: str, params: dict[str, str] | None, stop: threading.Event, breaker: UnreachableBreaker
    ) -> Any:
        with self._session() as session:
            return self._get_with(session, url, params, stop, breaker)

    def _send(
        self,
        session: requests.Session,
        url: str,
        params: dict[str, str] | None,
        token: str,
        breaker: UnreachableBreaker,
    ) -> requests.Response:
        """One attempt, reported to the breaker (which raises instead once Spotify is unreachable)."""
        settings = self.settings
        breaker.check()
        self._count(requests=1)
        started = time.monotonic()
        try:
            response = session.get(
                url,
                params=params,
                headers={"Authorization": f"Bearer {token}"},
                timeout=(settings.connect_timeout_seconds, settings.read_timeout_seconds),
            )
        except (requests.ConnectionError, requests.Timeout) as error:
            breaker.failed(started, "SPOTIFY_API_URL", settings.api_url, type(error).__name__)
            raise
        breaker.answered()
        return response

    def _get_with(
        self,
        session: requests.Session,
        url: str,
        params: dict[str, str] | None,
        stop: threading.Event,
        breaker: UnreachableBreaker,
    ) -> Any:
        settings = self.settings
        attempt = 0
        rate_limited = 0
        renewed = False
        while True:
            token = self.token.get(stop, breaker)
            sent_at = self.pacer.acquire(stop)
            try:
                response = self._send(session, url, params, token, breaker)
            except (requests.ConnectionError, requests.Timeout) as error:
                attempt = backoff_or_raise(settings, attempt, f"{type(error).__name__} from Spotify", stop)
                continue
            status = response.status_code
            if status == 200:
                try:
                    return response.json()
                except ValueError:
                    reason = "200 with a body that is not JSON"
                    attempt = backoff_or_raise(settings, attempt, reason, stop)
                    continue
            if status == 401:
                if renewed:
                    raise SpotifyAuthError(
                        "Spotify rejected a freshly issued access token (401); check SPOTIFY_API_URL and "
                        "SPOTIFY_ACCOUNTS_URL point at the same service"
                    )
                self.token.invalidate(token)
                renewed = True
                continue
            if status == 429:
                self.pacer.record_refused(sent_at)
                self._count(rate_limited=1)
                wait = _rate_limit_wait(settings, response)
                if wait is None:
                    step = settings.backoff_seconds * (2 ** min(rate_limited, 8))
                    wait = random.uniform(step / 2, step)
                self.pacer.on_rate_limited(wait, sent_at)
                rate_limited += 1
                if rate_limited > MAX_RATE_LIMIT_RETRIES:
                    raise RequestFailedError(f"429 rate limited {rate_limited} times in a row; gave up")
                continue
            if status >= 500:
                retry_after = retry_after_seconds(response)
                wait = retry_after if retry_after and retry_after <= settings.max_wait_seconds else None
                message, _ = _error_body(response)
                reason = f"HTTP {status} {message}".strip()
                attempt = backoff_or_raise(settings, attempt, reason, stop, wait)
                continue
            message, reason = _error_body(response)
            raise SpotifyRequestError(status, message, reason=reason)


def _check_ids(artist_ids: list[str]) -> None:
    # Every ID reaching a URL is validated here too, whatever the caller did.
    for artist_id in artist_ids:
        if not is_valid_artist_id(artist_id):
            raise ValueError(f"not a Spotify artist ID: {artist_id!r}")
