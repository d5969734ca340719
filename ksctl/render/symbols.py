"""What the renderers share: how an action reads in a diff (its symbol is its spec's), the
accounts in sync."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ksctl.engine.action import Action
from ksctl.engine.plan import AccountPlan, Plan, Status

# Accounts in sync are named up to this many, then counted: a drift check of thousands of
# converged accounts must not print them all.
IN_SYNC_LISTED = 50


def in_sync(plan: Plan, name: Callable[[str], str] = str, more_hint: str = "") -> str | None:
    """The accounts in sync, named up to IN_SYNC_LISTED then counted; None when none is."""
    ids = [a.id for a in plan.accounts if a.status is Status.in_sync]
    if not ids:
        return None
    more = len(ids) - IN_SYNC_LISTED
    return ", ".join(name(i) for i in ids[:IN_SYNC_LISTED]) + (
        f" and {more} more{more_hint}" if more > 0 else ""
    )


def symbol(action: Action) -> str:
    """Create (+), change (~) or remove (-)."""
    return action.type.spec.symbol


def show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def change(action: Action) -> str:
    before, after = show(action.before), show(action.after)
    return f"{before} -> {after}" if before or after else ""


def notes(action: Action) -> list[str]:
    out = []
    if action.manual:
        out.append(f"manual, in the app: {action.manual}")
    if action.irreversible:
        out.append("irreversible")
    if action.needs_verification:
        out.append("needs SMS verification")
    if action.write_calls:
        out.append(f"{action.write_calls} write call{'s' * (action.write_calls != 1)}")
    return out


def source_lines(acc: AccountPlan) -> list[str]:
    """Where the plan's values came from, grouped: observed, attested, not seen (a provider
    that cannot observe everything fills `sources`; the modelled API leaves it empty)."""
    groups: dict[str, list[str]] = {}
    for source in acc.sources:
        detail = f" ({source.detail})" if source.detail else ""
        groups.setdefault(source.how, []).append(f"{source.value} {source.shown}{detail}")
    order = ["observed", "attested", "evidenced", "expired", "contradicted", "unknown"]
    label = {"expired": "expired, check again", "unknown": "not seen"}
    return [f"{label.get(how, how)}: " + "; ".join(groups[how]) for how in order if how in groups]
