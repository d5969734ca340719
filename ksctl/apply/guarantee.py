"""The backup guarantee, on the apply side: at the moment of each destructive write, every
backup the configuration requires of the account is verified again (manifest present, size
and sha256 match), not only those this plan made.

A backup found missing or damaged is fetched again first while the platform still serves
it (a replay online, a fulfilled ledger ticket, interactions within the export window); one
that needs new platform work waits (exit 3); one the platform can no longer give is lost,
and the account stops before the write (exit 1) with one line saying what is lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from ksctl.apply.reconcile import AccountContext, Waiting, _poll, _store, store_ledger
from ksctl.backups.manifest import BackupKind
from ksctl.contract.wire import Job, JobStatus
from ksctl.engine.action import Action
from ksctl.engine.guarantee import DESTRUCTIVE, GIFT_LEDGER, INTERACTIONS, created_by, describe
from ksctl.engine.guarantee import parse as parse_key
from ksctl.engine.plan import AccountPlan


class BackupLost(Exception):
    """A backup the configuration requires is gone and the platform can no longer give it."""


def required_of(acc: AccountPlan) -> tuple[str, ...]:
    """Every backup the plan says the configuration requires of the account."""
    return tuple(sorted(set(acc.backups_held) | created_by(acc.actions)))


class BackupGuard:
    """Called by a destructive reconcile right before its first write."""

    def __init__(self, acc: AccountPlan) -> None:
        self.required = required_of(acc)

    def keys_for(self, action: Action) -> tuple[str, ...]:
        scope = DESTRUCTIVE.get(action.type)
        return tuple(k for k in self.required if scope is None or k in scope)

    async def __call__(self, action: Action, ctx: AccountContext) -> None:
        keys = self.keys_for(action)
        if not keys:
            return
        if ctx.store is None:  # a plan that requires backups always names a destination
            raise BackupLost(f"{action.address}: the plan names no backup destination")
        missing = await _unverified(ctx, keys)
        lost = [k for k in missing if not _obtainable(k, ctx)]
        if lost:
            raise BackupLost(
                f"{action.address} not done: "
                + ", ".join(describe(k) for k in lost)
                + " is lost: its backup is missing or damaged and the platform no longer "
                "serves it; set the backup to ignore (or acknowledge.replays_without_backup) "
                "to accept the loss, then plan again"
            )
        for key in missing:
            await _fetch_again(key, action, ctx)
        still = await _unverified(ctx, missing)
        if still:
            raise BackupLost(
                f"{action.address} not done: {', '.join(describe(k) for k in still)} "
                "could not be verified after fetching it again"
            )


async def _unverified(ctx: AccountContext, keys: Iterable[str]) -> list[str]:
    store = ctx.store
    assert store is not None

    def check() -> list[str]:
        return [k for k in keys if not store.verified(*_where(k, ctx))]

    return await asyncio.to_thread(check)


def _where(key: str, ctx: AccountContext) -> tuple[BackupKind, str, str | None]:
    kind, target = parse_key(key)
    return kind, ctx.state.id, target


def _obtainable(key: str, ctx: AccountContext) -> bool:
    kind, target = parse_key(key)
    state = ctx.state
    if kind is BackupKind.interactions:
        return state.interactions.exportable
    if kind is BackupKind.gift_ledger:
        return True  # the platform keeps the ledger forever (DESIGN §1)
    return any(r.id == target and r.online for r in state.replays)


async def _fetch_again(key: str, action: Action, ctx: AccountContext) -> None:
    if key == INTERACTIONS:
        await _interactions(action, ctx)
    elif key == GIFT_LEDGER:
        await _gift_ledger(action, ctx)
    else:
        _, target = parse_key(key)
        replay = next(r for r in ctx.state.replays if r.id == target)
        await _store(
            ctx,
            BackupKind.replay,
            replay.id,
            f"replay {replay.id}",
            lambda path: ctx.client.download_replay(ctx.state.id, replay, path),
        )


async def _spend(ctx: AccountContext, what: str) -> None:
    """One write call beyond the plan's, from the day's quota, or the account waits."""
    if ctx.reserve is not None and not await ctx.reserve(1):
        raise Waiting(f"{what} needs a write call and the day's quota is spent")
    ctx.extra_reserved += 1


async def _interactions(action: Action, ctx: AccountContext) -> None:
    job = ctx.state.open_work.export_job
    if job is None or job.status is JobStatus.expired:
        what = "exporting the interaction data again"
        await _spend(ctx, what)
        result = ctx.took(
            await ctx.client.export_interactions(
                ctx.state.id, idempotency_key=ctx.key(action, "export again"), if_match=ctx.version
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
                f"the interaction backup vanished; export job {job.id} makes it again, ready "
                f"at {job.ready_at.isoformat()}",
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


async def _gift_ledger(action: Action, ctx: AccountContext) -> None:
    ticket = ctx.state.open_work.gift_ledger_ticket
    if ticket is None:
        await _spend(ctx, "asking for the gift ledger again")
        result = ctx.took(
            await ctx.client.request_gift_ledger(
                ctx.state.id, idempotency_key=ctx.key(action, "ledger again"), if_match=ctx.version
            )
        )
        ticket = result.answer.ticket
        if ticket is None:
            raise RuntimeError("the platform opened no gift-ledger ticket")
    await store_ledger(
        ctx,
        ticket,
        lambda t: (
            f"the gift-ledger backup vanished; ticket {t.id} provides it again by "
            f"{t.fulfilled_at.isoformat()}"
        ),
    )
