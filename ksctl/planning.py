"""The plan, show and import commands' work: config → refresh → Plan, or a saved Plan."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from ksctl import asyncrun
from ksctl.compose import resolve_target
from ksctl.config import Config, load_config
from ksctl.config.checks import is_url
from ksctl.contract.wire import AccountState
from ksctl.engine.build import DEFAULT_OPTIONS, PlanOptions, build_plan, destination_of
from ksctl.engine.plan import Plan
from ksctl.errors import KsctlError, Problem
from ksctl.platform.target import Target, open_client

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
        {destination_of(a) for a in config.accounts if a.backups and not is_url(destination_of(a))}
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
) -> Planned:
    """Load the configuration, refresh the targeted accounts and build the plan.

    `progress(done, total)` hears of each batch of accounts read."""
    workdir = workdir or Path.cwd()
    env = os.environ if env is None else env
    config = load_config(paths or (".",))
    only = select(config, targets)
    target = resolve_target(env, workdir)
    from ksctl.providers import OPEN, provider_name, provider_of

    if provider_name(env) == OPEN:  # the environment chooses the real platform's provider
        options = replace(options, provider=provider_of(env))
    plan = asyncrun.run(
        _plan(
            config, only, target, workdir, options, env, created_at or datetime.now(UTC), progress
        )
    )
    return Planned(plan, config.warnings, target.notice)


# ---- import ---------------------------------------------------------------------------


def as_desired(state: AccountState) -> dict[str, Any]:
    """The account's actual state as desired-state configuration that plans to no change."""
    now_pending = [s for s in state.schedules if s.status == "pending"]
    return {
        "id": state.id,
        **({"name": state.name} if state.name else {}),
        "live": {"permission": state.live.permission.value},
        "schedules": "keep" if now_pending else "cleared",
        "certification": {"live_certified": state.certification.live_certified},
        "privacy": {"purge_viewer_phone_numbers": state.interactions.viewer_phone_numbers == 0},
        "monetization": {
            "short_video_tipping": state.monetization.short_video_tipping.value,
            "shopping_cart": state.monetization.shopping_cart.value,
        },
    }


def import_accounts(
    ids: Sequence[str], *, workdir: Path | None = None, env: Mapping[str, str] | None = None
) -> tuple[str, str | None]:
    """Desired-state YAML for existing accounts, and the target notice."""
    workdir = workdir or Path.cwd()
    target = resolve_target(os.environ if env is None else env, workdir)

    async def read() -> Any:
        async with open_client(target) as client:
            return await client.get_accounts(list(ids))

    found = asyncrun.run(read())
    if found.missing:
        raise KsctlError(f"no such account on the platform: {', '.join(found.missing)}")
    document = {"version": 1, "accounts": [as_desired(found.accounts[i]) for i in ids]}
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    header = "# Imported by `ksctl import`: the accounts' state as the platform reports it.\n"
    return header + text, target.notice
