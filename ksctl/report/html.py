"""The report as one self-contained HTML page: inline CSS, SVG and a little script.

Jinja2 with autoescaping: account names, titles and messages come from the platform and
must not inject markup. The page's Content-Security-Policy allows nothing from the network
and only the exact inline style and script it ships (by hash), so even a name that got past
the escaping could neither run a script nor fetch anything.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ksctl.report import charts
from ksctl.report.journals import SHANGHAI
from ksctl.report.model import Report, State

TEMPLATES = Path(__file__).parent / "templates"
NOSCRIPT_CSS = "tr[hidden] { display: table-row; }"
KIND_LABELS = {
    "gift_ledger_ticket": "gift-ledger tickets",
    "takedown_review": "takedown reviews",
    "export_job": "interaction exports",
    "export_deadline": "export deadlines",
    "ban_ends": "bans ending",
}
TIMELINE_ROWS = 500  # dates listed under the chart; the chart and the JSON have them all
SEVERITIES = (("lost", "lost"), ("at_risk", "at risk"), ("warning", "warning"))


def _when(value: datetime) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _size(count: int) -> str:
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"  # pragma: no cover - the loop always returns


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["when"] = _when
    env.filters["size"] = _size
    return env


def render_html(report: Report) -> str:
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    csp = (
        "default-src 'none'; "
        f"style-src {_hash(css)} {_hash(NOSCRIPT_CSS)}; "
        f"script-src {_hash(script)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    held = [h for a in report.accounts for h in a.backups.held]
    kinds = sorted({p.kind for p in report.timeline})
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            r=report,
            css=Markup(css),
            noscript_css=Markup(NOSCRIPT_CSS),
            script=Markup(script),
            csp=csp,
            trend=charts.trend(report.runs),
            timeline=charts.timeline(report.timeline, report.generated_at),
            spent=charts.spent(report.quota.spent_per_day, report.quota.per_day),
            backups={
                "count": len(held),
                "bytes": sum(h.size_bytes for h in held),
                "missing": sum(len(a.backups.missing) for a in report.accounts),
            },
            kinds=[(k, KIND_LABELS.get(k, k)) for k in kinds],
            severities=SEVERITIES,
            timeline_rows=TIMELINE_ROWS,
            states=[(s.value, s.label) for s in State],
        )
    )
