"""Property: over random worlds, desired states and faults, repeated applies stay safe and
converge.

For each generated case (tests/stress/worlds.py): a sandbox world (account kinds, matrix
parents, bans, MCN contracts, schedules, replays, streaming, grants, low write quotas,
ticket/appeal/export delays) and a valid configuration for it. Then

1. a few applies under faults (error rate, responses lost after commit, latency), some from
   a saved plan file, with the clock advancing 25 h between runs;
2. faults off, and apply again (clock advancing) until `ksctl plan` has nothing left to
   change, within a bounded number of runs.

After every run: no idempotency key and no state-changing write committed twice; live never
closed on an account before every backup it asked for was downloaded and verified; no
traceback; exit codes only those docs/exit-codes.md documents. At the end every account is either in
sync (checked against the sandbox's own state, not the plan's word) or reported blocked or in
error for a reason the world explains (a ban outlasting the runs, an unacknowledged MCN
contract, no write grant, a tag ksctl cannot grant, interaction data already lost).

CI runs a fixed, derandomized set of examples. The long run is one command:

    KSCTL_STRESS_EXAMPLES=500 python -m pytest tests/stress -p no:cacheprovider -k converge
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, note, settings

from ksctl.backups.manifest import BackupKind
from ksctl.backups.store import BackupStore, LocalSink
from ksctl.config import load_config
from ksctl.config.model import Closure, DesiredAccount
from ksctl.contract.wire import AccountState
from ksctl.sandbox import meta, views
from ksctl.sandbox.access import AppGrant, denial
from ksctl.sandbox.world import AccountSeed, World
from tests.apply.conftest import Workspace
from tests.conftest import assert_no_write_twice
from tests.stress.support import (
    Item,
    assert_clean_output,
    assert_closed_only_after_backups,
    plan_json,
    wanted_backups,
    workspace,
)
from tests.stress.worlds import NOW, SHORT_BAN_DAYS, Case, cases

# 40 in CI: each example is a dozen CLI runs (~2.5 s), and CI has a 15-minute budget.
EXAMPLES = int(os.environ.get("KSCTL_STRESS_EXAMPLES", "40"))
RUN_GAP = timedelta(hours=25)  # past a quota reset, a short ticket, an export job
CONVERGE_WITHIN = 14  # runs without faults (the slowest world: 8 writes a day, 3-day review)
NO_FAULTS = {"error_rate": 0.0, "lost_response_rate": 0.0, "latency_ms": 0}
CONFIG = "accounts.yaml"


class Run:
    """One example: the workspace, the case, what the configuration asks of each account."""

    def __init__(self, ws: Workspace, case: Case) -> None:
        self.ws, self.case = ws, case
        ws.store.seed(case.world)
        (ws.root / CONFIG).write_text(
            yaml.safe_dump(case.config, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        valid = ws.ksctl("validate", CONFIG)
        assert valid.exit_code == 0, valid.stderr
        self.desired: dict[str, DesiredAccount] = {
            a.id: a for a in load_config([str(ws.root / CONFIG)]).accounts
        }
        self.seeds = {a.id: a for a in case.world.accounts}
        # A replay the world has offline already can never be downloaded (lost: a plan
        # error, or a warning when acknowledged).
        self.replays = {a.id: [r.id for r in a.replays if r.online] for a in case.world.accounts}
        self.runs = 0
        # Backups the store lost or had corrupted (the state machine's events), with the
        # request-log position at which it happened.
        self.damaged: dict[Item, int] = {}

    def ban_ends_soon(self, account_id: str) -> bool:
        """A ban that ends within the runs: the account must converge after it."""
        ban = self.seeds[account_id].ban
        return ban is not None and ban.until < NOW + timedelta(days=SHORT_BAN_DAYS + 1)

    def check(self) -> None:
        assert_no_write_twice(self.ws.store.writes())
        assert_closed_only_after_backups(self.ws, self.desired, self.replays, self.damaged)

    def apply(self, *, saved: bool = False, faults: bool = True) -> int:
        self.runs += 1
        if saved:
            made = self.ws.ksctl("plan", CONFIG, "--out", "plan.json")
            assert_clean_output(made)
            assert made.exit_code in (0, 1), made.stderr
            if not Path("plan.json").is_file():  # the refresh itself failed (faults)
                assert made.exit_code == 1
                return 1
            result = self.ws.ksctl("apply", "plan.json", "--force")
            Path("plan.json").unlink()
        else:
            result = self.ws.ksctl("apply", CONFIG, "--auto-approve", "--force")
        assert_clean_output(result)
        assert result.exit_code in (0, 1, 3), result.stderr  # 4: nothing here is refused
        if not faults:
            # Without faults an action fails only for a reason the world explains; those
            # accounts are planned as errors and never started.
            # A backup lost from the store that the platform no longer serves stops its
            # account before the destructive write: the loss explains it.
            failed = re.findall(r"^account (\S+): failed: (.*)$", result.stderr, re.M)
            assert all(
                " is lost: " in why and any(a == account for a, _, _ in self.damaged)
                for account, why in failed
            ), result.stderr
        self.check()
        return result.exit_code


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    # Each example is a dozen CLI runs against a sandbox: slow by nature, not by a
    # generation problem.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases())
def test_random_worlds_converge_and_never_write_twice_or_close_before_backups(case: Case) -> None:
    note(yaml.safe_dump(_describe(case), allow_unicode=True, sort_keys=False))
    with workspace() as ws:
        run = Run(ws, case)
        streaming = [a.id for a in case.world.accounts if a.live.streaming]
        for faults, saved in zip(case.faults, case.saved, strict=True):
            ws.store.configure(faults=faults)
            run.apply(saved=saved)
            for account in streaming:  # the broadcast ends after the first run
                ws.store.set_streaming(account, False)
            streaming = []
            ws.store.advance(RUN_GAP)
        converge_and_judge(run)


def converge_and_judge(run: Run) -> None:
    """Faults off, apply (the clock moving) until nothing is left to change, within a bound;
    then every account in sync really holds, and every other one has a reason the world
    explains."""
    ws = run.ws
    ws.store.configure(faults=NO_FAULTS)
    for _ in range(CONVERGE_WITHIN):
        _, plan = plan_json(ws, CONFIG)
        if not [
            a
            for a in plan["accounts"]
            if a["status"] == "changes" or (run.ban_ends_soon(a["id"]) and banned(a))
        ]:
            break
        run.apply(faults=False)
        ws.store.advance(RUN_GAP)
    else:
        _, plan = plan_json(ws, CONFIG)
    writes = ws.store.writes()
    event(f"runs: {run.runs}")
    event(f"accounts closed: {sum(w['operation'] == 'disable_live' for w in writes)}")
    event(f"writes: {len(writes) // 10 * 10}+")
    for status in sorted({a["status"] for a in plan["accounts"]}):
        event(f"final status: {status}")
    for a in plan["accounts"]:
        for reason in a["errors"]:
            event(f"reason: {reason[:30]}")
    left = {a["id"]: a for a in plan["accounts"] if a["status"] == "changes"}
    assert left == {}, f"not converged within {CONVERGE_WITHIN} runs: {left}"
    for account in plan["accounts"]:
        if account["status"] == "in_sync":
            assert_holds(run, run.desired[account["id"]])
        else:
            assert account["status"] in ("blocked", "error"), account
            assert account["errors"], account
            for reason in account["errors"]:
                assert explained(reason, run, account["id"]), (reason, account)


def banned(account: dict[str, Any]) -> bool:
    """The plan still names a running ban (blocked, or error when something else is wrong
    too): the clock must move past a short one before the end state is judged."""
    return any(reason.startswith("banned") for reason in account["errors"])


def platform_view(ws: Workspace, grant: AppGrant, account_id: str) -> AccountState:
    """The account as the sandbox platform itself reports it (its read model)."""
    with ws.store.transaction() as conn:
        state = views.account_state(conn, grant, meta.now(conn), account_id)
    assert state is not None, account_id
    return state


def assert_holds(run: Run, desired: DesiredAccount) -> None:
    """An account the plan calls in sync really is what the configuration says, per the
    sandbox's own state and the backup store."""
    ws = run.ws
    now = ws.store.now()
    actual = platform_view(ws, _grant(run.case.world), desired.id)
    live = desired.live
    if live and live.permission:
        assert actual.live.permission.value == live.permission.value, desired.id
    if live and live.closure is Closure.hard and actual.live.permission.value == "disabled":
        assert not [r.id for r in actual.replays if r.online], desired.id
    if desired.schedules and desired.schedules.value == "cleared":
        assert not [
            s.id for s in actual.schedules if s.status.value == "pending" and s.start_at > now
        ], desired.id
    cert = desired.certification
    if cert and cert.live_certified is not None:
        assert actual.certification.live_certified is cert.live_certified, desired.id
    if desired.privacy and desired.privacy.purge_viewer_phone_numbers:
        assert actual.interactions.viewer_phone_numbers == 0, desired.id
    money = desired.monetization
    for feature in ("short_video_tipping", "shopping_cart"):
        want = getattr(money, feature) if money else None
        if want is not None:
            assert getattr(actual.monetization, feature).value == want.value, desired.id
    store = BackupStore(LocalSink(ws.root / ".ksctl" / "backups"))
    for kind, target in wanted_backups(desired, run.replays[desired.id]):
        assert store.verified(BackupKind(kind), desired.id, target), (desired.id, kind, target)


def _grant(world: World) -> AppGrant:
    app = world.apps[0]
    return AppGrant(app.app_id, frozenset(app.admin_orgs), frozenset(app.accounts))


def explained(reason: str, run: Run, account_id: str) -> bool:
    """Whether the world (not ksctl) makes this account impossible to converge."""
    seed: AccountSeed = run.seeds[account_id]
    desired = run.desired[account_id]
    now = run.ws.store.now()
    if reason.startswith("banned"):
        return seed.ban is not None and seed.ban.until > now and not run.ban_ends_soon(seed.id)
    if "MCN contract" in reason:
        ack = bool(desired.acknowledge and desired.acknowledge.contract_breach)
        return seed.contract is not None and seed.contract.until > now and not ack
    # A missing grant reads as "may not write" (the org's admin rights, modelled) or as the
    # holder never having authorized the app (100200111, a real code: the plan names
    # `ksctl auth login`).
    if "may not write" in reason or "never authorized" in reason:
        parent = run.seeds.get(seed.parent or "")
        return (
            denial(
                _grant(run.case.world),
                seed.id,
                seed.kind.value,
                seed.org,
                seed.parent,
                parent.org if parent else None,
            )
            is not None
        )
    if "ksctl cannot grant" in reason:
        return not seed.certification.live_certified
    if "scheduled live(s) are pending" in reason:
        cleared = desired.schedules is not None and desired.schedules.value == "cleared"
        return not cleared and any(
            s.status.value == "pending" and s.start_at > now for s in seed.schedules
        )
    damaged = {(kind, target) for a, kind, target in run.damaged if a == account_id}
    if "interaction data is already lost" in reason:
        return seed.live.permission.value == "disabled" or ("interactions", None) in damaged
    lost = re.match(r"replay\(s\) (.+) are lost: ", reason)
    if lost:  # offline in the world from the start, or a copy the store lost since
        offline = {r.id for r in seed.replays if not r.online}
        return all(r in offline or ("replay", r) in damaged for r in lost.group(1).split(", "))
    return False


def _describe(case: Case) -> dict[str, Any]:
    return {
        "world": case.world.model_dump(mode="json"),
        "config": case.config,
        "faults": case.faults,
        "saved": case.saved,
    }
