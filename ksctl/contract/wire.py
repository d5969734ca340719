"""Wire models of the platform API, shared by the sandbox (serves them) and the client.

Times are timezone-aware datetimes; the platform speaks Asia/Shanghai (+08:00).
No model here ever holds a full phone number, a secret or a token except the token answer.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccountKind(StrEnum):
    personal = "personal"
    enterprise = "enterprise"
    institution = "institution"


class Toggle(StrEnum):
    enabled = "enabled"
    disabled = "disabled"


class Feature(StrEnum):
    short_video_tipping = "short_video_tipping"
    shopping_cart = "shopping_cart"


class Live(Wire):
    permission: Toggle
    closed_at: datetime | None = None
    streaming: bool = False


class Ban(Wire):
    until: datetime
    reason: str = ""


class Certification(Wire):
    live_certified: bool
    blue_v: bool = False


class Contract(Wire):
    mcn: str
    min_live_hours_per_month: int = Field(ge=0)
    until: datetime


class ScheduleStatus(StrEnum):
    pending = "pending"
    cancelled = "cancelled"
    elapsed = "elapsed"  # its start time passed without a cancellation: it blocks nothing


class Schedule(Wire):
    id: str
    title: str = ""
    start_at: datetime
    status: ScheduleStatus = ScheduleStatus.pending


class Replay(Wire):
    id: str
    title: str = ""
    recorded_at: datetime
    size_bytes: int = Field(ge=0)
    sha256: str
    online: bool


class Interactions(Wire):
    days: int = Field(ge=0)
    viewer_phone_numbers: int = Field(
        ge=0, description="how many are stored: a count, never a number"
    )
    exportable: bool
    exportable_until: datetime | None = None


class Monetization(Wire):
    short_video_tipping: Toggle
    shopping_cart: Toggle


class JobStatus(StrEnum):
    pending = "pending"
    ready = "ready"
    expired = "expired"


class Job(Wire):
    id: str
    account_id: str
    status: JobStatus
    created_at: datetime
    ready_at: datetime
    size_bytes: int | None = None
    sha256: str | None = None
    range_start: datetime
    range_end: datetime


class TicketStatus(StrEnum):
    open = "open"
    fulfilled = "fulfilled"


class Ticket(Wire):
    id: str
    account_id: str
    status: TicketStatus
    created_at: datetime
    fulfilled_at: datetime
    size_bytes: int | None = None
    sha256: str | None = None


class AppealStatus(StrEnum):
    reviewing = "reviewing"
    approved = "approved"


class Appeal(Wire):
    id: str
    account_id: str
    status: AppealStatus
    created_at: datetime
    decided_at: datetime
    replay_ids: list[str]


class OpenWork(Wire):
    export_job: Job | None = None
    gift_ledger_ticket: Ticket | None = None
    takedown_appeal: Appeal | None = None


class Access(Wire):
    write: bool
    reason: str | None = None
    # The result code a write would get when the account's holder has not (or no longer)
    # authorized the app (100200109/100200110/100200111); null otherwise.
    authorization: int | None = Field(None, exclude_if=lambda v: v is None)


class AccountState(Wire):
    id: str
    name: str = ""
    kind: AccountKind
    org: str | None = None
    parent: str | None = None
    version: str
    phone_masked: str | None = None
    live: Live
    ban: Ban | None = None
    certification: Certification
    quality_streamer: bool = False
    contract: Contract | None = None
    schedules: list[Schedule] = []
    schedules_truncated: bool = False
    replays: list[Replay] = []
    replays_truncated: bool = False
    interactions: Interactions
    monetization: Monetization
    open_work: OpenWork = OpenWork()
    access: Access


class Quota(Wire):
    per_day: int
    used: int
    remaining: int
    resets_at: datetime


# ---- answers -------------------------------------------------------------------------


class Envelope(Wire):
    result: int = 1


class ErrorAnswer(Envelope):
    error_msg: str
    request_id: str | None = None


class TokenAnswer(Envelope):
    access_token: str = Field(repr=False)  # a credential: never in a repr or a log
    expires_in: int


class OAuthTokenAnswer(Envelope):
    """The authorization-code exchange and the refresh (real: /oauth2/access_token,
    /oauth2/refresh_token). Lifetimes are what the answer says, never assumed."""

    model_config = ConfigDict(extra="ignore", frozen=True)  # the real platform may add fields

    access_token: str = Field(repr=False)
    expires_in: int
    refresh_token: str = Field(repr=False)
    refresh_token_expires_in: int
    open_id: str = ""
    scopes: list[str] = []


class AccountsPage(Envelope):
    accounts: list[AccountState]
    next_cursor: str | None = None
    missing: list[str] = []


class AccountAnswer(Envelope):
    account: AccountState


class SchedulesPage(Envelope):
    schedules: list[Schedule]
    next_cursor: str | None = None


class ReplaysPage(Envelope):
    replays: list[Replay]
    next_cursor: str | None = None


class JobAnswer(Envelope):
    job: Job


class TicketAnswer(Envelope):
    ticket: Ticket


class AppealAnswer(Envelope):
    appeal: Appeal


class QuotaAnswer(Envelope):
    quota: Quota


class WriteAnswer(Envelope):
    """Every successful write: whether it changed anything, and the account afterwards."""

    changed: bool
    account: AccountState
    job: Job | None = None
    ticket: Ticket | None = None
    appeal: Appeal | None = None
    purged: int | None = None
    sent_to: str | None = None
    verification_ticket: str | None = Field(None, repr=False)
    expires_in: int | None = None


# ---- request bodies -----------------------------------------------------------------


class VerifyRequest(Wire):
    code: str = Field(min_length=1, max_length=16, repr=False)


class DisableLiveRequest(Wire):
    verification_ticket: str = Field(min_length=1, max_length=200, repr=False)
    acknowledge_contract_breach: bool = False


class AppealRequest(Wire):
    copyright_proof: str = Field(min_length=1, max_length=200)
