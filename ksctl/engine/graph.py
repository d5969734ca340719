"""The plan's dependency graph: checked for cycles, sorted deterministically."""

from __future__ import annotations

from collections.abc import Iterable
from graphlib import CycleError, TopologicalSorter

from ksctl.engine.action import Action


class PlanGraphError(Exception):
    pass


def order(actions: Iterable[Action]) -> list[Action]:
    """Topological order; among ready actions, by type rank then target (stable output).

    Kahn's algorithm in rounds, as graphlib.TopologicalSorter hands them out (every action
    ready at once, sorted, then those they free), without its bookkeeping: a
    10,000-account closure orders 60,000 actions, and graphlib's was 0.4 s of it. A cycle
    is reported by graphlib itself."""
    by_address = {a.address: a for a in actions}
    waiting: dict[str, int] = {}
    freed: dict[str, list[str]] = {address: [] for address in by_address}
    for address, action in by_address.items():
        missing = [d for d in action.depends_on if d not in by_address]
        if missing:
            raise PlanGraphError(f"{address} depends on unknown {', '.join(missing)}")
        waiting[address] = len(action.depends_on)
        for dep in action.depends_on:
            freed[dep].append(address)
    ready = [by_address[a] for a, n in waiting.items() if n == 0]
    out: list[Action] = []
    while ready:
        ready.sort(key=_rank)
        out.extend(ready)
        after: list[Action] = []
        for action in ready:
            for successor in freed[action.address]:
                waiting[successor] -= 1
                if waiting[successor] == 0:
                    after.append(by_address[successor])
        ready = after
    if len(out) < len(by_address):
        _raise_cycle(by_address.values())
    return out


def _rank(action: Action) -> tuple[str, int, str]:
    return (action.account_id, *action.sort_key())


def _raise_cycle(actions: Iterable[Action]) -> None:
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for action in actions:
        sorter.add(action.address, *action.depends_on)
    try:
        sorter.prepare()
    except CycleError as exc:
        raise PlanGraphError(f"dependency cycle: {' -> '.join(exc.args[1])}") from None
    raise AssertionError("unreachable: Kahn's order left actions out without a cycle")
