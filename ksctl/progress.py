"""Progress on stderr for long work: a bar on a terminal only, so CI logs stay clean."""

from __future__ import annotations

import sys
from typing import Any

import click

from ksctl.apply.run import ApplyReport
from ksctl.apply.walk import AccountRun, AccountStatus
from ksctl.errors import one_line


def terminal_bar(length: int, label: str) -> Any:
    """An entered click progress bar on stderr (the caller exits it)."""
    bar = click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True)
    bar.__enter__()
    return bar


class RefreshBar:
    """A bar while a large refresh reads. Small plans finish before a bar would help, so it
    starts past one batch of reads."""

    THRESHOLD = 200

    def __init__(self) -> None:
        self.bar: Any = None

    def __enter__(self) -> RefreshBar:
        return self

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if total <= self.THRESHOLD or not sys.stderr.isatty():
                return
            self.bar = terminal_bar(total, "reading accounts")
        self.bar.update(done - self.bar.pos)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


class Progress:
    """A progress bar on a terminal; plain lines in CI and pipes."""

    def __init__(self, total: int, tty: bool) -> None:
        self.total, self.done, self.writes = total, 0, 0
        self.bar = terminal_bar(total, "applying") if tty and total else None

    def __call__(self, run: AccountRun) -> None:
        self.done += 1
        self.writes += run.writes
        if self.bar:
            self.bar.label = f"applying ({self.writes} writes)"
            self.bar.update(1)
        else:
            tail = (
                f": {run.message}"
                if run.message and run.status is not AccountStatus.converged
                else ""
            )
            click.echo(
                one_line(  # the message quotes the platform
                    f"[{self.done}/{self.total}] {run.id}: {run.status.value}, "
                    f"{run.writes} write call(s){tail}"
                ),
                err=True,
            )

    def close(self) -> None:
        if self.bar:
            self.bar.__exit__(None, None, None)


def report_lines(report: ApplyReport) -> list[str]:
    lines = []
    for run in report.runs:
        if run.status is not AccountStatus.converged:
            lines.append(f"account {run.id}: {run.status.value}: {run.message}")
    for acc in report.untouched:
        lines.append(f"account {acc.id}: {acc.status.value}, left alone: " + "; ".join(acc.errors))
    count = {s: sum(1 for r in report.runs if r.status is s) for s in AccountStatus}
    lines.append(
        f"Apply: {count[AccountStatus.converged]} converged, "
        f"{count[AccountStatus.waiting]} with work left, "
        f"{count[AccountStatus.failed]} failed; {report.writes} write call(s). "
        f"Journal: {report.journal}"
    )
    if report.exit_code == 3:
        when = report.retry_after
        lines.append(
            "Work left: run ksctl apply again"
            + (f" after {when.isoformat()}" if when else " later")
            + "."
        )
    return lines
