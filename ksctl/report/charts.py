"""Geometry of the page's SVG charts, computed here so the template only draws shapes.

Every chart is bounded whatever the fleet's size: the timeline draws one lane per date while
there are few, and one bar per day (counted) past that; trend and quota show the most recent
runs and days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ksctl.report.journals import SHANGHAI
from ksctl.report.model import DaySpent, Pending, RunPoint

LANES_MAX = 40  # past this many dates the timeline counts per day instead
TREND_RUNS = 30
WIDTH = 960


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    cls: str
    title: str = ""


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    cls: str = ""
    anchor: str = "start"


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    cls: str
    title: str


@dataclass
class Chart:
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)
    lines: list[tuple[float, float, float, float, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.rects or self.dots)


def _day(when: datetime) -> date:
    return when.astimezone(SHANGHAI).date()


def _tone(item: Pending) -> str:
    return "overdue" if item.overdue else "soon" if item.soon else "later"


def timeline(items: Sequence[Pending], now: datetime) -> Chart:
    """Dates on a day axis from today (or the earliest overdue date) to the last date."""
    if not items:
        return Chart(WIDTH, 40)
    first = min(_day(now), *(_day(i.at) for i in items))
    last = max(_day(now), *(_day(i.at) for i in items)) + timedelta(days=1)
    span = max(1, (last - first).days)
    left, right = 380 if len(items) <= LANES_MAX else 40, 20
    plot = WIDTH - left - right

    def x_of(when: datetime) -> float:
        offset = when.astimezone(SHANGHAI) - datetime.combine(first, datetime.min.time(), SHANGHAI)
        return left + plot * offset.total_seconds() / (span * 86400)

    top = 24
    if len(items) <= LANES_MAX:
        lane = 18
        height = top + lane * len(items) + 10
        chart = Chart(WIDTH, height)
        for i, item in enumerate(items):
            y = top + lane * i + lane / 2
            name = item.account_name or item.account_id
            text = f"{name}: {item.label}"
            text = text if len(text) <= 48 else text[:47] + "…"
            chart.labels.append(Label(left - 8, y + 4, text, "lane", "end"))
            chart.lines.append((left, y, WIDTH - right, y, "lane"))
            chart.dots.append(
                Dot(
                    x_of(item.at),
                    y,
                    _tone(item),
                    f"{item.account_id} {item.label} {item.at.isoformat()}",
                )
            )
    else:
        per_day: Counter[tuple[date, str]] = Counter((_day(i.at), _tone(i)) for i in items)
        days = sorted({d for d, _ in per_day})
        peak = max(sum(per_day[(d, t)] for t in ("overdue", "soon", "later")) for d in days)
        height = 180
        chart = Chart(WIDTH, height)
        bar = max(2.0, plot / span - 2)
        base = height - 20
        for d in days:
            x = x_of(datetime.combine(d, datetime.min.time(), SHANGHAI))
            y = base
            for tone in ("overdue", "soon", "later"):
                n = per_day[(d, tone)]
                if not n:
                    continue
                h = (base - top) * n / peak
                y -= h
                chart.rects.append(Rect(x, y, bar, h, tone, f"{d.isoformat()}: {n} {tone}"))
        chart.labels.append(Label(left, top - 8, f"at most {peak} a day", "axis"))
    step = max(1, span // 10)
    for k in range(0, span + 1, step):
        d = first + timedelta(days=k)
        x = x_of(datetime.combine(d, datetime.min.time(), SHANGHAI))
        chart.labels.append(Label(x, chart.height - 2, d.strftime("%m-%d"), "axis", "middle"))
    now_x = x_of(now)
    chart.lines.append((now_x, top - 14, now_x, chart.height - 14, "now"))
    chart.labels.append(Label(now_x + 3, top - 6, "now", "now"))
    return chart


def trend(runs: Sequence[RunPoint]) -> Chart:
    """Accounts converged, with work left and failed at each of the most recent applies."""
    recent = list(runs)[-TREND_RUNS:]
    height, top, base = 140, 10, 120
    chart = Chart(WIDTH // 2, height)
    if not recent:
        return chart
    peak = max(1, *(r.converged + r.waiting + r.failed for r in recent))
    slot = (chart.width - 20) / max(len(recent), 10)
    for i, r in enumerate(recent):
        x, y = 10 + slot * i, float(base)
        when = r.started_at.isoformat(timespec="minutes") if r.started_at else r.run
        for cls, n in (("converged", r.converged), ("waiting", r.waiting), ("failed", r.failed)):
            if n:
                h = (base - top) * n / peak
                y -= h
                chart.rects.append(
                    Rect(x, y, slot * 0.8, h, cls, f"{when}: {n} {cls}, exit {r.exit_code}")
                )
        chart.labels.append(Label(x + slot * 0.4, height - 4, str(i + 1), "axis", "middle"))
    return chart


def spent(days: Sequence[DaySpent], per_day: int | None) -> Chart:
    """Write calls spent per platform day, against the daily quota."""
    height, top, base = 140, 10, 120
    chart = Chart(WIDTH // 2, height)
    if not days:
        return chart
    peak = max(per_day or 0, *(d.writes for d in days), 1)
    slot = (chart.width - 20) / max(len(days), 10)
    for i, d in enumerate(days):
        h = (base - top) * d.writes / peak
        chart.rects.append(
            Rect(
                10 + slot * i, base - h, slot * 0.8, h, "spent", f"{d.day}: {d.writes} write calls"
            )
        )
        chart.labels.append(
            Label(10 + slot * (i + 0.4), height - 4, d.day.strftime("%m-%d"), "axis", "middle")
        )
    if per_day:
        y = base - (base - top) * per_day / peak
        chart.lines.append((10, y, chart.width - 10, y, "quota"))
        chart.labels.append(Label(chart.width - 10, y - 3, f"quota {per_day}/day", "axis", "end"))
    return chart
