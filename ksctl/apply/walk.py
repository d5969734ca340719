"""The walk: accounts concurrently (bounded), each account's actions in dependency order.

Before an account's chain of writes starts, its write calls are reserved from the day's
remaining quota, so accounts are finished whole rather than all left half-way. A failed or
waiting action cuts off only what depends on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ksctl.apply.guarantee import BackupLost
from ksctl.apply.journal import Journal
from ksctl.apply.reconcile import RECONCILE, AccountContext, Outcome, Result, Waiting
from ksctl.engine.plan import AccountPlan
from ksctl.platform.errors import (
    AccountBanned,
    NotReady,
    PlatformError,
    PreconditionFailed,
    QuotaExhausted,
)


class AccountStatus(StrEnum):
    converged = "converged"
    waiting = "waiting"  # work left: run again later
    failed = "failed"


@dataclass
class AccountRun:
    id: str
    status: AccountStatus
    results: dict[str, Result] = field(default_factory=dict)
    writes: int = 0
    message: str = ""
    retry_after: datetime | None = None


@dataclass
class QuotaBudget:
    remaining: int | None
    per_day: int | None
    resets_at: datetime | None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def reserve(self, need: int) -> bool:
        async with self.lock:
            if self.remaining is None or need <= self.remaining:
                if self.remaining is not None:
                    self.remaining -= need
                return True
            # A chain longer than a whole day can only ever start on a fresh day.
            if self.per_day is not None and need > self.per_day and self.remaining == self.per_day:
                self.remaining = 0
                return True
            return False

    async def release(self, unused: int) -> None:
        if unused > 0 and self.remaining is not None:
            async with self.lock:
                self.remaining += unused


def _classify(exc: BaseException) -> tuple[Outcome, str, datetime | None]:
    if isinstance(exc, BackupLost):
        return Outcome.failed, str(exc), None
    if isinstance(exc, Waiting):
        return Outcome.waiting, str(exc), getattr(exc, "retry_after", None)
    if isinstance(exc, QuotaExhausted):
        return Outcome.left, f"write quota spent: {exc}", getattr(exc, "resets_at", None)
    if isinstance(exc, AccountBanned):
        return Outcome.waiting, str(exc), getattr(exc, "until", None)
    if isinstance(exc, NotReady):
        return Outcome.waiting, str(exc), None
    if isinstance(exc, PreconditionFailed):
        return Outcome.failed, f"{exc}; the account changed during apply: plan again", None
    if isinstance(exc, PlatformError):
        return (Outcome.left if exc.retryable else Outcome.failed), str(exc), None
    return Outcome.failed, f"{type(exc).__name__}: {exc}", None


async def run_account(acc: AccountPlan, ctx: AccountContext, journal: Journal) -> AccountRun:
    run = AccountRun(acc.id, AccountStatus.converged)
    cut: set[str] = set()
    later: list[datetime] = []
    for action in acc.actions:
        if cut.intersection(action.depends_on):
            run.results[action.address] = Result(Outcome.skipped, "waits for what it depends on")
            cut.add(action.address)
            continue
        key = ctx.key(action)
        journal.record("start", address=action.address, type=action.type.value, idempotency_key=key)
        before_writes, before_ids = ctx.writes, len(ctx.request_ids)
        try:
            if action.manual:  # a person acts; the next plan's refresh verifies it
                raise Waiting(
                    f"{action.address} is a manual step: {action.manual}; "
                    "run apply again once it is done"
                )
            outcome, message = await RECONCILE[action.type](action, ctx), ""
        except Exception as exc:  # every failure is classified and journalled, none escapes
            outcome, message, when = _classify(exc)
            if when is not None:
                later.append(when)
        result = Result(outcome, message, ctx.writes - before_writes, ctx.request_ids[before_ids:])
        run.results[action.address] = result
        journal.record(
            "end",
            address=action.address,
            outcome=outcome.value,
            message=message,
            idempotency_key=key,
            writes=result.writes,
            request_ids=result.request_ids,
        )
        if outcome not in (Outcome.done, Outcome.already):
            cut.add(action.address)
    run.writes = ctx.writes
    outcomes = {r.outcome for r in run.results.values()}
    if Outcome.failed in outcomes:
        run.status = AccountStatus.failed
    elif outcomes - {Outcome.done, Outcome.already}:
        run.status = AccountStatus.waiting
    first = next(
        (
            r.message
            for r in run.results.values()
            if r.outcome in (Outcome.failed, Outcome.waiting, Outcome.left)
        ),
        "",
    )
    run.message = first
    run.retry_after = min(later) if later else None
    return run


def not_started(acc: AccountPlan, message: str, retry_after: datetime | None) -> AccountRun:
    return AccountRun(
        acc.id,
        AccountStatus.waiting,
        {a.address: Result(Outcome.left, message) for a in acc.actions},
        message=message,
        retry_after=retry_after,
    )


async def walk(
    accounts: list[AccountPlan],
    make_context: Callable[[AccountPlan], AccountContext],
    journal: Journal,
    budget: QuotaBudget,
    parallelism: int,
    on_done: Callable[[AccountRun], None],
) -> list[AccountRun]:
    gate = asyncio.Semaphore(max(1, parallelism))
    runs: list[AccountRun] = []

    async def one(acc: AccountPlan, reserved: int) -> None:
        try:
            ctx = make_context(acc)
            run = await run_account(acc, ctx, journal)
            await budget.release(reserved + ctx.extra_reserved - run.writes)
        finally:
            gate.release()
        runs.append(run)
        on_done(run)

    tasks = []
    for acc in accounts:
        await gate.acquire()
        need = acc.write_calls
        if not await budget.reserve(need):
            gate.release()
            run = not_started(
                acc,
                f"write quota: needs {need} write call(s), {budget.remaining} left today",
                budget.resets_at,
            )
            runs.append(run)
            on_done(run)
            continue
        tasks.append(asyncio.create_task(one(acc, need)))
    await asyncio.gather(*tasks)
    order = {acc.id: i for i, acc in enumerate(accounts)}
    return sorted(runs, key=lambda r: order[r.id])
