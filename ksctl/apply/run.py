"""One apply run: preflight (refuse before any write), lock, walk, report."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ksctl import asyncrun
from ksctl.apply.guarantee import BackupGuard
from ksctl.apply.journal import Journal
from ksctl.apply.lock import apply_lock
from ksctl.apply.reconcile import AccountContext
from ksctl.apply.sms import choose_source
from ksctl.apply.walk import AccountRun, AccountStatus, QuotaBudget, walk
from ksctl.backups.cleanup import remove_partials
from ksctl.backups.store import BackupStore, open_sink
from ksctl.engine.plan import AccountPlan, Plan, Status
from ksctl.errors import KsctlError
from ksctl.home import state_dir
from ksctl.platform.client import PlatformClient
from ksctl.platform.target import Target, open_client
from ksctl.signals import signal_name

EXIT_OK, EXIT_ERROR, EXIT_LEFT, EXIT_REFUSED = 0, 1, 3, 4


class Refused(KsctlError):
    """Apply refused before any write (exit 4)."""

    exit_code = EXIT_REFUSED


@dataclass
class ApplyReport:
    runs: list[AccountRun]
    plan: Plan
    run_id: str
    journal: Path | None = None
    untouched: list[AccountPlan] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if any(r.status is AccountStatus.failed for r in self.runs) or any(
            a.status is Status.error for a in self.untouched
        ):
            return EXIT_ERROR
        if any(r.status is AccountStatus.waiting for r in self.runs) or any(
            a.status is Status.blocked for a in self.untouched
        ):
            return EXIT_LEFT
        return EXIT_OK

    @property
    def writes(self) -> int:
        return sum(r.writes for r in self.runs)

    @property
    def retry_after(self) -> datetime | None:
        times = [r.retry_after for r in self.runs if r.retry_after]
        return min(times) if times else None


def preflight(plan: Plan, target_name: str, *, force: bool, now: datetime) -> None:
    """Refusals that need no platform call: expiry, another target, safety thresholds."""
    if now > plan.expires_at:
        raise Refused(f"the plan expired at {plan.expires_at.isoformat()}: plan again")
    if plan.target != target_name:
        raise Refused(
            f"the plan was made against {plan.target}, not {target_name}: plan again "
            "against this target"
        )
    if plan.safety.unsafe and not force:
        raise Refused(
            "unsafe plan: "
            + "; ".join(plan.safety.reasons)
            + ". Review it, then apply with --force"
        )


async def check_versions(client: PlatformClient, accounts: list[AccountPlan]) -> dict[str, object]:
    """Re-read the accounts the plan writes to; refuse when any changed since the plan."""
    read = await client.get_accounts([a.id for a in accounts])
    stale = []
    for acc in accounts:
        now = read.accounts.get(acc.id)
        if now is None:
            stale.append(f"{acc.id} is gone")
        elif now.version != acc.version:
            stale.append(f"{acc.id} (version {acc.version} -> {now.version})")
    if stale:
        raise Refused(f"the platform changed since the plan: {', '.join(stale)}; plan again")
    return dict(read.accounts)


async def _apply(
    plan: Plan,
    target: Target,
    workdir: Path,
    env: Mapping[str, str],
    parallelism: int,
    interactive: bool | None,
    run_id: str,
    journal: Journal,
    on_done: Callable[[AccountRun], None],
    poll_budget_s: float,
) -> list[AccountRun]:
    runnable = [a for a in plan.accounts if a.status is Status.changes and a.actions]
    if not runnable:
        return []
    async with open_client(target) as client:
        journal.redactor_from(client)
        states = await check_versions(client, runnable)
        quota = await client.get_quota()
        # The platform's clock (a sandbox's is virtual): what its quota days are counted in.
        journal.record("platform_clock", now=client.platform_now().isoformat())
        budget = QuotaBudget(quota.remaining, quota.per_day, quota.resets_at)
        source = choose_source(env, target.inbox, interactive)
        stores: dict[str, BackupStore] = {}
        staging = state_dir(workdir) / "staging"

        def store_of(acc: AccountPlan) -> BackupStore | None:
            if not acc.destination:
                return None
            return stores.get(acc.destination) or stores.setdefault(
                acc.destination, BackupStore(open_sink(acc.destination, workdir))
            )

        # Under the lock: what a killed run left half-written is no other run's.
        removed = 0
        for acc in runnable:
            store = store_of(acc)
            if store is not None:
                removed += await asyncio.to_thread(remove_partials, store.sink, acc.id)
        if removed:
            journal.record("removed_partials", files=removed)

        def context(acc: AccountPlan) -> AccountContext:
            store = store_of(acc)
            return AccountContext(
                client=client,
                plan_checksum=plan.checksum,
                state=states[acc.id],  # type: ignore[arg-type]
                store=store,
                staging=staging,
                code_source=source,
                poll_budget_s=poll_budget_s,
                before_destructive=BackupGuard(acc),
                reserve=budget.reserve,
            )

        return await walk(runnable, context, journal, budget, parallelism, on_done)


def apply_plan(
    plan: Plan,
    target: Target,
    target_name: str,
    *,
    workdir: Path,
    env: Mapping[str, str],
    force: bool = False,
    parallelism: int = 8,
    interactive: bool | None = None,
    poll_budget_s: float = 20.0,
    on_done: Callable[[AccountRun], None] = lambda run: None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> ApplyReport:
    """Apply `plan` to `target`; refuses (exit 4) before any write when it must."""
    preflight(plan, target_name, force=force, now=datetime.now(UTC))
    home = state_dir(workdir)
    # Microseconds, so that journal names sort in run order even for runs within a second.
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ") + "-" + uuid.uuid4().hex[:6]
    with apply_lock(home):
        journal = Journal(home, run_id)
        journal.listener = on_event
        try:
            journal.record(
                "begin",
                plan=plan.checksum,
                target=plan.target,
                accounts=[a.id for a in plan.accounts if a.actions],
            )
            runs = asyncrun.run(
                _apply(
                    plan,
                    target,
                    workdir,
                    env,
                    parallelism,
                    interactive,
                    run_id,
                    journal,
                    on_done,
                    poll_budget_s,
                )
            )
            report = ApplyReport(
                runs,
                plan,
                run_id,
                journal.path,
                [a for a in plan.accounts if a.status in (Status.error, Status.blocked)],
            )
            journal.record("finish", exit_code=report.exit_code, writes=report.writes)
        except KeyboardInterrupt:  # the journal says why its last actions have no end
            journal.record("interrupted", signal=signal_name())
            raise
        finally:
            journal.close()
    return report
