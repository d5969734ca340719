"""Plan and show as use-cases: configuration → refresh → a sealed Plan, or a saved one.

See docs/architecture.md for the flow."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from ksctl import asyncrun
from ksctl.compose import resolve_target
from ksctl.config import Config, load_config
from ksctl.config.checks import is_url
from ksctl.engine import planfile
from ksctl.engine.build import DEFAULT_OPTIONS, PlanOptions, build_plan
from ksctl.engine.plan import Plan
from ksctl.errors import KsctlError, Problem
from ksctl.platform.target import Target

# (accounts read so far, accounts to read)
RefreshProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class Planned:
    plan: Plan
    config_warnings: tuple[Problem, ...]
    notice: str | None


def select(config: Config, targets: Sequence[str]) -> frozenset[str] | None:
    if not targets:
        return None
    known = {a.id for a in config.accounts}
    unknown = [t for t in targets if t not in known]
    if unknown:
        raise KsctlError(f"--target {', '.join(unknown)}: not in the configuration")
    return frozenset(targets)


def _ci_warnings(config: Config, env: Mapping[str, str]) -> tuple[str, ...]:
    if not env.get("CI"):
        return ()
    local = sorted(
        {a.destination for a in config.accounts if a.backups and not is_url(a.destination)}
    )
    return tuple(
        f"backups go to the local folder {d} in a CI workspace, which is thrown "
        "away after the run: use a durable destination (an fsspec URL)"
        for d in local
    )


async def _plan(
    config: Config,
    only: frozenset[str] | None,
    target: Target,
    workdir: Path,
    options: PlanOptions,
    env: Mapping[str, str],
    created_at: datetime,
    progress: RefreshProgress | None,
) -> Plan:
    desired = [a for a in config.accounts if only is None or a.id in only]
    on_read = None
    if progress is not None:
        total, done = len(desired), 0

        def on_read(count: int) -> None:
            nonlocal done
            done += count
            progress(done, total)

    from ksctl.providers import read_actuals

    refreshed = await read_actuals(config, desired, workdir, env, on_read, target)
    return build_plan(
        config,
        refreshed.actuals,
        refreshed.quota,
        target=target.name,
        created_at=created_at,
        options=options,
        warnings=_ci_warnings(config, env),
        only=only,
        unreadable=refreshed.unreadable,
    )


def make_plan(
    paths: Sequence[str],
    *,
    targets: Sequence[str] = (),
    workdir: Path | None = None,
    env: Mapping[str, str] | None = None,
    options: PlanOptions = DEFAULT_OPTIONS,
    created_at: datetime | None = None,
    progress: RefreshProgress | None = None,
    target: Target | None = None,
) -> Planned:
    """Load the configuration, refresh the targeted accounts and build the plan.

    `progress(done, total)` hears of each batch of accounts read."""
    workdir = workdir or Path.cwd()
    env = os.environ if env is None else env
    config = load_config(paths or (".",))
    only = select(config, targets)
    target = target or resolve_target(env, workdir)
    from ksctl.providers import OPEN, provider_name, provider_of

    if provider_name(env) == OPEN:  # the environment chooses the real platform's provider
        options = replace(options, provider=provider_of(env))
    plan = asyncrun.run(
        _plan(
            config, only, target, workdir, options, env, created_at or datetime.now(UTC), progress
        )
    )
    return Planned(plan, config.warnings, target.notice)


def save_plan(plan: Plan, path: Path, *, text: str | None = None) -> None:
    """Save `plan` for `ksctl apply PLANFILE` and `ksctl show`; `text` is its JSON when
    already rendered (so it is rendered once)."""
    planfile.save_plan(plan, path, text=text)


def show_plan(path: Path) -> Plan:
    """A saved plan, refused (one line per problem) when it was edited after it was made."""
    return planfile.load_plan(path)
