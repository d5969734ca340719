"""`ksctl apply`: from a saved plan or from configuration; progress, confirmation, report."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import click

from ksctl.apply.events import JsonEvents
from ksctl.apply.run import EXIT_OK, EXIT_REFUSED, ApplyReport, Refused, apply_plan
from ksctl.apply.walk import AccountRun, AccountStatus
from ksctl.compose import resolve_target
from ksctl.engine.build import PlanOptions
from ksctl.engine.plan import Plan
from ksctl.engine.planfile import PlanRefused, load_plan
from ksctl.errors import ConfigError
from ksctl.planning import make_plan
from ksctl.progress import terminal_bar
from ksctl.render.text import render_text


def is_plan_file(paths: Sequence[str]) -> bool:
    if len(paths) != 1 or not Path(paths[0]).is_file():
        return False
    try:
        with open(paths[0], "rb") as handle:
            head = handle.read(4096).lstrip()
    except OSError:
        return False
    if not head.startswith(b"{"):
        return False
    try:
        return "format_version" in json.loads(Path(paths[0]).read_bytes())
    except ValueError:
        return False


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
                f"[{self.done}/{self.total}] {run.id}: {run.status.value}, "
                f"{run.writes} write call(s){tail}",
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


def run_apply(
    paths: Sequence[str],
    *,
    auto_approve: bool,
    targets: Sequence[str],
    force: bool,
    parallelism: int,
    options: PlanOptions,
    env: Mapping[str, str] | None = None,
    workdir: Path | None = None,
    events: JsonEvents | None = None,
) -> int:
    """Apply; with `events`, progress goes to them as JSON lines and the plan to stderr."""
    env = os.environ if env is None else env
    workdir = workdir or Path.cwd()
    target = resolve_target(env, workdir)
    if target.notice:
        click.echo(target.notice, err=True)
    from ksctl.providers import OPEN, provider_name

    if provider_name(env) == OPEN:  # people do the steps: the checklist, exit 3
        from ksctl.openplatform.apply import apply_open

        return apply_open(paths, targets=targets, workdir=workdir, env=env, options=options)
    plan: Plan
    if is_plan_file(paths):
        if targets:
            raise Refused("--target cannot narrow a saved plan: plan again with --target")
        try:
            plan = load_plan(Path(paths[0]))
        except PlanRefused as exc:  # refused before any write, like a stale plan
            raise ConfigError(exc.problems, exit_code=EXIT_REFUSED) from None
    else:
        plan = make_plan(paths, targets=targets, workdir=workdir, env=env, options=options).plan
        color = sys.stdout.isatty() and "NO_COLOR" not in env and events is None
        click.echo(render_text(plan, color=color), nl=False, err=events is not None)
        if not plan.has_changes:
            code = 1 if plan.has_errors else EXIT_OK
            if events:
                events.run_finished(code, reason="nothing to change")
            return code
        if not auto_approve:
            if not sys.stdin.isatty():
                raise Refused(
                    "no terminal to confirm on: review the plan, then pass --auto-approve"
                )
            if not click.confirm("Apply this plan?", err=True):
                raise Refused("not approved; nothing was changed")
    tty = sys.stderr.isatty() and events is None
    total = sum(1 for a in plan.accounts if a.actions and a.status.value == "changes")
    progress = Progress(total, tty)
    if events:
        events.actions_of({a.id: len(a.actions) for a in plan.accounts})
    try:
        report = apply_plan(
            plan,
            target,
            target.name,
            workdir=workdir,
            env=env,
            force=force,
            parallelism=parallelism,
            on_done=events.account_finished if events else progress,
            on_event=events.journal if events else None,
        )
    finally:
        progress.close()
    if events:
        events.run_finished(report.exit_code, report.runs, report.journal)
    for line in report_lines(report):
        click.echo(line, err=True)
    return report.exit_code
