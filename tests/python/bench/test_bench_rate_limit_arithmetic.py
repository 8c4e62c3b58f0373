"""The rate-limited benchmark's arithmetic (issue 7: 60 requests per 30 s)."""

import pytest

from spotify_enrichment_dev.bench.rate_limited import (
    best_possible_seconds,
    ceiling_artists_per_s,
    deadline_seconds,
)


def test_the_ceiling_is_the_limit_per_second_times_artists_per_request() -> None:
    assert ceiling_artists_per_s(60, "extended") == pytest.approx(100.0)
    assert ceiling_artists_per_s(60, "development") == pytest.approx(2.0)


def test_a_perfect_client_sends_a_full_window_at_once_then_one_per_roll() -> None:
    # 6,000 artists in batches of 50: 120 requests, the second 60 wait for the window to roll once.
    assert best_possible_seconds(120, 60) == 30
    # 600 single calls (plus the one 403'd batch call of auto mode): ten windows.
    assert best_possible_seconds(601, 60) == 300
    assert best_possible_seconds(60, 60) == 0
    assert best_possible_seconds(0, 60) == 0


def test_the_deadline_leaves_room_above_the_ceiling_time() -> None:
    # 600 artists at 2 artists/s take 300 s at the ceiling; the fetch is stopped well after that.
    assert deadline_seconds(600, 2.0) == pytest.approx(510.0)
    assert deadline_seconds(6000, 100.0) == pytest.approx(150.0)
