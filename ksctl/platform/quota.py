"""What the client knows of the app's daily write quota, learnt from the platform's answers.

Every write answer carries `X-Quota-Remaining` and `X-Quota-Reset`; `GET /openapi/quota`
says the same in full. The tracker keeps the latest knowledge so that the client refuses a
write it knows it cannot afford before spending a round trip (and so apply can say, up
front, how far today's quota goes).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ksctl.contract.wire import Quota
from ksctl.platform.errors import QuotaExhausted

REMAINING_HEADER = "X-Quota-Remaining"
RESET_HEADER = "X-Quota-Reset"
# The platform's own time, when it says it (the sandbox does: its clock is virtual).
TIME_HEADER = "X-Platform-Time"
SHANGHAI = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class QuotaStatus:
    """Known quota: None where the platform has not told yet."""

    remaining: int | None = None
    resets_at: datetime | None = None
    per_day: int | None = None

    @property
    def known(self) -> bool:
        return self.remaining is not None


class QuotaTracker:
    """Folds quota observations from concurrent answers into one current view."""

    def __init__(self) -> None:
        self._status = QuotaStatus()
        self._lock = threading.Lock()
        # Platform time minus ours: the reset is at the platform's midnight, and a
        # sandbox's virtual clock can be days away from the wall clock.
        self._skew = timedelta(0)

    @property
    def status(self) -> QuotaStatus:
        return self._status

    def platform_time(self, now: datetime) -> datetime:
        """`now` (this machine's clock) as the platform's clock reads it, as far as known."""
        return (now + self._skew).astimezone(SHANGHAI)

    def observe_headers(self, headers: Mapping[str, str], now: datetime | None = None) -> None:
        """Learn from an answer's `X-Quota-*` headers (absent or malformed ones are ignored).

        `now` is the client's time at the answer; with the platform's `X-Platform-Time` it
        tells how far the platform's clock is from ours.
        """
        platform_now = _parse_time(headers.get(TIME_HEADER))
        if platform_now is not None and now is not None:
            self._skew = platform_now - now
        raw_remaining = headers.get(REMAINING_HEADER)
        if raw_remaining is None:
            return
        try:
            remaining = int(raw_remaining)
        except ValueError:
            return
        resets_at = _parse_time(headers.get(RESET_HEADER))
        self._fold(remaining, resets_at, None)

    def observe(self, quota: Quota) -> None:
        """Learn from a full quota read."""
        self._fold(quota.remaining, quota.resets_at, quota.per_day)

    def exhausted(self, resets_at: datetime | None) -> None:
        """The platform refused a write for quota: nothing is left until `resets_at`."""
        with self._lock:
            old = self._status
            self._status = QuotaStatus(
                remaining=0, resets_at=resets_at or old.resets_at, per_day=old.per_day
            )

    def _fold(self, remaining: int, resets_at: datetime | None, per_day: int | None) -> None:
        with self._lock:
            old = self._status
            if old.remaining is not None:
                if old.resets_at and resets_at and resets_at != old.resets_at:
                    if resets_at < old.resets_at:
                        return  # a late answer from the previous quota day
                else:
                    # Concurrent answers arrive out of order; within one quota day the
                    # remaining count only goes down, so the smallest value is the newest.
                    remaining = min(remaining, old.remaining)
            self._status = QuotaStatus(
                remaining=remaining,
                resets_at=resets_at or old.resets_at,
                per_day=per_day if per_day is not None else old.per_day,
            )

    def check_before_write(self, now: datetime) -> None:
        """Raise QuotaExhausted if the known remaining quota is 0 and has not reset yet.

        `now` is the client's wall clock, moved by the platform's offset when known; should
        the platform still disagree, its next answer corrects the view.
        """
        now = now + self._skew
        s = self._status
        if s.remaining is None or s.remaining > 0:
            return
        if s.resets_at is not None and now >= s.resets_at:
            return  # the day has turned (by our clock): let the platform say
        when = f"; it resets at {s.resets_at.isoformat()}" if s.resets_at else ""
        retry_after = (s.resets_at - now).total_seconds() if s.resets_at else None
        raise QuotaExhausted(
            f"the daily write quota is spent{when}; no write was sent",
            resets_at=s.resets_at,
            retry_after=retry_after,
        )


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    # The platform speaks Asia/Shanghai; a time without offset is read as such.
    return when if when.tzinfo else when.replace(tzinfo=SHANGHAI)
