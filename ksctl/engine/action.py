"""Actions: what must become true of an account, not which endpoint makes it so."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ksctl.engine.specs import ActionType

__all__ = ["Action", "ActionType"]


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

    @property
    def account_id(self) -> str:
        return self.address.split("/", 1)[0]

    @staticmethod
    def make_address(account_id: str, type_: ActionType, target: str | None = None) -> str:
        return f"{account_id}/{type_.value}" + (f"[{target}]" if target else "")

    def sort_key(self) -> tuple[int, str]:
        return (self.type.rank, self.target or "")
