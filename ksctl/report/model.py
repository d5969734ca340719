"""The report as a value: what `--format json` prints and what the HTML page shows.

Account names and titles in it come from the platform: renderers must escape them.
No secret, code or phone number ever gets here (the wire models carry none but a mask).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

REPORT_FORMAT_VERSION = 1


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class State(StrEnum):
    """Where an account stands, worst first (the order of the page's tallies)."""

    error = "error"
    blocked = "blocked"
    waiting_person = "waiting_person"
    waiting_platform = "waiting_platform"
    to_apply = "to_apply"
    closed = "closed"
    in_sync = "in_sync"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    State.error: "error",
    State.blocked: "blocked",
    State.waiting_person: "waiting on a person",
    State.waiting_platform: "waiting on the platform",
    State.to_apply: "to apply",
    State.closed: "closed and verified",
    State.in_sync: "in sync",
}


class Held(Frozen):
    """One backup in the store: its manifest, and whether the data verified at refresh."""

    kind: str = Field(description="interactions, gift_ledger or replay")
    target: str | None = Field(None, description="the replay id, for a replay")
    size_bytes: int
    created_at: datetime = Field(description="when the copy was verified and stored")
    verified: bool = Field(description="the data file matched its manifest at this refresh")


class Backups(Frozen):
    destination: str | None = None
    wanted: tuple[str, ...] = Field((), description="the kinds the configuration wants present")
    held: tuple[Held, ...] = ()
    count: int = 0
    bytes: int = 0
    missing: tuple[str, ...] = Field(
        (), description="wanted and not verified: interactions, gift_ledger, replay:<id>"
    )


class Pending(Frozen):
    """A date on the timeline: platform work expected, or a deadline."""

    account_id: str
    account_name: str | None = None
    kind: str = Field(
        description="gift_ledger_ticket, takedown_review, export_job, export_deadline, ban_ends"
    )
    at: datetime
    label: str
    soon: bool = Field(description="falls within 3 days of the report's time")
    overdue: bool = Field(description="passed, and no verified copy is held")


class Risk(Frozen):
    account_id: str
    severity: str = Field(description="lost (gone for good), at_risk, or warning")
    message: str


class AccountRow(Frozen):
    id: str
    name: str | None = None
    kind: str | None = None
    state: State
    live: str | None = Field(None, description="enabled or disabled, as the platform says")
    closed_at: datetime | None = None
    left: tuple[str, ...] = Field((), description="the plan's actions still to do")
    write_calls: int = 0
    why: str
    next_step: str
    backups: Backups = Backups()
    next_date: datetime | None = Field(None, description="the account's earliest pending date")
    last_run: str | None = Field(None, description="what the last apply said of the account")


class RunPoint(Frozen):
    run: str
    started_at: datetime | None = None
    finished_at: datetime | None = None
    exit_code: int | None = None
    interrupted: bool = False
    writes: int = 0
    converged: int = 0
    waiting: int = 0
    failed: int = 0


class DaySpent(Frozen):
    day: date = Field(description="the platform's quota day (Asia/Shanghai)")
    writes: int


class QuotaView(Frozen):
    per_day: int | None = None
    remaining_today: int | None = None
    resets_at: datetime | None = None
    write_calls_needed: int
    days_to_converge: int
    spent_per_day: tuple[DaySpent, ...] = ()


class Report(Frozen):
    format_version: int = REPORT_FORMAT_VERSION
    ksctl_version: str
    generated_at: datetime = Field(description="the platform's time at the refresh")
    target: str
    plan_checksum: str
    counts: dict[State, int]
    accounts: tuple[AccountRow, ...]
    timeline: tuple[Pending, ...]
    quota: QuotaView
    risks: tuple[Risk, ...]
    runs: tuple[RunPoint, ...]
    warnings: tuple[str, ...] = ()

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"
