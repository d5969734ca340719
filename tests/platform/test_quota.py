"""The quota tracker folds answers in any order and refuses a write it knows is unaffordable."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ksctl.contract.wire import Quota
from ksctl.platform.errors import QuotaExhausted
from ksctl.platform.quota import QuotaTracker

SH = timezone(timedelta(hours=8))
RESET = datetime(2026, 11, 26, 0, 0, tzinfo=SH)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)


def headers(
    remaining: int | str, reset: str | None = "2026-11-26T00:00:00+08:00"
) -> dict[str, str]:
    h = {"X-Quota-Remaining": str(remaining)}
    if reset:
        h["X-Quota-Reset"] = reset
    return h


def test_unknown_until_told() -> None:
    t = QuotaTracker()
    assert not t.status.known
    t.check_before_write(NOW)  # unknown: let the platform decide
    t.observe_headers({})
    t.observe_headers(headers("many"))
    assert not t.status.known


def test_headers_are_tracked() -> None:
    t = QuotaTracker()
    t.observe_headers(headers(42))
    assert t.status.remaining == 42 and t.status.resets_at == RESET


def test_out_of_order_answers_keep_the_lowest() -> None:
    t = QuotaTracker()
    t.observe_headers(headers(40))
    t.observe_headers(headers(41))  # an older answer arriving late
    assert t.status.remaining == 40


def test_a_new_day_resets_and_a_late_old_day_is_ignored() -> None:
    t = QuotaTracker()
    t.observe_headers(headers(0))
    t.observe_headers(headers(100, "2026-11-27T00:00:00+08:00"))
    assert t.status.remaining == 100
    t.observe_headers(headers(0))  # from the previous day
    assert t.status.remaining == 100


def test_offsetless_reset_is_read_as_shanghai() -> None:
    t = QuotaTracker()
    t.observe_headers(headers(3, "2026-11-26T00:00:00"))
    assert t.status.resets_at == RESET


def test_full_read_sets_per_day() -> None:
    t = QuotaTracker()
    t.observe(Quota(per_day=100, used=60, remaining=40, resets_at=RESET))
    t.observe_headers(headers(39))
    assert (t.status.per_day, t.status.remaining) == (100, 39)


def test_refuses_a_write_when_none_is_left() -> None:
    t = QuotaTracker()
    t.observe_headers(headers(0))
    with pytest.raises(QuotaExhausted) as e:
        t.check_before_write(NOW)
    assert e.value.resets_at == RESET
    assert e.value.retry_after == 14 * 3600
    assert "resets at 2026-11-26T00:00:00+08:00" in str(e.value)
    assert e.value.retryable


def test_lets_the_platform_decide_once_the_reset_passed() -> None:
    t = QuotaTracker()
    t.observe_headers(headers(0))
    t.check_before_write(RESET + timedelta(seconds=1))


def test_exhausted_marks_zero() -> None:
    t = QuotaTracker()
    t.observe_headers(headers(5))
    t.exhausted(None)
    assert t.status.remaining == 0 and t.status.resets_at == RESET


def test_the_platform_clock_decides_when_the_day_turned() -> None:
    # A sandbox whose virtual clock is two days ahead of ours: its quota day has turned
    # although ours has not yet reached the reset time.
    t = QuotaTracker()
    t.observe_headers({**headers(0), "X-Platform-Time": "2026-11-26T00:00:01+08:00"}, NOW)
    t.check_before_write(NOW)
    # and one behind us: the reset by our clock is not the reset by its clock
    t2 = QuotaTracker()
    t2.observe_headers({**headers(0), "X-Platform-Time": "2026-11-25T09:00:00+08:00"}, RESET)
    with pytest.raises(QuotaExhausted):
        t2.check_before_write(RESET + timedelta(minutes=30))
