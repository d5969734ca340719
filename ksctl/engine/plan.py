"""The Plan: an immutable, serialisable value (docs/architecture.md), separate from its renderers.

It holds every account's version at refresh time, so that apply can work from the plan
alone and refuse it when the platform changed since; a checksum makes edits detectable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ksctl import __version__
from ksctl.engine.action import Action, ActionType

FORMAT_VERSION = 1
DEFAULT_TTL = timedelta(hours=24)


class Status(StrEnum):
    changes = "changes"
    in_sync = "in_sync"
    blocked = "blocked"
    error = "error"


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Frozen):
    """Where the plan's idea of one value came from, on a platform that cannot observe all."""

    value: str = Field(description="what, e.g. live.permission")
    shown: str = Field(description="the value ksctl works with")
    how: str = Field(description="observed | attested | evidenced | expired | unknown")
    detail: str = Field("", description="the endpoint, or who attested it and when")


class AccountPlan(Frozen):
    id: str
    name: str | None = None
    status: Status
    version: str | None = Field(None, description="the account's version (ETag) at refresh")
    actions: tuple[Action, ...] = ()
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    destination: str | None = Field(None, description="where this account's backups go")
    # An extension of the plan JSON, absent unless a provider fills it (kuaishou-open).
    sources: tuple[Source, ...] = Field(
        (),
        exclude_if=lambda found: not found,
        description="which values were observed through the API, which attested (by whom, "
        "when), which nobody could see",
    )
    # An extension of the plan JSON, absent unless used: only a plan that closes live, takes
    # replays down or purges phone numbers while required backups exist already carries it.
    backups_held: tuple[str, ...] = Field(
        (),
        exclude_if=lambda held: not held,
        description="backups the configuration requires that were verified at refresh "
        "(interactions, gift_ledger, replay:<id>): apply verifies them again, with those "
        "its own backup actions make, before each destructive write",
    )

    @property
    def write_calls(self) -> int:
        return sum(a.write_calls for a in self.actions)


class Summary(Frozen):
    accounts: int
    in_sync: int
    changes: int
    blocked: int
    errors: int = 0
    actions: int
    write_calls: int
    quota_remaining_today: int | None
    quota_per_day: int | None = None
    days_to_converge: int


class Safety(Frozen):
    """octoDNS-style thresholds: a plan over them needs `--force` to apply."""

    unsafe: bool
    reasons: tuple[str, ...] = ()
    closes_live: int = 0
    irreversible_actions: int = 0


class Plan(Frozen):
    format_version: int = FORMAT_VERSION
    ksctl_version: str = __version__
    created_at: datetime
    expires_at: datetime
    target: str = Field(description="the platform the plan was made against")
    accounts: tuple[AccountPlan, ...]
    summary: Summary
    safety: Safety
    warnings: tuple[str, ...] = ()
    checksum: str = ""
    # Absent unless KSCTL_PLAN_KEY signed the plan (ksctl/engine/signing.py); outside the
    # canonical body, so that signing changes no checksum.
    signature: str | None = Field(
        None,
        exclude_if=lambda sig: sig is None,
        description="HMAC-SHA256 of the canonical plan under KSCTL_PLAN_KEY, when set",
    )

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"checksum", "signature"})

    def canonical(self) -> Iterator[bytes]:
        """The canonical JSON of the body, as the checksum and the signature see it, an
        account at a time. "accounts" sorts before every other key of the body: the text is
        {"accounts":[A0,A1,...],REST} where REST is the other keys' canonical text."""
        yield b'{"accounts":['
        for i, account in enumerate(self.accounts):
            if i:
                yield b","
            yield _canonical(account.model_dump(mode="json"))
        rest = _canonical(
            self.model_dump(mode="json", exclude={"checksum", "signature", "accounts"})
        )
        yield b"]," + rest[1:] if rest != b"{}" else b"]}"

    def compute_checksum(self) -> str:
        """sha256 of the canonical JSON of the body (keys sorted, no spaces), hashed an
        account at a time: the whole document is never held at once (a 100,000-account
        plan's would be a dict of 600,000 actions and a 200 MB string)."""
        digest = hashlib.sha256()
        for chunk in self.canonical():
            digest.update(chunk)
        return "sha256:" + digest.hexdigest()

    def sealed(self) -> Plan:
        return self.model_copy(update={"checksum": self.compute_checksum()})

    def to_json(self) -> str:
        # pydantic's encoder, in Rust: the same bytes as json.dumps(model_dump(mode="json"),
        # indent=2, ensure_ascii=False), which with an indent falls back to the pure-Python
        # encoder (a 10,000-account plan: 3.1 -> 0.5 s). A test holds the two equal.
        return self.model_dump_json(indent=2) + "\n"

    def actions(self) -> list[Action]:
        return [a for acc in self.accounts for a in acc.actions]

    @property
    def has_changes(self) -> bool:
        return any(acc.actions for acc in self.accounts)

    @property
    def has_errors(self) -> bool:
        return any(acc.status is Status.error for acc in self.accounts)


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def days_to_converge(write_calls: list[int], remaining: int | None, per_day: int | None) -> int:
    """Days of quota the writes need, accounts kept whole within a day where they fit."""
    total = sum(write_calls)
    if total == 0:
        return 0
    if remaining is None or per_day is None or per_day <= 0:
        return 1
    days, left = 1, remaining
    for need in write_calls:
        if need <= left:
            left -= need
            continue
        if need <= per_day:  # starts tomorrow, whole
            days, left = days + 1, per_day - need
            continue
        need -= left  # larger than a whole day: spread it
        extra = -(-need // per_day)
        days, left = days + extra, extra * per_day - need
    return days


def safety(
    accounts: tuple[AccountPlan, ...],
    *,
    max_close_share: float,
    max_close_count: int,
    min_scope: int = 10,
) -> Safety:
    closes = sum(1 for acc in accounts for a in acc.actions if a.type is ActionType.disable_live)
    irreversible = sum(1 for acc in accounts for a in acc.actions if a.irreversible)
    scope = len(accounts)
    reasons = []
    if closes > max_close_count:
        reasons.append(f"closes live on {closes} accounts, over the limit of {max_close_count}")
    if scope >= min_scope and closes / scope > max_close_share:
        reasons.append(
            f"closes live on {closes} of {scope} accounts in scope "
            f"({closes / scope:.0%}), over the limit of {max_close_share:.0%}"
        )
    return Safety(
        unsafe=bool(reasons),
        reasons=tuple(reasons),
        closes_live=closes,
        irreversible_actions=irreversible,
    )
