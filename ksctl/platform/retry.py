"""When and how long to wait before trying a request again.

Exponential backoff with jitter (so that many clients hit by one outage do not come back
in lockstep), never shorter than the platform's `Retry-After`, bounded both in attempts
and in total time. The clock is injected so that tests run without real sleeping.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol


class Clock(Protocol):
    """Time as the client sees it: a monotonic counter, a wall clock, and sleeping."""

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of retrying one request.

    `max_attempts` counts every try, the first included. `max_elapsed` (seconds) bounds the
    time from the first try to the start of the last one: a wait that would pass it is not
    started, and the last error is raised instead.
    """

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_elapsed: float = 120.0
    jitter: float = 0.5  # the fraction of each delay that is random

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds to wait after the `attempt`-th failed try (1-based)."""
        nominal = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        wait = nominal * (1 - self.jitter) + nominal * self.jitter * rng.random()
        if retry_after is not None:
            # The platform knows better than our guess; never come back earlier than it said.
            wait = max(wait, retry_after)
        return wait


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds or an HTTP date; None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class Budget:
    """The retry state of one request: attempts made, time spent, and whether to go on."""

    def __init__(self, policy: RetryPolicy, clock: Clock, rng: random.Random) -> None:
        self.policy = policy
        self.clock = clock
        self.rng = rng
        self.attempts = 0
        self.started = clock.monotonic()

    def next_delay(self, retry_after: float | None = None) -> float | None:
        """Record a failed try; the seconds to wait before the next, or None to give up."""
        self.attempts += 1
        if self.attempts >= self.policy.max_attempts:
            return None
        wait = self.policy.delay(self.attempts, self.rng, retry_after)
        elapsed = self.clock.monotonic() - self.started
        if elapsed + wait > self.policy.max_elapsed:
            return None
        return wait

    def progress(self) -> None:
        """Something got done (a download advanced): count attempts and time afresh."""
        self.attempts = 0
        self.started = self.clock.monotonic()
