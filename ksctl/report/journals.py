"""Past applies, read back from their journals (`.ksctl/journal/*.jsonl`), tolerantly.

A journal is written by an apply that may have been cut off, by an older or newer ksctl:
lines that are not JSON, events this reader does not know and fields it does not expect are
skipped, never an error. What it gives the report is per run: when, the exit code, write
calls, each account's outcome; and write calls spent per platform day.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

SHANGHAI = timezone(timedelta(hours=8))  # the platform's quota day starts at 00:00 here
DONE = frozenset({"done", "already"})


@dataclass
class RunRecord:
    run: str
    started_at: datetime | None = None
    finished_at: datetime | None = None
    exit_code: int | None = None
    interrupted: bool = False
    writes: int = 0
    accounts: list[str] = field(default_factory=list)
    # account -> outcomes of its actions in this run, and the first message that explains
    outcomes: dict[str, list[str]] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    writes_by_day: Counter[date] = field(default_factory=Counter)
    # the platform's clock less this machine's, when the run recorded it (a sandbox's clock
    # is virtual): write times are moved by it onto the platform's quota days
    skew: timedelta = timedelta(0)

    def account_status(self, account_id: str) -> str:
        """converged, waiting (work left) or failed, as apply's own report says."""
        outcomes = self.outcomes.get(account_id)
        if not outcomes:
            return "waiting"  # named by the run, never started (quota) or cut off
        if "failed" in outcomes:
            return "failed"
        return "converged" if set(outcomes) <= DONE else "waiting"

    def counts(self) -> dict[str, int]:
        tally = Counter(self.account_status(a) for a in self.accounts)
        return {s: tally.get(s, 0) for s in ("converged", "waiting", "failed")}


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _account_of(entry: dict[str, Any]) -> str | None:
    address = entry.get("address")
    return address.split("/", 1)[0] if isinstance(address, str) and "/" in address else None


def read_run(path: Path) -> RunRecord | None:
    """One journal; None when it holds no run at all (empty, or not a journal)."""
    record = RunRecord(run=path.stem)
    seen = False
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut off by a crash
        if not isinstance(entry, dict):
            continue
        seen = True
        event, at = entry.get("event"), _time(entry.get("at"))
        if event == "begin":
            record.started_at = at
            accounts = entry.get("accounts")
            if isinstance(accounts, list):
                record.accounts = [a for a in accounts if isinstance(a, str)]
        elif event == "end":
            account = _account_of(entry)
            if account is None:
                continue
            outcome = entry.get("outcome")
            record.outcomes.setdefault(account, []).append(str(outcome))
            message = entry.get("message")
            if message and outcome not in DONE and account not in record.messages:
                record.messages[account] = str(message)
            writes = entry.get("writes")
            if isinstance(writes, int) and writes > 0:
                record.writes += writes
                if at is not None:
                    day = (at + record.skew).astimezone(SHANGHAI).date()
                    record.writes_by_day[day] += writes
        elif event == "platform_clock":
            platform = _time(entry.get("now"))
            if platform is not None and at is not None:
                record.skew = platform - at
        elif event == "finish":
            record.finished_at = at
            code = entry.get("exit_code")
            record.exit_code = code if isinstance(code, int) else None
        elif event == "interrupted":
            record.interrupted = True
            record.finished_at = at
        # any other event (added by a later ksctl) says nothing the report needs
    if not seen:
        return None
    for account in record.outcomes:
        if account not in record.accounts:
            record.accounts.append(account)
    return record


def read_runs(home: Path, limit: int = 60) -> list[RunRecord]:
    """The last `limit` runs under `home/journal`, oldest first (run ids sort in time order)."""
    folder = home / "journal"
    if not folder.is_dir():
        return []
    paths = sorted(p for p in folder.glob("*.jsonl") if p.is_file())[-limit:]
    return [r for r in (read_run(p) for p in paths) if r is not None]
