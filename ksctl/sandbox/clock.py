"""Time on the sandbox platform: Asia/Shanghai, a virtual clock, durations, day boundaries.

The platform speaks +08:00 (China has no daylight saving time, so a fixed offset is exact
and needs no tz database). Times are stored as integer epoch seconds in SQLite so that
comparisons happen in SQL.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

_DURATION = re.compile(r"(\d+)\s*([dhms])")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """`31d`, `12h`, `90m`, `45s` or combinations such as `1d12h`; raises ValueError."""
    cleaned = text.strip().lower()
    parts = _DURATION.findall(cleaned)
    if not cleaned or "".join(f"{n}{u}" for n, u in parts) != cleaned.replace(" ", ""):
        raise ValueError(f"invalid duration {text!r}: use e.g. 31d, 12h, 90m or 1d12h")
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in parts))


def to_shanghai(moment: datetime) -> datetime:
    """An aware datetime in +08:00; a naive one is taken to be Shanghai time already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI)


def end_of_day(day: date) -> datetime:
    """A date given where a moment is expected means "through that day" (contracts, bans)."""
    return datetime.combine(day, time(23, 59, 59), SHANGHAI)


def to_epoch(moment: datetime) -> int:
    return int(to_shanghai(moment).timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, SHANGHAI)


def day_start(moment: datetime) -> datetime:
    """00:00 Asia/Shanghai of the day `moment` falls in: the quota day begins here."""
    local = to_shanghai(moment)
    return datetime.combine(local.date(), time(0, 0), SHANGHAI)


def next_reset(moment: datetime) -> datetime:
    """The next 00:00 Asia/Shanghai strictly after `moment`: when the write quota resets."""
    return day_start(moment) + timedelta(days=1)
