"""`ksctl apply` with the kuaishou-open provider: what the API allows, then the checklist.

The real platform's API performs none of a closure's actions, so apply writes nothing:
its refresh renews the accounts' tokens and checks their identity and works, then it
prints what people must do now and exits 3 while anything waits on a person. A step is
never claimed done: only the next refresh, reading evidence and attestations, drops it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import click

from ksctl.engine.build import PlanOptions
from ksctl.engine.plan import Plan, Status

EXIT_OK, EXIT_ERROR, EXIT_LEFT = 0, 1, 3


def outcome(plan: Plan) -> tuple[int, str]:
    """The exit code and the one-line summary of an apply on the real platform."""
    waiting = sum(1 for a in plan.actions() if a.manual)
    accounts = sum(1 for a in plan.accounts if any(x.manual for x in a.actions))
    if plan.has_errors:
        bad = ", ".join(a.id for a in plan.accounts if a.status is Status.error)
        return EXIT_ERROR, f"Apply: errors on {bad}; nothing was changed"
    if waiting:
        return EXIT_LEFT, (
            f"Apply: {waiting} step(s) on {accounts} account(s) wait on people in the app "
            "(the checklist above); record each with `ksctl evidence add` or `ksctl confirm`, "
            "then run ksctl apply again"
        )
    if any(a.status is Status.blocked for a in plan.accounts):
        return EXIT_LEFT, "Apply: blocked accounts left (see above); run ksctl apply again later"
    return EXIT_OK, "Apply: every account is as configured; nothing waits on anyone"


def apply_open(
    paths: Sequence[str],
    *,
    targets: Sequence[str],
    workdir: Path,
    env: Mapping[str, str],
    options: PlanOptions,
) -> int:
    from ksctl.app.apply import is_plan_file
    from ksctl.app.plan import make_plan
    from ksctl.engine.planfile import load_plan
    from ksctl.render.checklist import render_checklist

    if is_plan_file(paths):
        plan = load_plan(Path(paths[0]))
    else:
        plan = make_plan(paths, targets=targets, workdir=workdir, env=env, options=options).plan
    click.echo(render_checklist(plan), nl=False)
    code, line = outcome(plan)
    click.echo(line, err=True)
    return code
