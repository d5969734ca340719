"""Deterministic file contents: the same world always serves the same bytes.

Replays are bytes from a seeded extendable-output hash (a PRNG that can start anywhere, so
a Range request generates only the blocks it needs); exports and ledgers are CSV rows
derived from the account id and the day. Stable bytes mean stable sha256 values, which is
what lets a client verify a download and a test compare runs.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from ksctl.sandbox.clock import SHANGHAI, to_shanghai

BLOCK = 1 << 16
GIFTS = [("小心心", 1), ("玫瑰", 10), ("棒棒糖", 20), ("啤酒", 66), ("火箭", 5200)]


def _block(account_id: str, replay_id: str, index: int) -> bytes:
    seed = f"ksctl-replay\0{account_id}\0{replay_id}\0{index}".encode()
    return hashlib.shake_256(seed).digest(BLOCK)


def replay_bytes(
    account_id: str, replay_id: str, size: int, start: int = 0, end: int | None = None
) -> bytes:
    """Bytes `start` to `end` (exclusive, default the whole size) of a replay video."""
    end = size if end is None else min(end, size)
    if start >= end:
        return b""
    first, last = start // BLOCK, (end - 1) // BLOCK
    data = b"".join(_block(account_id, replay_id, i) for i in range(first, last + 1))
    offset = first * BLOCK
    return data[start - offset : end - offset]


def replay_sha256(account_id: str, replay_id: str, size: int) -> str:
    digest = hashlib.sha256()
    for index in range((size + BLOCK - 1) // BLOCK):
        block = _block(account_id, replay_id, index)
        digest.update(block[: min(BLOCK, size - index * BLOCK)])
    return digest.hexdigest()


def _number(low: int, high: int, *parts: object) -> int:
    seed = "\0".join(str(p) for p in parts).encode()
    value = int.from_bytes(hashlib.sha256(seed).digest()[:8], "big")
    return low + value % (high - low + 1)


def export_days(range_start: datetime, range_end: datetime) -> list[date]:
    """The calendar days (Shanghai) an export covers: from the start's day, end excluded."""
    first = to_shanghai(range_start).date()
    last = to_shanghai(range_end).date()
    return [first + timedelta(days=i) for i in range((last - first).days)]


def export_csv(account_id: str, range_start: datetime, range_end: datetime) -> bytes:
    """Interaction export: per day the danmaku count, likes and peak viewers."""
    lines = ["date,danmaku,likes,peak_viewers"]
    for day in export_days(range_start, range_end):
        danmaku = _number(0, 5000, account_id, day, "danmaku")
        likes = _number(0, 80000, account_id, day, "likes")
        viewers = _number(0, 20000, account_id, day, "viewers")
        lines.append(f"{day.isoformat()},{danmaku},{likes},{viewers}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def ledger_csv(account_id: str, until: datetime, days: int = 90) -> bytes:
    """Gift ledger: every gift of the `days` before `until`, viewers pseudonymous."""
    lines = ["time,viewer,gift,count,kuaibi"]
    end = to_shanghai(until).date()
    for back in range(days, 0, -1):
        day = end - timedelta(days=back)
        rows = []
        for n in range(_number(0, 3, account_id, day, "gifts")):
            moment = datetime(day.year, day.month, day.day, 19, 0, tzinfo=SHANGHAI) + timedelta(
                minutes=_number(0, 299, account_id, day, n, "minute")
            )
            viewer = hashlib.sha256(f"{account_id}\0{day}\0{n}".encode()).hexdigest()[:8]
            gift, price = GIFTS[_number(0, len(GIFTS) - 1, account_id, day, n, "gift")]
            count = _number(1, 99, account_id, day, n, "count")
            rows.append(f"{moment.isoformat()},viewer-{viewer},{gift},{count},{count * price}")
        lines.extend(sorted(rows))
    return ("\n".join(lines) + "\n").encode("utf-8")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
