"""What the report reads: the configuration, a fresh refresh (platform and backup store),
the plan from them, the stored manifests and the journals of past applies."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from ksctl import asyncrun
from ksctl.app.plan import _ci_warnings, select
from ksctl.backups.manifest import BackupKind, Manifest
from ksctl.backups.store import BackupStore, open_sink
from ksctl.compose import resolve_target
from ksctl.config import load_config
from ksctl.config.model import DesiredAccount
from ksctl.engine.actual import ActualAccount
from ksctl.engine.build import DEFAULT_OPTIONS, PlanOptions, build_plan
from ksctl.engine.refresh import Refreshed
from ksctl.home import state_dir
from ksctl.report.build import Inputs, build_report
from ksctl.report.journals import read_runs
from ksctl.report.model import Report


def manifests_of(
    desired: Sequence[DesiredAccount], actuals: Mapping[str, ActualAccount], workdir: Path
) -> dict[str, list[Manifest]]:
    """Every manifest the store holds for each account that states backups."""
    stores: dict[str, BackupStore] = {}
    found: dict[str, list[Manifest]] = {}
    for d in desired:
        actual = actuals.get(d.id)
        if d.backups is None or actual is None:
            continue
        dest = d.destination
        store = stores.get(dest) or stores.setdefault(dest, BackupStore(open_sink(dest, workdir)))
        wanted = [(BackupKind.interactions, None), (BackupKind.gift_ledger, None)]
        wanted += [(BackupKind.replay, r.id) for r in actual.state.replays]
        held = [store.manifest(kind, d.id, target) for kind, target in wanted]
        found[d.id] = [m for m in held if m is not None]
    return found


def apply_command(paths: Sequence[str]) -> str:
    return "ksctl apply" + "".join(f" {shlex.quote(p)}" for p in paths)


def make_report(
    paths: Sequence[str],
    *,
    targets: Sequence[str] = (),
    workdir: Path | None = None,
    env: Mapping[str, str] | None = None,
    options: PlanOptions = DEFAULT_OPTIONS,
) -> tuple[Report, str | None]:
    """The report of the accounts in `paths`, and the target notice (embedded sandbox)."""
    workdir = workdir or Path.cwd()
    env = os.environ if env is None else env
    config = load_config(paths or (".",))
    only = select(config, targets)
    target = resolve_target(env, workdir)
    desired = [a for a in config.accounts if only is None or a.id in only]

    from ksctl.providers import OPEN, provider_name, provider_of, read_actuals

    if provider_name(env) == OPEN:  # the environment chooses the real platform's provider
        options = replace(options, provider=provider_of(env))
    refreshed: Refreshed = asyncrun.run(read_actuals(config, desired, workdir, env, None, target))
    plan = build_plan(
        config,
        refreshed.actuals,
        refreshed.quota,
        target=target.name,
        created_at=refreshed.now,
        options=options,
        warnings=_ci_warnings(config, env),
        only=only,
    )
    inputs = Inputs(
        plan=plan,
        desired={d.id: d for d in desired},
        actuals=refreshed.actuals,
        manifests=manifests_of(desired, refreshed.actuals, workdir),
        runs=read_runs(state_dir(workdir)),
        quota=refreshed.quota,
        now=refreshed.now,
        apply_command=apply_command(paths),
    )
    return build_report(inputs), target.notice
