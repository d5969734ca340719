"""`ksctl apply --json`: progress as JSON lines on stdout, one object a line, no secret."""

from __future__ import annotations

import io
import json
from typing import Any

from ksctl.apply.events import JsonEvents
from ksctl.apply.walk import AccountRun, AccountStatus
from tests.apply.conftest import Workspace
from tests.conftest import ROOT

EXAMPLE = str(ROOT / "examples" / "accounts.yaml")


def lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_a_run_as_json_lines_from_start_to_exit_code(ws: Workspace) -> None:
    result = ws.ksctl("apply", EXAMPLE, "--auto-approve", "--json")
    assert result.exit_code == 3
    events = lines(result.stdout)  # every line of stdout is one JSON object
    types = [e["type"] for e in events]
    assert types[0] == "run_started" and types[-1] == "run_finished"
    assert events[-1]["exit_code"] == 3 and events[-1]["writes"] > 0
    assert events[-1]["journal"].endswith(".jsonl")
    assert {e["converged"] for e in events[-1:]} == {2} and events[-1]["waiting"] == 4
    assert sorted(events[0]["accounts"]) == sorted(
        {e["account"] for e in events if e["type"] == "account_finished"}
    )
    for account in events[0]["accounts"]:
        mine = [e["type"] for e in events if e.get("account") == account]
        assert mine[0] == "account_started" and mine[-1] == "account_finished"
        assert mine.count("account_started") == 1
    waiting = [e for e in events if e["type"] == "action_waiting"]
    assert waiting and all(e["reason"] for e in waiting if e["outcome"] == "waiting")
    ledger = next(e for e in waiting if e["action"] == "download_gift_ledger")
    assert "gift-ledger ticket" in ledger["reason"]
    done = [e for e in events if e["type"] == "action_done"]
    assert sum(e["writes"] for e in done) == events[-1]["writes"]
    # the plan and the human summary went to stderr
    assert "Plan:" in result.stderr and "Apply: 2 converged" in result.stderr
    # no secret, code or phone number: the SMS codes the sandbox sent are nowhere
    codes = [str(m["code"]) for m in ws.store.sms_inbox()]
    assert codes
    for code in codes:
        assert f'"{code}"' not in result.stdout and f" {code}" not in result.stdout
    assert "demo_secret" not in result.stdout
    assert "138000012" not in result.stdout


def test_a_refused_plan_is_a_run_finished_with_exit_4(ws: Workspace) -> None:
    saved = ws.root / "plan.json"
    assert ws.ksctl("plan", EXAMPLE, "--out", str(saved)).exit_code == 0
    refused = ws.ksctl("apply", str(saved), "--json", "--target", "3xk9d2a1")
    assert refused.exit_code == 4
    (event,) = lines(refused.stdout)
    assert event["type"] == "run_finished" and event["exit_code"] == 4
    assert "plan again with --target" in event["reason"]
    assert refused.stderr.count("ksctl: error:") == 1  # the human line is still there
    saved.write_text(saved.read_text().replace('"embedded-sandbox"', '"elsewhere"', 1))  # edited
    edited = ws.ksctl("apply", str(saved), "--json")
    assert edited.exit_code == 4
    assert [e["exit_code"] for e in lines(edited.stdout)] == [4]


def test_nothing_to_change_is_a_run_finished_with_exit_0(ws: Workspace) -> None:
    ws.ksctl("apply", EXAMPLE, "--auto-approve", "--target", "5wl8t3q6")
    result = ws.ksctl("apply", EXAMPLE, "--auto-approve", "--json", "--target", "5wl8t3q6")
    assert result.exit_code == 0
    assert [(e["type"], e["exit_code"]) for e in lines(result.stdout)] == [("run_finished", 0)]


def test_each_outcome_has_its_event() -> None:
    out = io.StringIO()
    events = JsonEvents(out)
    events.actions_of({"a1": 3})
    events.journal({"event": "start", "address": "a1/disable_live"})
    for outcome, message in (("done", ""), ("failed", "refused: 100200102"), ("skipped", "w")):
        events.journal(
            {"event": "end", "address": "a1/disable_live", "outcome": outcome, "message": message}
        )
    events.account_finished(AccountRun("a1", AccountStatus.failed, message="refused"))
    events.journal({"event": "interrupted"})
    got = [(e["type"], e.get("outcome"), e.get("reason")) for e in lines(out.getvalue())]
    assert got == [
        ("account_started", None, None),
        ("action_done", "done", None),
        ("action_failed", None, "refused: 100200102"),
        ("action_waiting", "skipped", "w"),
        ("account_finished", None, None),
        ("run_finished", None, "interrupted"),
    ]
    assert events.finished
