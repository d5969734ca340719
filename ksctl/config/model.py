"""The desired state of accounts, as the configuration states it (docs/configuration.md).

Every property is optional: a property left unsaid is left alone. `defaults` has the same
shape as an account and is merged deeply into each account of its file.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from ksctl.home import STATE_DIR

ACCOUNT_ID_PATTERN = r"^[A-Za-z0-9]{1,64}$"
DEFAULT_BACKUP_DESTINATION = f"{STATE_DIR}/backups"

AccountId = Annotated[str, StringConstraints(strict=True, pattern=ACCOUNT_ID_PATTERN)]
Text = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200)]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Permission(StrEnum):
    enabled = "enabled"
    disabled = "disabled"


class Closure(StrEnum):
    soft = "soft"
    hard = "hard"


class SchedulesPolicy(StrEnum):
    cleared = "cleared"
    keep = "keep"


class Backup(StrEnum):
    present = "present"
    ignore = "ignore"


class LiveSpec(Spec):
    permission: Permission | None = Field(
        None, description="The account's ability to go live (直播权限)."
    )
    closure: Closure | None = Field(
        None,
        description="soft: keep data and replays online; hard: also take every replay "
        "down through a content appeal (内容申诉). Only meaningful when live is disabled.",
    )
    copyright_proof: Text | None = Field(
        None,
        description="Reference of the copyright proof the takedown appeal submits; "
        "required with closure: hard.",
    )


class BackupsSpec(Spec):
    interactions: Backup | None = Field(
        None,
        description="Danmaku, likes and viewer counts of the last 90 days. Exportable "
        "only until 30 days after live is closed.",
    )
    gift_ledger: Backup | None = Field(
        None,
        description="The gift ledger (礼物流水), through a support ticket fulfilled "
        "after hours to days.",
    )
    replays: Backup | None = Field(None, description="Every replay video downloaded and verified.")
    destination: Text | None = Field(
        None,
        description="Where backups go: a local folder (default .ksctl/backups) or an "
        "fsspec URL such as s3://bucket/prefix. Never inside the config repository.",
    )


class CertificationSpec(Spec):
    live_certified: StrictBool | None = Field(
        None, description="false: the 直播认证 tag must be gone. ksctl cannot grant it."
    )


class PrivacySpec(Spec):
    purge_viewer_phone_numbers: StrictBool | None = Field(
        None, description="Delete stored viewer phone numbers (after exporting interactions)."
    )


class MonetizationSpec(Spec):
    short_video_tipping: Permission | None = Field(
        None, description="短视频打赏: the alternative to live gifts."
    )
    shopping_cart: Permission | None = Field(
        None, description="短视频购物车: kept after live closes."
    )


class AcknowledgeSpec(Spec):
    contract_breach: StrictBool | None = Field(
        None,
        description="Allow closing live on an account with an active MCN "
        "minimum-live-hours contract.",
    )
    replays_without_backup: StrictBool | None = Field(
        None, description="Allow a hard closure to take down replays that are not backed up."
    )


class AccountSpec(Spec):
    """What can be desired of an account; also the shape of `defaults`."""

    live: LiveSpec | None = None
    schedules: SchedulesPolicy | None = Field(
        None, description="cleared: cancel every scheduled live (预约直播); keep: leave them."
    )
    backups: BackupsSpec | None = None
    certification: CertificationSpec | None = None
    privacy: PrivacySpec | None = None
    monetization: MonetizationSpec | None = None
    acknowledge: AcknowledgeSpec | None = None


class AccountEntry(AccountSpec):
    id: AccountId = Field(description="The platform's account id: letters and digits.")
    name: Annotated[str, StringConstraints(strict=True, max_length=200)] | None = Field(
        None, description="A label for people; not checked against the platform."
    )


class ConfigFile(Spec):
    """One configuration file."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"$id": "https://ksctl.dev/schemas/accounts.schema.json"},
        title="ksctl accounts configuration",
    )

    version: Literal[1] = Field(description="Format version of this file.")
    defaults: AccountSpec | None = Field(
        None, description="Merged deeply into every account of this file; the account wins."
    )
    accounts: list[AccountEntry] = Field(default_factory=list)


class DesiredAccount(AccountEntry):
    """An account after its file's defaults were merged in."""

    @property
    def destination(self) -> str:
        """Where this account's backups go."""
        if self.backups and self.backups.destination:
            return self.backups.destination
        return DEFAULT_BACKUP_DESTINATION
