"""Apply as use-cases: what to apply (a saved plan, or a plan made now), then applying it.

The command line asks for approval and shows progress between the two; nothing here
prompts or prints.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ksctl.app.plan import make_plan
from ksctl.apply.run import EXIT_REFUSED, ApplyReport, Refused, apply_plan
from ksctl.apply.walk import AccountRun
from ksctl.engine.build import PlanOptions
from ksctl.engine.plan import Plan
from ksctl.engine.planfile import PlanRefused, load_plan, looks_like_plan
from ksctl.engine.signing import check_signature
from ksctl.errors import ConfigError
from ksctl.platform.target import Target


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
    if looks_like_plan(head):  # a plan even if cut short: load_plan says what is wrong
        return True
    try:
        return "format_version" in json.loads(Path(paths[0]).read_bytes())
    except ValueError:
        return False


@dataclass(frozen=True)
class ToApply:
    """The plan an apply would execute, the target it goes to, and whether it was saved
    (reviewed already) or made just now (to be shown and approved first)."""

    plan: Plan
    target: Target
    saved: bool

    @property
    def accounts(self) -> int:
        """Accounts with work to do."""
        return sum(1 for a in self.plan.accounts if a.actions and a.status.value == "changes")


def prepare_apply(
    paths: Sequence[str],
    target: Target,
    *,
    targets: Sequence[str],
    options: PlanOptions,
    env: Mapping[str, str] | None = None,
    workdir: Path | None = None,
) -> ToApply:
    """A saved plan (refused before any write when edited), or a plan of the configuration."""
    env = os.environ if env is None else env
    workdir = workdir or Path.cwd()
    if is_plan_file(paths):
        if targets:
            raise Refused("--target cannot narrow a saved plan: plan again with --target")
        try:
            saved = load_plan(Path(paths[0]))
        except PlanRefused as exc:  # refused before any write, like a stale plan
            raise ConfigError(exc.problems, exit_code=EXIT_REFUSED) from None
        check_signature(saved, env)  # with KSCTL_PLAN_KEY set: signed by it, or refused
        return ToApply(saved, target, saved=True)
    planned = make_plan(
        paths, targets=targets, workdir=workdir, env=env, options=options, target=target
    )
    plan = planned.plan
    return ToApply(plan, target, saved=False)


def execute_apply(
    todo: ToApply,
    *,
    force: bool,
    parallelism: int,
    env: Mapping[str, str] | None = None,
    workdir: Path | None = None,
    on_done: Callable[[AccountRun], None] = lambda run: None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> ApplyReport:
    """Apply the plan to its target: refused (exit 4) before any write when it must be."""
    return apply_plan(
        todo.plan,
        todo.target,
        todo.target.name,
        workdir=workdir or Path.cwd(),
        env=os.environ if env is None else env,
        force=force,
        parallelism=parallelism,
        on_done=on_done,
        on_event=on_event,
    )
