"""`ksctl apply --json`: the run's progress as JSON lines on stdout, for CI dashboards.

One object a line, each with `type` and `at` (as Terraform's `-json`):

    run_started       run, target, plan (checksum), accounts
    account_started   account, actions
    action_done       account, address, action, outcome (done|already), writes
    action_failed     account, address, action, reason, writes
    action_waiting    account, address, action, outcome (waiting|left|skipped), reason
    account_finished  account, status (converged|waiting|failed), writes, message, retry_after
    run_finished      exit_code, writes, converged, waiting, failed, journal (or reason)

The events are read from the journal as it is written, so they say what the journal says,
redacted by the same redactor: no secret, code or phone number reaches them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from ksctl.apply.walk import AccountRun, AccountStatus

DONE = frozenset({"done", "already"})


class JsonEvents:
    def __init__(self, out: TextIO | None = None, clock: Callable[[], datetime] | None = None):
        self._out = out or sys.stdout
        self._clock = clock or (lambda: datetime.now(UTC))
        self._started: set[str] = set()
        self._actions: dict[str, int] = {}
        self.finished = False

    def emit(self, type_: str, **fields: Any) -> None:
        entry = {"type": type_, "at": self._clock().isoformat(timespec="milliseconds"), **fields}
        self._out.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
        self._out.flush()

    def actions_of(self, counts: dict[str, int]) -> None:
        """How many actions each account has in the plan (for account_started)."""
        self._actions = dict(counts)

    def journal(self, entry: dict[str, Any]) -> None:
        """A journal entry, already redacted, as it is recorded."""
        event = entry.get("event")
        if event == "begin":
            self.emit(
                "run_started",
                run=entry.get("run"),
                target=entry.get("target"),
                plan=entry.get("plan"),
                accounts=entry.get("accounts", []),
            )
        elif event == "start":
            account = str(entry.get("address", "")).split("/", 1)[0]
            if account not in self._started:
                self._started.add(account)
                self.emit("account_started", account=account, actions=self._actions.get(account))
        elif event == "end":
            self._action(entry)
        elif event == "finish":
            self.finished = True  # run_finished follows from the command, with the journal
        elif event == "interrupted":
            self.emit("run_finished", exit_code=130, reason="interrupted")
            self.finished = True

    def _action(self, entry: dict[str, Any]) -> None:
        address = str(entry.get("address", ""))
        outcome = entry.get("outcome")
        common = {
            "account": address.split("/", 1)[0],
            "address": address,
            "action": address.split("/", 1)[-1].split("[", 1)[0],
            "writes": entry.get("writes", 0),
        }
        if outcome in DONE:
            self.emit("action_done", outcome=outcome, **common)
        elif outcome == "failed":
            self.emit("action_failed", reason=entry.get("message", ""), **common)
        else:
            self.emit("action_waiting", outcome=outcome, reason=entry.get("message", ""), **common)

    def account_finished(self, run: AccountRun) -> None:
        self.emit(
            "account_finished",
            account=run.id,
            status=run.status.value,
            writes=run.writes,
            message=run.message,
            retry_after=run.retry_after.isoformat() if run.retry_after else None,
        )

    def run_finished(
        self,
        exit_code: int,
        runs: list[AccountRun] | None = None,
        journal: Path | None = None,
        reason: str | None = None,
    ) -> None:
        runs = runs or []
        count = {s.value: sum(1 for r in runs if r.status is s) for s in AccountStatus}
        fields: dict[str, Any] = {
            "exit_code": exit_code,
            "writes": sum(r.writes for r in runs),
            **count,
        }
        if journal is not None:
            fields["journal"] = str(journal)
        if reason:
            fields["reason"] = reason
        self.emit("run_finished", **fields)
        self.finished = True
