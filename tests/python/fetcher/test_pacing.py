"""Pure parts of the client: the rolling-window pacer and the reading of 429 answers."""

from __future__ import annotations

import json
import os
import time

import pytest
import requests

from spotify_enrichment.client import (
    WINDOW_SLACK_SECONDS,
    RollingWindowPacer,
    UnreachableBreaker,
    _rate_limit_wait,
)
from spotify_enrichment.errors import RateLimitStop, SpotifyUnreachableError
from spotify_enrichment.settings import load_settings

SETTINGS = load_settings(
    {"SPOTIFY_CLIENT_ID": "id", "SPOTIFY_CLIENT_SECRET": "secret"}, dotenv_path=os.devnull
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_pacer_allows_the_budget_per_rolling_window_then_waits_for_the_oldest_request() -> None:
    clock = FakeClock()
    pacer = RollingWindowPacer(3, 30.0, clock=clock)
    assert [pacer.delay() for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.now += 10
    assert pacer.delay() == pytest.approx(20 + WINDOW_SLACK_SECONDS)
    clock.now += 20 + WINDOW_SLACK_SECONDS + 0.01
    assert pacer.delay() == 0.0


def end_pause(pacer: RollingWindowPacer, clock: FakeClock) -> None:
    """Let the pause run out; the next send attempt applies the budget decision (and usually has to
    wait for the window, which the new budget fills)."""
    clock.now += pacer.delay()
    pacer.delay()


def test_unknown_budget_is_learned_from_the_first_429_then_lowered_by_the_next() -> None:
    clock = FakeClock()
    pacer = RollingWindowPacer(0, 30.0, clock=clock)
    for _ in range(40):
        assert pacer.delay() == 0.0
        clock.now += 0.1
    refused = pacer.reserve()[1]  # the 41st request is refused
    pacer.record_refused(refused)
    clock.now += 0.05
    pacer.on_rate_limited(2.0, sent_at=refused)
    assert pacer.delay() == pytest.approx(2.0)
    pacer.on_rate_limited(2.0, sent_at=refused - 0.05)  # in flight with the first: no news
    end_pause(pacer, clock)
    assert pacer.budget == 40
    sent = clock.now
    clock.now += 0.05
    pacer.on_rate_limited(2.0, sent_at=sent)  # sent after the slowdown: news
    end_pause(pacer, clock)
    assert pacer.budget == 39
    clock.now = 1000.0 + 32.05  # only the requests sent 2.1 to 3.9 s after the start are in the window
    pacer.on_rate_limited(2.0, sent_at=clock.now)
    end_pause(pacer, clock)
    assert pacer.budget == 19


def test_a_configured_budget_is_lowered_to_what_spotify_accepted() -> None:
    clock = FakeClock()
    pacer = RollingWindowPacer(100, 30.0, clock=clock)
    for _ in range(30):
        pacer.reserve()
        clock.now += 0.1
    pacer.on_rate_limited(1.0, sent_at=clock.now)
    end_pause(pacer, clock)
    assert pacer.budget == 30


def test_requests_refused_after_the_first_429_do_not_count_as_accepted() -> None:
    clock = FakeClock()
    pacer = RollingWindowPacer(0, 30.0, clock=clock)
    sends = []
    for _ in range(20):  # a burst in flight at once; Spotify accepts 12 of them, whatever the order
        sends.append(pacer.reserve()[1])
        clock.now += 0.001
    refused = sends[3:11]
    clock.now += 0.05
    pacer.record_refused(refused[0])
    pacer.on_rate_limited(1.0, sent_at=refused[0])
    for sent_at in refused[1:]:  # answers still arriving during the pause
        pacer.record_refused(sent_at)
        pacer.on_rate_limited(1.0, sent_at=sent_at)
    end_pause(pacer, clock)
    assert pacer.budget == 12


def test_a_refused_request_frees_its_slot() -> None:
    clock = FakeClock()
    pacer = RollingWindowPacer(2, 30.0, clock=clock)
    first = pacer.reserve()[1]
    pacer.reserve()
    assert pacer.delay() > 0
    pacer.record_refused(first)
    assert pacer.delay() == 0.0


def test_a_429_pauses_every_sender_for_retry_after() -> None:
    clock = FakeClock()
    pacer = RollingWindowPacer(100, 30.0, clock=clock)
    pacer.on_rate_limited(5.0, sent_at=clock.now)
    assert pacer.delay() == pytest.approx(5.0)
    clock.now += 5.0
    assert pacer.delay() == 0.0


def answer_429(retry_after: str | None, reason: str | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = 429
    error = {"status": 429, "message": "API rate limit exceeded"}
    if reason:
        error["reason"] = reason
    response._content = json.dumps({"error": error}).encode()
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def test_retry_after_within_the_cap_is_honoured() -> None:
    assert _rate_limit_wait(SETTINGS, answer_429("7")) == 7


@pytest.mark.parametrize("header", [None, "0", "soon"])
def test_missing_or_zero_retry_after_means_own_backoff(header: str | None) -> None:
    assert _rate_limit_wait(SETTINGS, answer_429(header)) is None


def test_retry_after_above_the_cap_stops_and_says_when_to_retry() -> None:
    with pytest.raises(RateLimitStop) as raised:
        _rate_limit_wait(SETTINGS, answer_429("3600"))
    assert raised.value.stop_reason == "rate_limit"
    assert raised.value.retry_after_seconds == 3600
    assert "run again after" in str(raised.value)
    assert "SPOTIFY_MAX_WAIT_SECONDS" in str(raised.value)


def test_quota_exceeded_stops_even_with_a_short_retry_after() -> None:
    with pytest.raises(RateLimitStop) as raised:
        _rate_limit_wait(SETTINGS, answer_429("1", reason="QUOTA_EXCEEDED"))
    assert raised.value.stop_reason == "quota"
    assert "QUOTA_EXCEEDED" in str(raised.value)


def _breaker(clock: FakeClock, **knobs: str) -> UnreachableBreaker:
    settings = load_settings(
        {"SPOTIFY_CLIENT_ID": "id", "SPOTIFY_CLIENT_SECRET": "secret", **knobs}, dotenv_path=os.devnull
    )
    return UnreachableBreaker(settings, clock=clock, wall_clock=lambda: 1_800_000_000.0 + clock.now)


def test_breaker_trips_after_the_failures_in_a_row_and_an_answer_ends_the_row() -> None:
    clock = FakeClock()
    breaker = _breaker(clock, SPOTIFY_UNREACHABLE_AFTER_FAILURES="3")
    for _ in range(2):
        breaker.failed(clock.now, "SPOTIFY_API_URL", "http://x/v1", "ConnectionError")
    breaker.answered()
    for _ in range(2):
        breaker.failed(clock.now, "SPOTIFY_API_URL", "http://x/v1", "ConnectionError")
    breaker.check()  # still closed: the answer ended the first row
    with pytest.raises(
        SpotifyUnreachableError, match="3 connection failures or timeouts in a row"
    ) as tripped:
        breaker.failed(clock.now, "SPOTIFY_API_URL", "http://x/v1", "ReadTimeout")
    assert tripped.value.setting == "SPOTIFY_API_URL"
    assert "check SPOTIFY_API_URL" in str(tripped.value)
    with pytest.raises(SpotifyUnreachableError):
        breaker.check()


def test_breaker_trips_on_one_long_timeout_and_says_since_when() -> None:
    clock = FakeClock()
    breaker = _breaker(clock, SPOTIFY_UNREACHABLE_AFTER_SECONDS="30")
    sent = clock.now
    clock.now += 30  # one token request hung for 30 s, then timed out
    with pytest.raises(SpotifyUnreachableError) as tripped:
        breaker.failed(sent, "SPOTIFY_ACCOUNTS_URL", "http://x/api/token", "ReadTimeout")
    expected = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_800_000_000.0 + sent))
    assert tripped.value.since == expected
    assert f"Spotify unreachable since {expected}" in str(tripped.value)
    assert "SPOTIFY_ACCOUNTS_URL" in str(tripped.value)


def test_breaker_counts_the_row_from_the_last_answer_not_from_an_older_send() -> None:
    clock = FakeClock()
    breaker = _breaker(clock, SPOTIFY_UNREACHABLE_AFTER_SECONDS="30")
    sent = clock.now
    clock.now += 29
    breaker.answered()  # another request got an answer meanwhile
    clock.now += 2
    breaker.failed(sent, "SPOTIFY_API_URL", "http://x/v1", "ReadTimeout")  # 2 s of failures only
    breaker.check()
