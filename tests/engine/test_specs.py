"""Every action type has one complete spec and one reconcile: adding a type without either
fails here, not in a plan or an apply."""

from __future__ import annotations

import dataclasses
import inspect

from ksctl.apply.reconcile import RECONCILE
from ksctl.engine.specs import BACKUP_ACTIONS, IRREVERSIBLE, SPECS, ActionSpec, ActionType


def test_every_type_has_a_spec_with_every_field_said() -> None:
    assert set(SPECS) == set(ActionType)
    for type_, spec in SPECS.items():
        for field in dataclasses.fields(ActionSpec):
            value = getattr(spec, field.name)
            assert value is not None and value != "", f"{type_.value}: {field.name} is empty"
        assert spec.symbol in ("+", "~", "-")
        assert spec.write_calls >= 0
        assert "\n" not in spec.description


def test_every_type_has_a_reconcile() -> None:
    assert set(RECONCILE) == set(ActionType)
    assert all(inspect.iscoroutinefunction(fn) for fn in RECONCILE.values())


def test_the_derived_sets_are_the_specs() -> None:
    assert {ActionType.takedown_replays, ActionType.purge_viewer_pii} == IRREVERSIBLE
    assert {
        ActionType.export_interactions,
        ActionType.download_gift_ledger,
        ActionType.download_replay,
    } == BACKUP_ACTIONS
    # Only closing live asks for the SMS code.
    assert [t for t in ActionType if t.spec.needs_verification] == [ActionType.disable_live]


def test_rank_is_the_declaration_order() -> None:
    assert [t.rank for t in ActionType] == list(range(len(ActionType)))
