from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from ksctl.sandbox.clock import SHANGHAI, day_start, next_reset, parse_duration, to_shanghai


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31d", timedelta(days=31)),
        ("12h", timedelta(hours=12)),
        ("90m", timedelta(minutes=90)),
        ("45s", timedelta(seconds=45)),
        ("1d12h", timedelta(days=1, hours=12)),
        (" 2H ", timedelta(hours=2)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "31", "d", "3w", "1.5h", "-1d", "1d x"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_days_end_at_midnight_shanghai_whatever_the_offset() -> None:
    utc_evening = datetime.fromisoformat("2026-11-25T17:30:00+00:00")  # 01:30 on the 26th +08
    assert day_start(utc_evening).isoformat() == "2026-11-26T00:00:00+08:00"
    assert next_reset(utc_evening).isoformat() == "2026-11-27T00:00:00+08:00"
    midnight = datetime(2026, 11, 26, tzinfo=SHANGHAI)
    assert next_reset(midnight) == midnight + timedelta(days=1)


def test_naive_times_are_shanghai_time() -> None:
    assert to_shanghai(datetime(2026, 1, 1, 8)).isoformat() == "2026-01-01T08:00:00+08:00"
