"""Actions: what must become true of an account, not which endpoint makes it so."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ksctl.engine.specs import ActionType

__all__ = ["Action", "ActionType"]

# pydantic keeps, per instance, the set of the fields given: 728 of an action's ~1,500
# bytes. Actions of one shape share one set (a frozen model never changes it; pydantic's
# copies copy it first), so a 100,000-account plan's 600,000 actions, built or loaded from
# a plan file, hold a few sets.
_FIELDS_SETS: dict[frozenset[str], set[str]] = {}


class Action(BaseModel):
    """One step of a plan. `address` is unique in the plan: `<account>/<type>[<target>]`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str
    type: ActionType
    target: str | None = None
    before: Any = None
    after: Any = None
    depends_on: tuple[str, ...] = ()
    irreversible: bool = False
    needs_verification: bool = False
    write_calls: int = 0
    effects: tuple[str, ...] = ()
    waits_for: str | None = Field(
        None, description="platform work this action waits on (a ticket, an appeal), if any"
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="what apply needs that the config said"
    )
    # An extension of the plan JSON, absent unless used: plans of the modelled API (and
    # their checksums) are what they were.
    manual: str | None = Field(
        None,
        exclude_if=lambda step: step is None,
        description="the path in the app a person follows, when the platform's API cannot "
        "perform this action (apply waits for it)",
    )

    def model_post_init(self, context: Any, /) -> None:
        given = self.__pydantic_fields_set__
        shared = _FIELDS_SETS.setdefault(frozenset(given), given)
        object.__setattr__(self, "__pydantic_fields_set__", shared)

    @property
    def account_id(self) -> str:
        return self.address.split("/", 1)[0]

    @staticmethod
    def make_address(account_id: str, type_: ActionType, target: str | None = None) -> str:
        return f"{account_id}/{type_.value}" + (f"[{target}]" if target else "")

    def sort_key(self) -> tuple[int, str]:
        return (self.type.rank, self.target or "")
