"""From what was read (plan, actual state, manifests, journals) to the Report: pure, no I/O."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ksctl import __version__
from ksctl.backups.manifest import Manifest
from ksctl.config.model import Backup, DesiredAccount
from ksctl.contract.wire import AppealStatus, JobStatus, Quota, TicketStatus
from ksctl.engine.action import ActionType
from ksctl.engine.actual import ActualAccount
from ksctl.engine.plan import AccountPlan, Plan, Status
from ksctl.report.journals import RunRecord
from ksctl.report.model import (
    AccountRow,
    Backups,
    DaySpent,
    Held,
    Pending,
    QuotaView,
    Report,
    Risk,
    RunPoint,
    State,
)

SOON = timedelta(days=3)  # a date this close (or passed with no copy) is highlighted
SPENT_DAYS = 30  # quota days shown, the most recent


@dataclass(frozen=True)
class Inputs:
    plan: Plan
    desired: Mapping[str, DesiredAccount]
    actuals: Mapping[str, ActualAccount]
    manifests: Mapping[str, Sequence[Manifest]]  # per account, what the store holds
    runs: Sequence[RunRecord]  # oldest first
    quota: Quota | None
    now: datetime
    apply_command: str = "ksctl apply"


def _wanted(desired: DesiredAccount | None, actual: ActualAccount | None) -> list[str]:
    b = desired.backups if desired else None
    if b is None:
        return []
    kinds = [k for k in ("interactions", "gift_ledger") if getattr(b, k) is Backup.present]
    if b.replays is Backup.present and actual is not None:
        kinds += [f"replay:{r.id}" for r in sorted(actual.state.replays, key=lambda r: r.id)]
    return kinds


def _verified(actual: ActualAccount | None, kind: str, target: str | None) -> bool:
    if actual is None:
        return False
    if kind == "replay":
        return target in actual.backups.replays
    return bool(getattr(actual.backups, kind, False))


def backups_of(
    desired: DesiredAccount | None, actual: ActualAccount | None, manifests: Sequence[Manifest]
) -> Backups:
    held = tuple(
        Held(
            kind=m.kind.value,
            target=m.target,
            size_bytes=m.size_bytes,
            created_at=m.created_at,
            verified=_verified(actual, m.kind.value, m.target),
        )
        for m in manifests
    )
    verified = {h.kind if h.target is None else f"replay:{h.target}" for h in held if h.verified}
    wanted = _wanted(desired, actual)
    return Backups(
        destination=(desired.backups.destination if desired and desired.backups else None),
        wanted=tuple(wanted),
        held=held,
        count=len(held),
        bytes=sum(h.size_bytes for h in held),
        missing=tuple(k for k in wanted if k not in verified),
    )


def pending_of(
    acc: AccountPlan, actual: ActualAccount | None, backups: Backups, now: datetime
) -> list[Pending]:
    """The account's dates: platform work it waits on, and its interaction-export deadline."""
    if actual is None:
        return []
    state, work = actual.state, actual.state.open_work
    found: list[tuple[str, datetime, str, bool]] = []  # kind, at, label, covered by a copy
    ticket = work.gift_ledger_ticket
    if ticket is not None and ticket.status is TicketStatus.open:
        found.append(
            (
                "gift_ledger_ticket",
                ticket.fulfilled_at,
                f"gift-ledger ticket {ticket.id} expected",
                "gift_ledger" not in backups.missing,
            )
        )
    appeal = work.takedown_appeal
    if appeal is not None and appeal.status is AppealStatus.reviewing:
        replays_missing = any(k.startswith("replay:") for k in backups.missing)
        found.append(
            (
                "takedown_review",
                appeal.decided_at,
                f"takedown appeal {appeal.id} decided",
                not replays_missing,
            )
        )
    job = work.export_job
    if job is not None and job.status is JobStatus.pending:
        found.append(
            (
                "export_job",
                job.ready_at,
                f"interaction export {job.id} ready",
                "interactions" not in backups.missing,
            )
        )
    until = state.interactions.exportable_until
    if state.live.permission == "disabled" and until is not None:
        covered = "interactions" not in backups.missing
        found.append(
            (
                "export_deadline",
                until,
                "interaction export closes" + (" (copy verified)" if covered else ""),
                covered,
            )
        )
    if actual.banned() and state.ban is not None:
        found.append(("ban_ends", state.ban.until, "ban ends", True))
    return [
        Pending(
            account_id=acc.id,
            account_name=acc.name,
            kind=kind,
            at=at,
            label=label,
            soon=now <= at <= now + SOON,
            overdue=at < now and not covered,
        )
        for kind, at, label, covered in found
    ]


def risks_of(
    acc: AccountPlan,
    desired: DesiredAccount | None,
    actual: ActualAccount | None,
    backups: Backups,
    now: datetime,
) -> list[Risk]:
    """What could be lost, or was: viewers' data past its window, copies that fail to verify,
    replays taken down with no copy."""
    if actual is None:
        return []
    state, out = actual.state, []

    def risk(severity: str, message: str) -> None:
        out.append(Risk(account_id=acc.id, severity=severity, message=message))

    for held in backups.held:
        if not held.verified:
            what = held.kind if held.target is None else f"replay {held.target}"
            risk(
                "at_risk", f"the stored {what} backup does not match its manifest (changed or gone)"
            )
    inter = state.interactions
    has_copy = "interactions" not in backups.missing and (
        "interactions" in backups.wanted or any(h.kind == "interactions" for h in backups.held)
    )
    closed = state.live.permission == "disabled"
    if closed and not has_copy:
        if not inter.exportable:
            risk(
                "lost",
                "interaction data can no longer be exported"
                + (
                    f" (the window closed {inter.exportable_until.isoformat()})"
                    if inter.exportable_until
                    else ""
                )
                + " and no verified copy is held",
            )
        elif inter.exportable_until is not None and inter.exportable_until <= now + SOON:
            risk(
                "at_risk",
                f"interaction data stops being exportable {inter.exportable_until.isoformat()} "
                "and no verified copy is held: run apply before then",
            )
        elif "interactions" not in backups.wanted:
            risk(
                "warning",
                "interaction data is not backed up (not wanted) and stops being exportable"
                + (f" {inter.exportable_until.isoformat()}" if inter.exportable_until else ""),
            )
    for replay in state.replays:
        key = f"replay:{replay.id}"
        if not replay.online and key in backups.missing:
            risk("lost", f"replay {replay.id} is taken down and no verified copy is held")
    takedown = next((a for a in acc.actions if a.type is ActionType.takedown_replays), None)
    if takedown is not None:
        ids = takedown.params.get("replay_ids") or []
        bare = [r for r in ids if f"replay:{r}" not in backups.wanted]
        if bare:
            risk(
                "at_risk",
                "the takedown will take replays down with no backup: " + ", ".join(sorted(bare)),
            )
    return out


def classify(acc: AccountPlan, actual: ActualAccount | None) -> State:
    if acc.status is Status.error:
        return State.error
    if acc.status is Status.blocked:
        return State.blocked
    if acc.status is Status.in_sync or not acc.actions:
        live_off = actual is not None and actual.state.live.permission == "disabled"
        return State.closed if live_off else State.in_sync
    ready, person = doable(acc)
    if ready:
        return State.to_apply
    return State.waiting_person if person else State.waiting_platform


def doable(acc: AccountPlan) -> tuple[list[str], list[str]]:
    """(what apply can do now, the manual steps a person can do now). Neither waits on
    platform work (an open ticket, a review, an export being prepared) nor on an action
    that does; apply also waits for a person's step before what depends on it."""
    planned = {a.address for a in acc.actions}
    stuck: set[str] = set()
    ready, person = [], []
    for action in acc.actions:  # in dependency order
        waits = action.waits_for and not planned.intersection(action.depends_on)
        if waits or stuck.intersection(action.depends_on):
            stuck.add(action.address)
        elif action.manual:
            person.append(action.address)
            stuck.add(action.address)
        else:
            ready.append(action.address)
    return ready, person


def _first_date(pending: Sequence[Pending], kinds: set[str]) -> datetime | None:
    dates = [p.at for p in pending if p.kind in kinds]
    return min(dates) if dates else None


def explain(
    acc: AccountPlan,
    state: State,
    pending: Sequence[Pending],
    quota: Quota | None,
    apply_command: str,
) -> tuple[str, str]:
    """(why the account is where it is, the next command or person step)."""
    if state is State.error:
        return "; ".join(
            acc.errors
        ) or "error", "fix the account or the configuration, then plan again"
    if state is State.blocked:
        ban = _first_date(pending, {"ban_ends"})
        step = (
            f"wait for the ban to end ({ban.isoformat()}), then {apply_command}"
            if ban
            else "resolve what blocks it, then plan again"
        )
        return "; ".join(acc.errors) or "blocked", step
    if state is State.closed:
        return "live is closed, every wanted backup is verified", "nothing: done"
    if state is State.in_sync:
        return "in sync with the configuration", "nothing"
    if state is State.waiting_person:
        steps = [f"{a.address}: {a.manual}" for a in acc.actions if a.manual]
        return (
            "a step the platform's API cannot do: " + "; ".join(steps),
            f"a person does it in the app, then {apply_command}",
        )
    if state is State.waiting_platform:
        waits = sorted({a.waits_for for a in acc.actions if a.waits_for})
        when = _first_date(pending, {"gift_ledger_ticket", "takedown_review", "export_job"})
        after = f" after {when.isoformat()}" if when else " later"
        return "waits for " + "; ".join(waits), f"{apply_command}{after}"
    types = Counter(a.type.value for a in acc.actions)
    why = ", ".join(f"{n}× {t}" if n > 1 else t for t, n in types.items())
    if quota is not None and quota.remaining < acc.write_calls:
        return (
            f"to do: {why}; the day's write quota is short ({quota.remaining} left)",
            f"{apply_command} after {quota.resets_at.isoformat()} (the quota resets)",
        )
    return f"to do: {why}", apply_command


def last_runs(records: Sequence[RunRecord]) -> dict[str, str]:
    """Per account, what the most recent apply that named it said of it."""
    last: dict[str, str] = {}
    for run in records:
        for account in run.accounts:
            status = run.account_status(account)
            message = run.messages.get(account)
            last[account] = status + (f": {message}" if message else "")
    return last


def _row(
    acc: AccountPlan, inputs: Inputs, last: Mapping[str, str]
) -> tuple[AccountRow, list[Pending], list[Risk]]:
    desired, actual = inputs.desired.get(acc.id), inputs.actuals.get(acc.id)
    backups = backups_of(desired, actual, inputs.manifests.get(acc.id, ()))
    pending = pending_of(acc, actual, backups, inputs.now)
    risks = risks_of(acc, desired, actual, backups, inputs.now)
    state = classify(acc, actual)
    why, step = explain(acc, state, pending, inputs.quota, inputs.apply_command)
    row = AccountRow(
        id=acc.id,
        name=acc.name,
        kind=actual.state.kind.value if actual else None,
        state=state,
        live=actual.state.live.permission.value if actual else None,
        closed_at=actual.state.live.closed_at if actual else None,
        left=tuple(a.address for a in acc.actions),
        write_calls=acc.write_calls,
        why=why,
        next_step=step,
        backups=backups,
        next_date=min((p.at for p in pending), default=None),
        last_run=last.get(acc.id),
    )
    return row, pending, risks


def runs_of(records: Sequence[RunRecord]) -> tuple[RunPoint, ...]:
    return tuple(
        RunPoint(
            run=r.run,
            started_at=r.started_at,
            finished_at=r.finished_at,
            exit_code=r.exit_code,
            interrupted=r.interrupted,
            writes=r.writes,
            **r.counts(),
        )
        for r in records
    )


def spent_of(records: Sequence[RunRecord]) -> tuple[DaySpent, ...]:
    total: Counter = Counter()
    for r in records:
        total.update(r.writes_by_day)
    days = sorted(total)[-SPENT_DAYS:]
    return tuple(DaySpent(day=d, writes=total[d]) for d in days)


def build_report(inputs: Inputs) -> Report:
    plan = inputs.plan
    rows, timeline, risks = [], [], []
    last = last_runs(inputs.runs)
    for acc in plan.accounts:
        row, pending, found = _row(acc, inputs, last)
        rows.append(row)
        timeline.extend(pending)
        risks.extend(found)
    tally = Counter(r.state for r in rows)
    quota = inputs.quota
    order = {"lost": 0, "at_risk": 1, "warning": 2}
    return Report(
        ksctl_version=__version__,
        generated_at=inputs.now,
        target=plan.target,
        plan_checksum=plan.checksum,
        counts={s: tally.get(s, 0) for s in State},
        accounts=tuple(rows),
        timeline=tuple(sorted(timeline, key=lambda p: (p.at, p.account_id, p.kind))),
        quota=QuotaView(
            per_day=quota.per_day if quota else None,
            remaining_today=quota.remaining if quota else None,
            resets_at=quota.resets_at if quota else None,
            write_calls_needed=plan.summary.write_calls,
            days_to_converge=plan.summary.days_to_converge,
            spent_per_day=spent_of(inputs.runs),
        ),
        risks=tuple(sorted(risks, key=lambda r: (order.get(r.severity, 3), r.account_id))),
        runs=runs_of(inputs.runs),
        warnings=plan.warnings,
    )
