"""The HTML page: self-contained, escaped, bounded for large fleets."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from ksctl.report.html import render_html
from ksctl.report.model import AccountRow, Pending, QuotaView, Report, Risk, RunPoint, State
from tests.conftest import ROOT
from tests.report.conftest import ACCOUNTS, WORLD, Here

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def parse(page: str) -> Elements:
    found = Elements()
    found.feed(page)
    return found


def test_names_and_titles_from_the_platform_are_text_never_markup(here: Here) -> None:
    here.ksctl("sandbox", "seed", str(WORLD))
    out = here.root / "report.html"
    assert here.ksctl("report", str(ACCOUNTS), "--out", str(out)).exit_code == 0
    page = out.read_text(encoding="utf-8")
    found = parse(page)
    assert len([t for t, _ in found.tags if t == "script"]) == 1  # the page's own, only
    assert not [t for t, _ in found.tags if t == "img"]
    assert not [a for _, attrs in found.tags for a in attrs if a.startswith("on")]
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in page
    assert "alert(" not in "".join(found.scripts)


def test_the_page_needs_nothing_from_the_network(here: Here) -> None:
    out = here.root / "report.html"
    assert (
        here.ksctl("report", str(ROOT / "examples" / "accounts.yaml"), "--out", str(out)).exit_code
        == 0
    )
    page = out.read_text(encoding="utf-8")
    found = parse(page)
    for tag, attrs in found.tags:
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            assert name not in attrs, (tag, attrs)
    assert not re.search(r"url\(|@import|https?://", page)
    (csp,) = [a["content"] for t, a in found.tags if t == "meta" and a.get("http-equiv")]
    assert csp is not None and csp.startswith("default-src 'none';")
    assert "unsafe-inline" not in csp and "'sha256-" in csp


def _fleet(size: int) -> Report:
    rows, dates = [], []
    for i in range(size):
        state = list(State)[i % len(State)]
        rows.append(
            AccountRow(
                id=f"acct{i:05d}",
                name=f"主播{i}",
                state=state,
                why="waits for the gift-ledger ticket",
                next_step="ksctl apply accounts/",
                left=(f"acct{i:05d}/download_gift_ledger",),
            )
        )
        dates.append(
            Pending(
                account_id=f"acct{i:05d}",
                kind="gift_ledger_ticket",
                at=NOW + timedelta(hours=i % 200),
                label="gift-ledger ticket expected",
                soon=i % 200 < 72,
                overdue=False,
            )
        )
    return Report(
        ksctl_version="test",
        generated_at=NOW,
        target="embedded-sandbox",
        plan_checksum="sha256:" + "0" * 64,
        counts={s: sum(1 for r in rows if r.state is s) for s in State},
        accounts=tuple(rows),
        timeline=tuple(dates),
        quota=QuotaView(write_calls_needed=size, days_to_converge=size // 100),
        risks=tuple(Risk(account_id=r.id, severity="at_risk", message="x") for r in rows[:500]),
        runs=tuple(RunPoint(run=f"run{i}", converged=i, waiting=size - i) for i in range(100)),
    )


def test_ten_thousand_accounts_page_and_no_ten_thousand_shape_chart() -> None:
    page = render_html(_fleet(10_000))
    found = parse(page)
    rows = [a for t, a in found.tags if t == "tr" and "data-account" in a]
    assert len(rows) == 10_000  # every account is in the page, searchable
    assert sum(1 for a in rows if "hidden" not in a) == 50  # one page shown at a time
    shapes = [t for t, _ in found.tags if t in ("rect", "circle", "line", "text")]
    assert len(shapes) < 400  # the timeline counts per day instead of a lane per date
    assert len(page) < 12_000_000
