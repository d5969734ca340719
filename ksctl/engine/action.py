"""Actions: what must become true of an account, not which endpoint makes it so."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ActionType(StrEnum):
    # Declaration order is the tie-break of the deterministic sort within an account.
    enable_feature = "enable_feature"
    disable_feature = "disable_feature"
    export_interactions = "export_interactions"
    request_gift_ledger = "request_gift_ledger"
    download_gift_ledger = "download_gift_ledger"
    download_replay = "download_replay"
    purge_viewer_pii = "purge_viewer_pii"
    cancel_schedule = "cancel_schedule"
    remove_certification = "remove_certification"
    enable_live = "enable_live"
    disable_live = "disable_live"
    takedown_replays = "takedown_replays"

    @property
    def rank(self) -> int:
        return list(ActionType).index(self)


BACKUP_ACTIONS = frozenset(
    {ActionType.export_interactions, ActionType.download_gift_ledger, ActionType.download_replay}
)
IRREVERSIBLE = frozenset({ActionType.takedown_replays, ActionType.purge_viewer_pii})


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
