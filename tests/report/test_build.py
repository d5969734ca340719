"""The report's data, from a fresh refresh of a sandbox, its journals and backup manifests."""

from __future__ import annotations

from ksctl.cli import run_apply
from ksctl.engine.action import ActionType
from ksctl.engine.build import PlanOptions
from ksctl.engine.provider import Provider
from ksctl.report.gather import make_report
from tests.conftest import ROOT
from tests.report.conftest import ACCOUNTS, WORLD, Here, by_id

EXAMPLE = str(ROOT / "examples" / "accounts.yaml")


def test_every_state_with_why_and_next_step(here: Here) -> None:
    assert here.ksctl("sandbox", "seed", str(WORLD)).exit_code == 0
    report = here.report(str(ACCOUNTS))
    rows = by_id(report)
    assert {i: r["state"] for i, r in rows.items()} == {
        "ban00001": "blocked",
        "gone0001": "error",
        "lost0001": "error",  # its interaction data is gone: the plan says so as an error
        "soon0001": "to_apply",
        "sync0001": "in_sync",
        "xss00001": "to_apply",
    }
    assert report["counts"]["to_apply"] == 2 and report["counts"]["error"] == 2
    assert "banned" in rows["ban00001"]["why"]
    assert rows["ban00001"]["next_step"].startswith("wait for the ban to end (2026-12-31")
    assert rows["soon0001"]["next_step"] == f"ksctl apply {ACCOUNTS}"
    assert rows["gone0001"]["why"].startswith("no such account on the platform")
    assert rows["sync0001"]["next_step"] == "nothing"


def test_deadlines_are_highlighted_and_losses_named(here: Here) -> None:
    here.ksctl("sandbox", "seed", str(WORLD))
    report = here.report(str(ACCOUNTS))
    dates = {(p["account_id"], p["kind"]): p for p in report["timeline"]}
    lost = dates[("lost0001", "export_deadline")]
    assert lost["overdue"] and not lost["soon"]  # passed with no verified copy
    soon = dates[("soon0001", "export_deadline")]
    assert soon["soon"] and not soon["overdue"]  # two days left
    assert soon["at"] == "2026-11-27T10:00:00+08:00"
    assert not dates[("ban00001", "ban_ends")]["soon"]
    risks = {(r["account_id"], r["severity"]) for r in report["risks"]}
    assert {("lost0001", "lost"), ("soon0001", "at_risk")} <= risks
    assert report["risks"][0]["severity"] == "lost"  # the worst first


def test_a_closure_followed_over_its_applies(here: Here) -> None:
    before = here.report(EXAMPLE)
    assert before["counts"]["to_apply"] == 6 and before["runs"] == []
    assert before["quota"]["write_calls_needed"] == sum(
        a["write_calls"] for a in before["accounts"]
    )
    assert here.ksctl("apply", EXAMPLE, "--auto-approve").exit_code == 3
    mid = here.report(EXAMPLE)
    rows = by_id(mid)
    assert rows["3xk9d2a1"]["state"] == "waiting_platform"
    assert rows["3xk9d2a1"]["next_step"] == f"ksctl apply {EXAMPLE} after 2026-11-27T10:00:00+08:00"
    assert rows["3xk9d2a1"]["backups"]["missing"] == ["gift_ledger"]
    assert rows["3xk9d2a1"]["last_run"].startswith("waiting: gift-ledger ticket")
    tickets = [p for p in mid["timeline"] if p["kind"] == "gift_ledger_ticket"]
    assert len(tickets) == 4 and all(p["soon"] for p in tickets)
    (run,) = mid["runs"]
    assert run["exit_code"] == 3 and run["converged"] == 2 and run["waiting"] == 4
    assert sum(d["writes"] for d in mid["quota"]["spent_per_day"]) == run["writes"] > 0

    here.ksctl("sandbox", "clock", "--advance", "49h")
    here.ksctl("apply", EXAMPLE, "--auto-approve")
    here.ksctl("sandbox", "clock", "--advance", "73h")
    assert here.ksctl("apply", EXAMPLE, "--auto-approve").exit_code == 0
    after = here.report(EXAMPLE)
    assert after["counts"]["closed"] == 5 and after["counts"]["in_sync"] == 1
    # the last apply found nothing left (the appeal was approved meanwhile): no run
    assert [r["exit_code"] for r in after["runs"]] == [3, 3]
    assert after["risks"] == []
    deadlines = [p for p in after["timeline"] if p["kind"] == "export_deadline"]
    assert len(deadlines) == 5 and not any(p["overdue"] or p["soon"] for p in deadlines)
    assert after["quota"]["write_calls_needed"] == 0


def test_a_changed_or_deleted_backup_is_a_risk_until_fetched_again(here: Here) -> None:
    here.ksctl("apply", EXAMPLE, "--auto-approve")
    backups = here.root / ".ksctl" / "backups" / "3xk9d2a1"
    (backups / "replays" / "r1.mp4").write_bytes(b"not the replay")
    (backups / "interactions.csv").unlink()
    report = here.report(EXAMPLE)
    row = by_id(report)["3xk9d2a1"]
    assert row["state"] == "to_apply"  # the refresh plans them again
    assert {"interactions", "replay:r1"} <= set(row["backups"]["missing"])
    unverified = {(h["kind"], h["target"]) for h in row["backups"]["held"] if not h["verified"]}
    assert unverified == {("interactions", None), ("replay", "r1")}
    risks = [r for r in report["risks"] if r["account_id"] == "3xk9d2a1"]
    assert len(risks) == 2 and {r["severity"] for r in risks} == {"at_risk"}
    here.ksctl("apply", EXAMPLE, "--auto-approve")
    row = by_id(here.report(EXAMPLE))["3xk9d2a1"]
    assert {"interactions", "replay:r1"}.isdisjoint(row["backups"]["missing"])


def test_a_step_only_a_person_can_do_waits_on_a_person(here: Here) -> None:
    """A provider with no API for closing live: once the backups are done, the closure is
    a person's step in the app, and the report says which."""
    no_live_api = PlanOptions(
        provider=Provider("no-live-api", frozenset(ActionType) - {ActionType.disable_live})
    )
    first, _ = make_report([EXAMPLE], targets=["8qv2n6e4"], options=no_live_api, env={})
    assert first.accounts[0].state == "to_apply"  # the backups come first, by apply
    applied = run_apply(
        [EXAMPLE],
        auto_approve=True,
        targets=("8qv2n6e4",),
        force=True,
        parallelism=4,
        options=no_live_api,
        env={},
        workdir=here.root,
    )
    assert applied == 3  # everything but the person's step
    made, _ = make_report([EXAMPLE], targets=["8qv2n6e4"], options=no_live_api, env={})
    (row,) = made.accounts
    assert row.state == "waiting_person", row
    assert "8qv2n6e4/disable_live: " in row.why and "直播" in row.why
    assert row.next_step == f"a person does it in the app, then ksctl apply {EXAMPLE}"
