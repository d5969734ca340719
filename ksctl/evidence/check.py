"""Is this file the export it claims to be? Format, columns, the time range it covers.

Every refusal is one line saying why, so that the person who exported the wrong file (or
the wrong account's, or a week too short) knows what to do instead.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from ksctl.errors import KsctlError

INTERACTION_COLUMNS = ("date", "danmaku", "likes", "peak_viewers")
LEDGER_COLUMNS = ("time", "viewer", "gift", "count", "kuaibi")
MAX_TABLE_BYTES = 64 << 20  # 90 days of daily rows, or a ledger, is far below this
MIN_VIDEO_BYTES = 64 << 10
MAX_VIDEO_BYTES = 16 << 30
WINDOW = timedelta(days=90)  # the app exports the last 3 months (seed §2)


class EvidenceRefused(KsctlError):
    """The file is not the evidence it claims to be."""


@dataclass(frozen=True)
class History:
    """What ksctl knows of the account's lives: enough to say what an export must cover."""

    now: datetime
    closed_at: datetime | None = None  # None: live still open, or closed when, nobody knows
    replays: dict[str, datetime] = field(default_factory=dict)  # replay id -> recorded at
    replay_sizes: dict[str, int] = field(default_factory=dict)  # where the platform says

    @property
    def end(self) -> datetime:
        return self.closed_at if self.closed_at and self.closed_at < self.now else self.now


@dataclass(frozen=True)
class Checked:
    range_start: datetime | None
    range_end: datetime | None
    rows: int | None = None


def _table(raw: bytes, columns: Sequence[str], what: str) -> list[dict[str, str]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EvidenceRefused(
            f"not a UTF-8 CSV {what}: save the app's export as CSV (UTF-8) first"
        ) from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise EvidenceRefused(f"an empty file is no {what}")
    header = [h.strip() for h in header]
    if tuple(header) != tuple(columns):
        raise EvidenceRefused(
            f"not a {what}: its columns are {','.join(header)[:120]}, expected {','.join(columns)}"
        )
    rows = []
    for number, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(columns):
            raise EvidenceRefused(f"line {number}: {len(row)} fields, expected {len(columns)}")
        rows.append(dict(zip(columns, (c.strip() for c in row), strict=True)))
    return rows


def _count(value: str, name: str, line: int) -> int:
    if not value.isdigit():
        raise EvidenceRefused(f"line {line}: {name} {value[:20]!r} is not a count")
    return int(value)


def _day_text(day: date) -> str:
    return day.isoformat()


def check_interactions(raw: bytes, history: History) -> Checked:
    """The app's interaction export: one row per day, covering the lives it must keep."""
    rows = _table(raw, INTERACTION_COLUMNS, "interaction export")
    if not rows:
        raise EvidenceRefused("the interaction export has no rows")
    days = []
    for line, row in enumerate(rows, start=2):
        try:
            days.append(date.fromisoformat(row["date"]))
        except ValueError:
            raise EvidenceRefused(f"line {line}: date {row['date'][:20]!r} is not a date") from None
        for name in INTERACTION_COLUMNS[1:]:
            _count(row[name], name, line)
    if days != sorted(set(days)):
        raise EvidenceRefused("the rows are not one per day in order: not an export of the app")
    first, last = days[0], days[-1]
    zone = history.now.tzinfo
    end = history.end.astimezone(zone).date()
    if last > history.now.astimezone(zone).date():
        raise EvidenceRefused(f"it has rows after today ({_day_text(last)}): not a real export")
    # The app's export ends the day before it was made (or before live was closed).
    if last < end - timedelta(days=1):
        raise EvidenceRefused(
            f"it ends on {_day_text(last)} but the account's interactions run to "
            f"{_day_text(end - timedelta(days=1))}: export again"
        )
    window_start = (history.end - WINDOW).astimezone(zone).date()
    lives = sorted(
        when.astimezone(zone).date()
        for when in history.replays.values()
        if when.astimezone(zone).date() >= window_start and when <= history.end
    )
    if lives and first > lives[0]:
        raise EvidenceRefused(
            f"it starts on {_day_text(first)} but the account went live on "
            f"{_day_text(lives[0])}: export the whole last 3 months"
        )
    start = datetime.combine(first, datetime.min.time(), zone)
    stop = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    return Checked(start, stop, len(rows))


def check_gift_ledger(raw: bytes, history: History) -> Checked:
    """The ledger 客服 delivers: one row per gift, in time order, none in the future."""
    rows = _table(raw, LEDGER_COLUMNS, "gift ledger")
    times = []
    for line, row in enumerate(rows, start=2):
        try:
            moment = datetime.fromisoformat(row["time"])
        except ValueError:
            raise EvidenceRefused(f"line {line}: time {row['time'][:30]!r} is not a time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=history.now.tzinfo)
        times.append(moment)
        _count(row["count"], "count", line)
        _count(row["kuaibi"], "kuaibi", line)
    if times != sorted(times):
        raise EvidenceRefused("the gifts are not in time order: not a ledger of the platform")
    if times and times[-1] > history.now:
        raise EvidenceRefused(
            f"it has gifts after now ({times[-1].isoformat()}): not a real ledger"
        )
    return Checked(times[0] if times else None, times[-1] if times else None, len(rows))


def _container(head: bytes) -> str | None:
    if head[4:8] == b"ftyp":
        return "MP4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "Matroska"
    if head[:3] == b"FLV":
        return "FLV"
    return None


def check_replay(path: Path, replay_id: str, history: History) -> Checked:
    """A replay the app downloaded: a video container of a plausible size, of a known replay."""
    if replay_id not in history.replays:
        known = ", ".join(sorted(history.replays)) or "none known"
        raise EvidenceRefused(f"no replay {replay_id} on the account ({known})")
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(16)
    if _container(head) is None:
        raise EvidenceRefused("not a video file (no MP4, Matroska or FLV header)")
    if not MIN_VIDEO_BYTES <= size <= MAX_VIDEO_BYTES:
        raise EvidenceRefused(f"{size} bytes is not a plausible size for a replay video")
    expected = history.replay_sizes.get(replay_id)
    if expected and not expected // 2 <= size <= expected * 2:
        raise EvidenceRefused(
            f"{size} bytes, but the platform lists replay {replay_id} at {expected}: another video?"
        )
    recorded = history.replays[replay_id]
    return Checked(recorded, recorded)


def read_table(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        raise EvidenceRefused(f"{size} bytes is far too large for an export")
    return path.read_bytes()
