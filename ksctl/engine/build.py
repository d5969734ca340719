"""From desired and actual state to a sealed Plan: pure, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ksctl.config import Config
from ksctl.config.model import DesiredAccount
from ksctl.contract.wire import Quota
from ksctl.engine.action import Action
from ksctl.engine.actual import ActualAccount
from ksctl.engine.catalogue import build_actions
from ksctl.engine.checks import check
from ksctl.engine.diff import changes
from ksctl.engine.graph import order
from ksctl.engine.guarantee import held
from ksctl.engine.plan import (
    DEFAULT_TTL,
    AccountPlan,
    Plan,
    Status,
    Summary,
    days_to_converge,
    safety,
)
from ksctl.engine.provider import MODELLED_API, Provider


@dataclass(frozen=True)
class PlanOptions:
    max_close_share: float = 0.5
    max_close_count: int = 50
    provider: Provider = MODELLED_API


DEFAULT_OPTIONS = PlanOptions()


def performed_by(provider: Provider, action: Action) -> Action:
    """The action as `provider` performs it: through the API, or a manual step in the app
    (no write call; the app asks for its own SMS code)."""
    step = provider.manual_step(action.type)
    if step is None:
        return action
    return action.model_copy(update={"manual": step, "write_calls": 0, "needs_verification": False})


def plan_account(
    desired: DesiredAccount,
    actual: ActualAccount | None,
    provider: Provider = MODELLED_API,
    unreadable: str | None = None,
) -> AccountPlan:
    name = desired.name
    if actual is None:
        return AccountPlan(
            id=desired.id,
            name=name,
            status=Status.error,
            errors=(unreadable or "no such account on the platform (check the id)",),
        )
    if unsafe := actual.unsafe_replay_ids():
        # An id that would climb out of the backup folder: this account's error, not the plan's.
        return AccountPlan(
            id=desired.id,
            name=name or actual.state.name or None,
            status=Status.error,
            version=actual.state.version,
            errors=(
                f"the platform lists replay id(s) {', '.join(repr(u) for u in unsafe[:5])} "
                "that cannot be file names (a path such as ../x): nothing is planned for "
                "this account; report it to the platform",
            ),
        )
    changed = changes(desired, actual)
    actions = order(build_actions(desired, actual, changed))
    found = check(desired, actual, changed, actions)
    status = (
        Status.error
        if found.errors
        else Status.blocked
        if found.blockers
        else Status.changes
        if actions
        else Status.in_sync
    )
    backups_held = held(desired, actual, actions)
    return AccountPlan(
        id=desired.id,
        name=name or actual.state.name or None,
        status=status,
        version=actual.state.version,
        actions=tuple(performed_by(provider, a) for a in actions),
        warnings=actual.notes + (tuple(found.warnings) if actions else ()),
        errors=tuple(found.errors + found.blockers),
        sources=actual.sources,
        destination=desired.destination
        if backups_held or any(a.type.spec.backup for a in actions)
        else None,
        backups_held=backups_held,
    )


def build_plan(
    config: Config,
    actuals: Mapping[str, ActualAccount],
    quota: Quota | None,
    *,
    target: str,
    created_at: datetime,
    options: PlanOptions = DEFAULT_OPTIONS,
    warnings: tuple[str, ...] = (),
    only: frozenset[str] | None = None,
    unreadable: Mapping[str, str] | None = None,
) -> Plan:
    """`unreadable`: accounts not in `actuals` because their authorization is gone, and why."""
    desired = sorted(
        (a for a in config.accounts if only is None or a.id in only), key=lambda a: a.id
    )
    lost = unreadable or {}
    accounts = tuple(
        plan_account(d, actuals.get(d.id), options.provider, lost.get(d.id)) for d in desired
    )
    count = {s: sum(1 for a in accounts if a.status is s) for s in Status}
    runnable = [a.write_calls for a in accounts if a.status is Status.changes]
    summary = Summary(
        accounts=len(accounts),
        in_sync=count[Status.in_sync],
        changes=count[Status.changes],
        blocked=count[Status.blocked],
        errors=count[Status.error],
        actions=sum(len(a.actions) for a in accounts),
        write_calls=sum(a.write_calls for a in accounts),
        quota_remaining_today=quota.remaining if quota else None,
        quota_per_day=quota.per_day if quota else None,
        days_to_converge=days_to_converge(
            runnable, quota.remaining if quota else None, quota.per_day if quota else None
        ),
    )
    plan = Plan(
        created_at=created_at,
        expires_at=created_at + DEFAULT_TTL,
        target=target,
        accounts=accounts,
        summary=summary,
        safety=safety(
            accounts,
            max_close_share=options.max_close_share,
            max_close_count=options.max_close_count,
        ),
        warnings=warnings,
    )
    return plan.sealed()
