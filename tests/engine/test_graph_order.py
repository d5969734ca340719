"""The hand-written topological order is graphlib's, round by round, for any graph."""

from __future__ import annotations

from graphlib import TopologicalSorter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ksctl.engine.action import Action
from ksctl.engine.graph import PlanGraphError, order
from ksctl.engine.specs import ActionType


def graphlib_order(actions: list[Action]) -> list[Action]:
    """The order as graphlib.TopologicalSorter hands it out (the former implementation)."""
    by_address = {a.address: a for a in actions}
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for action in by_address.values():
        sorter.add(action.address, *action.depends_on)
    sorter.prepare()
    out: list[Action] = []
    while sorter.is_active():
        ready = sorted(
            (by_address[a] for a in sorter.get_ready()), key=lambda a: (a.account_id, *a.sort_key())
        )
        out.extend(ready)
        sorter.done(*(a.address for a in ready))
    return out


@st.composite
def graphs(draw: Any) -> list[Action]:
    """Actions of a few accounts, types and targets, each depending on earlier ones only."""
    count = draw(st.integers(0, 12))
    actions: list[Action] = []
    for i in range(count):
        type_ = draw(st.sampled_from(list(ActionType)))
        account = draw(st.sampled_from(["a1", "a2"]))
        target = draw(st.sampled_from([None, "x", "y", f"t{i}"]))
        address = Action.make_address(account, type_, target)
        if any(a.address == address for a in actions):
            continue
        earlier = [a.address for a in actions]
        deps = draw(st.lists(st.sampled_from(earlier), max_size=3)) if earlier else []
        actions.append(Action(address=address, type=type_, target=target, depends_on=tuple(deps)))
    return draw(st.permutations(actions))


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_the_order_is_graphlibs(actions: list[Action]) -> None:
    assert order(actions) == graphlib_order(actions)


def test_a_cycle_is_named_and_an_unknown_dependency_refused() -> None:
    a = Action(
        address="a1/export_interactions",
        type=ActionType.export_interactions,
        depends_on=("a1/purge_viewer_pii",),
    )
    b = Action(
        address="a1/purge_viewer_pii",
        type=ActionType.purge_viewer_pii,
        depends_on=("a1/export_interactions",),
    )
    with pytest.raises(PlanGraphError, match="dependency cycle: a1/"):
        order([a, b])
    with pytest.raises(PlanGraphError, match="depends on unknown a1/purge_viewer_pii"):
        order([a])
