"""A backup's manifest: what was copied, from where, and how to verify it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class BackupKind(StrEnum):
    interactions = "interactions"
    gift_ledger = "gift_ledger"
    replay = "replay"


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format_version: int = 1
    kind: BackupKind
    account_id: str
    target: str | None = Field(None, description="replay id for a replay; else null")
    file: str = Field(description="data file name, relative to the manifest's folder")
    size_bytes: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    created_at: datetime
    source: str = Field(description="what it was copied from: job, ticket or replay id")
    range_start: datetime | None = None
    range_end: datetime | None = None
    # Absent unless used, so that the manifests of API downloads are what they were.
    by: str | None = Field(
        None,
        exclude_if=lambda who: who is None,
        description="who uploaded it, for an operator upload (`ksctl evidence add`)",
    )
