"""One small reconcile per action: re-check, act only if still needed, say what happened.

Like a Kubernetes controller's loop body: each function looks at the latest known state of
the account (kept current from every write's answer), does nothing when the action's
outcome already holds, and otherwise performs the platform calls with idempotency keys
derived from the plan, so a retried or resumed write can never happen twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any

from ksctl.backups.manifest import BackupKind, Manifest
from ksctl.backups.store import BackupStore, data_path
from ksctl.contract.wire import (
    AccountState,
    AppealStatus,
    Job,
    JobStatus,
    ScheduleStatus,
    Ticket,
    TicketStatus,
)
from ksctl.engine.action import Action, ActionType
from ksctl.platform.client import PlatformClient, WriteResult
from ksctl.platform.keys import idempotency_key
from ksctl.safefs import real_folder

T = ActionType


class Outcome(StrEnum):
    done = "done"  # performed now
    already = "already"  # held already: nothing to do
    waiting = "waiting"  # platform work pending (job, ticket, appeal), a stream, a code
    failed = "failed"  # terminal for this action: dependents are cut off
    skipped = "skipped"  # something it depends on did not finish
    left = "left"  # not attempted: quota spent or a transient failure; run again


@dataclass
class Result:
    outcome: Outcome
    message: str = ""
    writes: int = 0
    request_ids: list[str] = field(default_factory=list)


class Waiting(Exception):
    """The action cannot finish in this run; what it waits for is the message."""

    def __init__(self, message: str, retry_after: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class AccountContext:
    """What the reconciles of one account share: the client, the latest state, the keys."""

    client: PlatformClient
    plan_checksum: str
    state: AccountState
    store: BackupStore | None
    staging: Path
    code_source: Callable[[str, str | None], Awaitable[Any]] | None
    poll_budget_s: float = 20.0
    writes: int = 0
    request_ids: list[str] = field(default_factory=list)
    # Called right before a destructive write (ksctl/apply/guarantee.py): re-verifies the
    # backups the configuration requires, fetching again what vanished, or raises.
    before_destructive: Callable[[Action, AccountContext], Awaitable[None]] | None = None
    # One more write call from the day's quota (a backup fetched again), or False.
    reserve: Callable[[int], Awaitable[bool]] | None = None
    extra_reserved: int = 0

    def key(self, action: Action, step: str = "") -> str:
        return idempotency_key(self.plan_checksum, action.address, step)

    def took(self, result: WriteResult) -> WriteResult:
        """Fold a write's answer into the known state (its new version included)."""
        self.state = result.account
        if result.changed and not result.replayed:
            self.writes += 1
        if result.request_id:
            self.request_ids.append(result.request_id)
        return result

    @property
    def version(self) -> str:
        return self.state.version

    async def guard(self, action: Action) -> None:
        if self.before_destructive is not None:
            await self.before_destructive(action, self)


async def _poll(
    fetch: Callable[[], Awaitable[Any]], ready: Callable[[Any], bool], budget_s: float
) -> Any:
    """Poll with exponential backoff within a time budget; the last answer either way."""
    deadline = time.monotonic() + budget_s
    delay = 0.25
    item = await fetch()
    while not ready(item) and time.monotonic() + delay < deadline:
        await asyncio.sleep(delay)
        delay = min(delay * 2, 5.0)
        item = await fetch()
    return item


def _manifest(
    kind: BackupKind,
    ctx: AccountContext,
    target: str | None,
    size: int,
    sha256: str,
    source: str,
    now: datetime,
    job: Job | None = None,
) -> Manifest:
    return Manifest(
        kind=kind,
        account_id=ctx.state.id,
        target=target,
        file=data_path(kind, ctx.state.id, target).rsplit("/", 1)[-1],
        size_bytes=size,
        sha256=sha256,
        created_at=now,
        source=source,
        range_start=job.range_start if job else None,
        range_end=job.range_end if job else None,
    )


async def _store(
    ctx: AccountContext,
    kind: BackupKind,
    target: str | None,
    source: str,
    fetch: Callable[[Path], Awaitable[Any]],
    job: Job | None = None,
) -> None:
    """Download into staging (resumable across runs), verify, then move into the store."""
    if ctx.store is None:
        raise RuntimeError("no backup destination in the plan for this account")
    relative = PurePosixPath(data_path(kind, ctx.state.id, target))
    # Every folder from staging down is checked: a link among them is refused, not followed.
    staged = real_folder(ctx.staging, relative.parent) / relative.name
    got = await fetch(staged)
    manifest = _manifest(kind, ctx, target, got.size, got.sha256, source, datetime.now(UTC), job)
    await asyncio.to_thread(ctx.store.adopt, manifest, staged)


Reconcile = Callable[[Action, AccountContext], Awaitable[Outcome]]

# Every action type's reconcile, registered by `@reconciles(type)` below; a test holds it
# to one per type.
RECONCILE: dict[ActionType, Reconcile] = {}


def reconciles(*types: ActionType) -> Callable[[Reconcile], Reconcile]:
    """Register the decorated function as the reconcile of `types`."""

    def register(fn: Reconcile) -> Reconcile:
        for type_ in types:
            if type_ in RECONCILE:
                raise RuntimeError(f"two reconciles for {type_.value}")
            RECONCILE[type_] = fn
        return fn

    return register


# ---- the reconciles ------------------------------------------------------------------


@reconciles(T.enable_feature, T.disable_feature)
async def feature(action: Action, ctx: AccountContext) -> Outcome:
    name = action.target or ""
    want = action.after == "enabled"
    if getattr(ctx.state.monetization, name).value == action.after:
        return Outcome.already
    ctx.took(
        await ctx.client.set_feature(
            ctx.state.id, name, want, idempotency_key=ctx.key(action), if_match=ctx.version
        )
    )
    return Outcome.done


@reconciles(T.cancel_schedule)
async def cancel_schedule(action: Action, ctx: AccountContext) -> Outcome:
    schedule = next((s for s in ctx.state.schedules if s.id == action.target), None)
    if schedule is None or schedule.status is not ScheduleStatus.pending:
        return Outcome.already
    ctx.took(
        await ctx.client.cancel_schedule(
            ctx.state.id, action.target or "", idempotency_key=ctx.key(action), if_match=ctx.version
        )
    )
    return Outcome.done


@reconciles(T.export_interactions)
async def export_interactions(action: Action, ctx: AccountContext) -> Outcome:
    if ctx.store and ctx.store.verified(BackupKind.interactions, ctx.state.id):
        return Outcome.already
    job = ctx.state.open_work.export_job
    if job is None or job.status is JobStatus.expired:
        result = ctx.took(
            await ctx.client.export_interactions(
                ctx.state.id, idempotency_key=ctx.key(action), if_match=ctx.version
            )
        )
        job = result.answer.job
    if job is None:
        raise RuntimeError("the platform opened no export job")
    if job.status is not JobStatus.ready:
        job_id = job.id
        job = await _poll(
            lambda: ctx.client.get_job(job_id),
            lambda j: j.status is JobStatus.ready,
            ctx.poll_budget_s,
        )
        if job.status is not JobStatus.ready:
            raise Waiting(
                f"export job {job.id} is {job.status.value}; ready at {job.ready_at.isoformat()}",
                job.ready_at,
            )
    ready: Job = job
    await _store(
        ctx,
        BackupKind.interactions,
        None,
        f"export job {ready.id}",
        lambda path: ctx.client.download_job(ready, path),
        ready,
    )
    return Outcome.done


@reconciles(T.request_gift_ledger)
async def request_gift_ledger(action: Action, ctx: AccountContext) -> Outcome:
    if ctx.state.open_work.gift_ledger_ticket is not None:
        return Outcome.already
    ctx.took(
        await ctx.client.request_gift_ledger(
            ctx.state.id, idempotency_key=ctx.key(action), if_match=ctx.version
        )
    )
    return Outcome.done


@reconciles(T.download_gift_ledger)
async def download_gift_ledger(action: Action, ctx: AccountContext) -> Outcome:
    if ctx.store and ctx.store.verified(BackupKind.gift_ledger, ctx.state.id):
        return Outcome.already
    ticket = ctx.state.open_work.gift_ledger_ticket
    if ticket is None:
        raise Waiting("no gift-ledger ticket is open yet")
    await store_ledger(
        ctx,
        ticket,
        lambda t: (
            f"gift-ledger ticket {t.id} is open; the platform expects to "
            f"fulfil it by {t.fulfilled_at.isoformat()}"
        ),
    )
    return Outcome.done


async def store_ledger(
    ctx: AccountContext, ticket: Ticket, open_message: Callable[[Ticket], str]
) -> None:
    """Download the ledger of a fulfilled ticket into the store; a ticket still open is a
    wait until the platform's expected date (`open_message` says what waits)."""
    if ticket.status is not TicketStatus.fulfilled:
        ticket = await ctx.client.get_ticket(ticket.id)
        if ticket.status is not TicketStatus.fulfilled:
            raise Waiting(open_message(ticket), ticket.fulfilled_at)
    done: Ticket = ticket
    await _store(
        ctx,
        BackupKind.gift_ledger,
        None,
        f"ticket {done.id}",
        lambda path: ctx.client.download_ticket(done, path),
    )


@reconciles(T.download_replay)
async def download_replay(action: Action, ctx: AccountContext) -> Outcome:
    if ctx.store and ctx.store.verified(BackupKind.replay, ctx.state.id, action.target):
        return Outcome.already
    replay = next((r for r in ctx.state.replays if r.id == action.target), None)
    if replay is None:
        found = await ctx.client.list_replays(ctx.state.id)
        replay = next((r for r in found if r.id == action.target), None)
    if replay is None:
        raise LookupError(f"replay {action.target} is gone from the platform")
    await _store(
        ctx,
        BackupKind.replay,
        replay.id,
        f"replay {replay.id}",
        lambda path: ctx.client.download_replay(ctx.state.id, replay, path),
    )
    return Outcome.done


@reconciles(T.purge_viewer_pii)
async def purge_viewer_pii(action: Action, ctx: AccountContext) -> Outcome:
    if ctx.state.interactions.viewer_phone_numbers == 0:
        return Outcome.already
    await ctx.guard(action)
    ctx.took(
        await ctx.client.purge_viewer_phones(
            ctx.state.id, idempotency_key=ctx.key(action), if_match=ctx.version
        )
    )
    return Outcome.done


@reconciles(T.disable_live)
async def disable_live(action: Action, ctx: AccountContext) -> Outcome:
    if ctx.state.live.permission.value == "disabled":
        return Outcome.already
    if ctx.state.live.streaming:
        raise Waiting(
            "the account is streaming right now; closing live is deferred rather "
            "than cut the broadcast off"
        )
    if ctx.code_source is None:
        raise Waiting(
            "closing live needs the SMS code: run on a terminal, or set KSCTL_SMS_CODE_COMMAND"
        )
    await ctx.guard(action)
    ack = bool(action.params.get("acknowledge_contract_breach"))

    async def disable(ticket: Any) -> None:
        ctx.took(
            await ctx.client.disable_live(
                ctx.state.id,
                ticket,
                acknowledge_contract_breach=ack,
                idempotency_key=ctx.key(action),
                if_match=ctx.version,
            )
        )

    from ksctl.apply.verification import close_live  # it builds on this module

    await close_live(action, ctx, disable)
    return Outcome.done


@reconciles(T.enable_live)
async def enable_live(action: Action, ctx: AccountContext) -> Outcome:
    if ctx.state.live.permission.value == "enabled":
        return Outcome.already
    ctx.took(
        await ctx.client.enable_live(
            ctx.state.id, idempotency_key=ctx.key(action), if_match=ctx.version
        )
    )
    return Outcome.done


@reconciles(T.remove_certification)
async def remove_certification(action: Action, ctx: AccountContext) -> Outcome:
    if not ctx.state.certification.live_certified:
        return Outcome.already
    ctx.took(
        await ctx.client.remove_live_certification(
            ctx.state.id, idempotency_key=ctx.key(action), if_match=ctx.version
        )
    )
    return Outcome.done


@reconciles(T.takedown_replays)
async def takedown_replays(action: Action, ctx: AccountContext) -> Outcome:
    wanted = set(action.params.get("replay_ids") or [])
    if not any(r.online and r.id in wanted for r in ctx.state.replays):
        return Outcome.already
    appeal = ctx.state.open_work.takedown_appeal
    if appeal is None or not (wanted & set(appeal.replay_ids)):
        await ctx.guard(action)
        result = ctx.took(
            await ctx.client.open_takedown_appeal(
                ctx.state.id,
                action.params.get("copyright_proof") or "",
                idempotency_key=ctx.key(action),
                if_match=ctx.version,
            )
        )
        appeal = result.answer.appeal
    if appeal is not None and appeal.status is AppealStatus.reviewing:
        raise Waiting(
            f"takedown appeal {appeal.id} is under review until {appeal.decided_at.isoformat()}",
            appeal.decided_at,
        )
    return Outcome.done
