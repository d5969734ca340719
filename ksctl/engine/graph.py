"""The plan's dependency graph: checked for cycles, sorted deterministically."""

from __future__ import annotations

from collections.abc import Iterable
from graphlib import CycleError, TopologicalSorter

from ksctl.engine.action import Action


class PlanGraphError(Exception):
    pass


def order(actions: Iterable[Action]) -> list[Action]:
    """Topological order; among ready actions, by type rank then target (stable output)."""
    by_address = {a.address: a for a in actions}
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for action in by_address.values():
        missing = [d for d in action.depends_on if d not in by_address]
        if missing:
            raise PlanGraphError(f"{action.address} depends on unknown {', '.join(missing)}")
        sorter.add(action.address, *action.depends_on)
    try:
        sorter.prepare()
    except CycleError as exc:
        raise PlanGraphError(f"dependency cycle: {' -> '.join(exc.args[1])}") from None
    out: list[Action] = []
    while sorter.is_active():
        ready = sorted(
            (by_address[a] for a in sorter.get_ready()), key=lambda a: (a.account_id, *a.sort_key())
        )
        out.extend(ready)
        sorter.done(*(a.address for a in ready))
    return out
