"""Backoff grows, jitters, honours Retry-After, and stops at its bounds."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from ksctl.platform.retry import Budget, RetryPolicy, parse_retry_after
from tests.platform.fakes import FakeClock


def test_delay_grows_exponentially_with_bounded_jitter() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, jitter=0.5)
    rng = random.Random(1)
    for attempt, nominal in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0)]:
        for _ in range(20):
            d = policy.delay(attempt, rng)
            assert nominal * 0.5 <= d <= nominal


def test_jitter_spreads_clients() -> None:
    policy = RetryPolicy(base_delay=1.0, jitter=0.5)
    rng = random.Random(3)
    assert len({round(policy.delay(3, rng), 6) for _ in range(10)}) > 5


def test_retry_after_is_a_floor() -> None:
    policy = RetryPolicy(base_delay=0.1)
    assert policy.delay(1, random.Random(1), retry_after=5) == 5


def test_parse_retry_after() -> None:
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("-1") == 0.0
    assert parse_retry_after("soon") is None
    now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later, now) == 90.0


def test_budget_bounds_attempts() -> None:
    budget = Budget(RetryPolicy(max_attempts=3, base_delay=0.01), FakeClock(), random.Random(1))
    assert budget.next_delay() is not None
    assert budget.next_delay() is not None
    assert budget.next_delay() is None


def test_budget_bounds_total_time() -> None:
    clock = FakeClock()
    budget = Budget(
        RetryPolicy(max_attempts=100, base_delay=1, max_elapsed=10), clock, random.Random(1)
    )
    assert budget.next_delay(retry_after=11) is None  # would end past the bound: give up now
    clock.t = 9.5
    assert budget.next_delay() is None


def test_progress_restarts_the_budget() -> None:
    clock = FakeClock()
    budget = Budget(RetryPolicy(max_attempts=2, base_delay=0.01), clock, random.Random(1))
    assert budget.next_delay() is not None
    budget.progress()
    assert budget.next_delay() is not None
