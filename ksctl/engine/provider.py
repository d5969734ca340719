"""Which actions the platform performs through its API; the rest are steps in the app.

The modelled API (and its sandbox) performs every action type. A provider for the real
open platform performs only those with real endpoints: its plan marks the others `manual`
with the path in the app (each type's spec holds it), apply waits for the person, and the
next refresh verifies the step (an action a fresh plan no longer needs is done). See
docs/architecture.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from ksctl.engine.specs import SPECS, ActionType


@dataclass(frozen=True)
class Provider:
    name: str
    performs: frozenset[ActionType]

    def manual_step(self, type_: ActionType) -> str | None:
        """The app path a person follows for `type_`, or None when the API performs it."""
        return None if type_ in self.performs else SPECS[type_].manual


MODELLED_API = Provider("modelled-api", frozenset(ActionType))
