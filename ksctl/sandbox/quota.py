"""The two limits of docs/platform-api.md: writes per app per day, reads per app per second.

Daily usage is counted from the write log (only committed writes are there, so refused
writes, no-ops and idempotent replays cost nothing); the day ends at 00:00 Asia/Shanghai of
the virtual clock. The read rate is per real second, counted from the request log so that
several processes serving one world share the limit.
"""

from __future__ import annotations

import math
import sqlite3
from datetime import datetime

from ksctl.contract import codes
from ksctl.contract.wire import Quota
from ksctl.sandbox.clock import day_start, next_reset, to_epoch
from ksctl.sandbox.refusal import Refusal


def write_quota(conn: sqlite3.Connection, app_id: str, now: datetime, per_day: int) -> Quota:
    start, reset = day_start(now), next_reset(now)
    used = conn.execute(
        "SELECT COUNT(*) FROM writes WHERE app_id = ? AND at >= ? AND at < ?",
        (app_id, to_epoch(start), to_epoch(reset)),
    ).fetchone()[0]
    return Quota(per_day=per_day, used=used, remaining=max(per_day - used, 0), resets_at=reset)


def quota_headers(quota: Quota) -> dict[str, str]:
    return {"X-Quota-Remaining": str(quota.remaining), "X-Quota-Reset": quota.resets_at.isoformat()}


def charge_write(conn: sqlite3.Connection, app_id: str, now: datetime, per_day: int) -> None:
    """Refuse a write that would change something once the day's quota is spent."""
    quota = write_quota(conn, app_id, now, per_day)
    if quota.remaining > 0:
        return
    wait = max(math.ceil((quota.resets_at - now).total_seconds()), 1)
    raise Refusal(
        codes.OVER_LIMIT,
        f"daily write quota of {per_day} spent; it resets at {quota.resets_at.isoformat()}",
        {"Retry-After": str(wait), **quota_headers(quota)},
    )


def admit_read(conn: sqlite3.Connection, app_id: str, wall_second: int, per_second: int) -> None:
    done = conn.execute(
        "SELECT COUNT(*) FROM requests WHERE app_id = ? AND kind = 'read' AND wall_second = ? "
        "AND admitted = 1",
        (app_id, wall_second),
    ).fetchone()[0]
    if done >= per_second:
        raise Refusal(
            codes.OVER_LIMIT, f"read rate over {per_second} per second", {"Retry-After": "1"}
        )
