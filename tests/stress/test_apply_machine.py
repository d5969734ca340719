"""Stateful property test: hypothesis chooses the sequence of events, not only the world.

A rule-based state machine over one random world and configuration: applies from config or
from a saved plan under random faults, the virtual clock jumping ahead, a broadcast ending,
the platform changing an account under a saved plan, and the backup store losing a file or
having one corrupted (at any time, or between a saved plan and its apply). After every
step: no write committed twice, live never closed before the account's backups verified,
and no destructive write after a backup was damaged unless that backup was fetched again
first (a backup the platform no longer serves stops its account, and the plan then
reports it lost). A saved plan
whose accounts changed is refused before any write. At the end, whatever happened, the
faults stop and repeated applies converge, with every account left over explained by the
world (tests/stress/test_converge_property.py judges that end state).

CI runs a fixed, derandomized set of sequences; `KSCTL_STRESS_EXAMPLES=500` (the long run of
README) runs a quarter as many sequences as it runs worlds in the property test.
"""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.stress.support import (
    Item,
    assert_clean_output,
    backup_file,
    damage,
    store_files,
    workspace,
)
from tests.stress.test_converge_property import (
    CONFIG,
    EXAMPLES,
    NO_FAULTS,
    Run,
    _describe,
    converge_and_judge,
)
from tests.stress.worlds import FAULTS, Case, configs, worlds

SEQUENCES = max(6, EXAMPLES // 4)
PLAN_FILE = "plan.json"


class ApplyMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.stack = contextlib.ExitStack()
        self.run: Run | None = None
        self.streaming: list[str] = []

    @initialize(data=st.data())
    def seed_a_world(self, data: st.DataObject) -> None:
        world = data.draw(worlds(max_accounts=3), label="world")
        case = Case(world, data.draw(configs(world), label="config"))
        note(json.dumps(_describe(case), ensure_ascii=False, default=str))
        ws = self.stack.enter_context(workspace())
        self.run = Run(ws, case)
        self.streaming = [a.id for a in world.accounts if a.live.streaming]

    @property
    def ws(self) -> Any:
        assert self.run is not None
        return self.run.ws

    @rule(faults=FAULTS, saved=st.booleans())
    def apply(self, faults: dict[str, Any], saved: bool) -> None:
        assert self.run is not None
        self.ws.store.configure(faults=faults)
        try:
            self.run.apply(
                saved=saved, faults=bool(faults["error_rate"] or faults["lost_response_rate"])
            )
        finally:
            self.ws.store.configure(faults=NO_FAULTS)

    @rule(
        faults=FAULTS,
        saved=st.booleans(),
        hits=st.lists(st.sampled_from(["keep", "lose", "corrupt"]), min_size=1, max_size=4),
    )
    def apply_while_the_store_loses_what_it_just_stored(
        self, faults: dict[str, Any], saved: bool, hits: list[str]
    ) -> None:
        """The most hostile moment: a backup vanishes (or rots) right after apply stored it,
        before the closing write that relied on it."""
        from ksctl.apply import journal as journal_module

        record = journal_module.Journal.record
        machine, queue = self, list(hits)

        def losing(journal: Any, event: str, **fields: Any) -> None:
            record(journal, event, **fields)
            path = backup_file(machine.ws, str(fields.get("address", "")))
            if event != "end" or fields.get("outcome") not in ("done", "already") or not path:
                return
            what = queue.pop(0) if queue else "keep"
            if what != "keep" and path.is_file():
                machine.note_damage(damage(machine.ws, path, what == "corrupt"))

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(journal_module.Journal, "record", losing)
            self.apply(faults, saved)

    @rule(hours=st.sampled_from([1, 25, 49, 73]))
    def time_passes(self, hours: int) -> None:
        self.ws.store.advance(timedelta(hours=hours))

    @precondition(lambda self: bool(self.streaming))
    @rule()
    def the_broadcast_ends(self) -> None:
        for account in self.streaming:
            self.ws.store.set_streaming(account, False)
        self.streaming = []

    @rule(data=st.data())
    def a_saved_plan_is_refused_once_its_accounts_changed(self, data: st.DataObject) -> None:
        made = self.ws.ksctl("plan", CONFIG, "--out", PLAN_FILE)
        assert_clean_output(made)
        saved = Path(PLAN_FILE)
        if not saved.is_file():
            return
        plan = json.loads(saved.read_text(encoding="utf-8"))
        # Apply acts on the accounts planned as `changes`; it leaves the others alone.
        touched = sorted(a["id"] for a in plan["accounts"] if a["status"] == "changes")
        if not touched:
            saved.unlink()
            return
        account = data.draw(st.sampled_from(touched), label="changed under the plan")
        self.ws.store.patch_account(account, {})  # a new version, as any platform change
        before = len(self.ws.store.writes())
        result = self.ws.ksctl("apply", PLAN_FILE, "--force")
        saved.unlink()
        assert_clean_output(result)
        assert result.exit_code == 4, result.stderr
        assert account in result.stderr and "plan again" in result.stderr, result.stderr
        assert len(self.ws.store.writes()) == before

    def damage_the_store(
        self, data: st.DataObject, corrupt: bool, accounts: frozenset[str] = frozenset()
    ) -> None:
        """Lose or corrupt one file, one of `accounts`' when they have any."""
        assert self.run is not None
        files = store_files(self.ws)
        aimed = [p for p in files if p.parent.name in accounts or p.parent.parent.name in accounts]
        files = aimed or files
        if not files:
            return
        path = data.draw(st.sampled_from(files), label="damaged" if corrupt else "lost")
        self.note_damage(damage(self.ws, path, corrupt))

    def note_damage(self, item: Item) -> None:
        assert self.run is not None
        self.run.damaged[item] = max((r["seq"] for r in self.ws.store.request_log()), default=0)

    @rule(data=st.data(), corrupt=st.booleans())
    def the_backup_store_loses_or_corrupts_a_file(self, data: st.DataObject, corrupt: bool) -> None:
        self.damage_the_store(data, corrupt)

    @rule(data=st.data(), corrupt=st.booleans())
    def the_store_loses_a_file_between_plan_and_apply(
        self, data: st.DataObject, corrupt: bool
    ) -> None:
        made = self.ws.ksctl("plan", CONFIG, "--out", PLAN_FILE)
        assert_clean_output(made)
        saved = Path(PLAN_FILE)
        if not saved.is_file():
            return
        plan = json.loads(saved.read_text(encoding="utf-8"))
        # Aim at what hurts: the files of accounts the plan closes, takes down or purges.
        destructive = frozenset(
            a["id"]
            for a in plan["accounts"]
            if a["status"] == "changes"
            and {x["type"] for x in a["actions"]}
            & {"disable_live", "takedown_replays", "purge_viewer_pii"}
        )
        self.damage_the_store(data, corrupt, destructive)
        event(f"damaged before a destructive plan: {bool(destructive)}")
        result = self.ws.ksctl("apply", PLAN_FILE, "--force")
        saved.unlink()
        assert_clean_output(result)
        assert result.exit_code in (0, 1, 3), result.stderr

    @invariant()
    def nothing_twice_and_live_closed_only_after_backups(self) -> None:
        if self.run is not None:
            self.run.check()

    def teardown(self) -> None:
        try:
            if self.run is not None:
                for account in self.streaming:
                    self.ws.store.set_streaming(account, False)
                converge_and_judge(self.run)
        finally:
            self.stack.close()


def test_any_sequence_of_applies_faults_and_time_stays_safe_and_converges() -> None:
    run_state_machine_as_test(
        ApplyMachine,
        settings=settings(
            max_examples=SEQUENCES,
            stateful_step_count=10,
            deadline=None,
            derandomize=True,
            database=None,
            print_blob=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
