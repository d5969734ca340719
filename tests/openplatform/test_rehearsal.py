"""A whole closure of the demo fleet on the open_platform sandbox, done by people.

ksctl apply prints the checklist and exits 3; the test does what the checklist says, as a
person would (the step in the app with `ksctl sandbox act`, the export with `ksctl sandbox
export`, then `ksctl evidence add` or `ksctl confirm`), and runs apply again, until it
exits 0. Then the sandbox's hidden truth is compared with what ksctl believes.
"""

from __future__ import annotations

import json
import re
import shlex
from datetime import timedelta

from ksctl.backups.manifest import BackupKind
from ksctl.backups.store import BackupStore, LocalSink
from ksctl.config import load_config
from tests.apply.conftest import Workspace

RECORD = re.compile(r"then record it: `(ksctl [^`]+)`")
PROOF = re.compile(r"copyright proof: (\S+)")


def now_steps(checklist: str) -> list[tuple[list[str], str | None]]:
    """The record commands of the steps that may be done now (and a takedown's proof)."""
    steps = []
    for section in checklist.split("### ")[1:]:
        now = section.split("**Waiting:**")[0]
        for item in re.split(r"\n\d+\. \[ \] ", now)[1:]:
            command = RECORD.search(item)
            proof = PROOF.search(item)
            assert command, item
            steps.append((shlex.split(command.group(1))[1:], proof.group(1) if proof else None))
    return steps


def do(ws: Workspace, record: list[str], proof: str | None, acknowledged: set[str]) -> None:
    """The person: the step in the app, then its record."""
    if record[:2] == ["evidence", "add"]:
        account, kind = record[2], record[3]
        out = ws.root / "exports" / f"{account}-{kind.replace(':', '-')}"
        out.parent.mkdir(exist_ok=True)
        exported = ws.ksctl("sandbox", "export", account, kind, "--out", str(out))
        assert exported.exit_code == 0, exported.output
        added = ws.ksctl("evidence", "add", account, kind, str(out), "--by", "王五")
        assert added.exit_code == 0, added.output
        return
    assert record[0] == "confirm", record
    account, step = record[1], record[2]
    act = ["sandbox", "act", account, step]
    if proof:
        act += ["--proof", proof]
    if account in acknowledged:
        act += ["--acknowledge-contract-breach"]
    done = ws.ksctl(*act)
    assert done.exit_code == 0, done.output
    confirmed = ws.ksctl("confirm", account, step, "--by", "王五")
    assert confirmed.exit_code == 0, confirmed.output


def test_a_hard_closure_of_the_fleet_done_by_people_converges_and_ksctl_believes_the_truth(
    open_ws: Workspace,
) -> None:
    ws = open_ws
    config = load_config([str(ws.root / "accounts.yaml")])
    acknowledged = {
        a.id for a in config.accounts if a.acknowledge and a.acknowledge.contract_breach
    }
    rounds = 0
    while True:
        rounds += 1
        assert rounds < 15, "the closure does not converge"
        result = ws.ksctl("apply", "accounts.yaml", "--auto-approve")
        if result.exit_code == 0:
            break
        assert result.exit_code == 3, result.output
        assert "138000012" not in result.output  # the bound phones (masked ones neither)
        assert "138****" not in result.output
        steps = now_steps(result.output)
        if not steps:  # everything left waits (客服, a review): time passes
            ws.store.advance(timedelta(hours=73))
            continue
        for record, proof in steps:
            do(ws, record, proof, acknowledged)
    assert "every account is as configured" in result.output

    # Nothing was done through an API: the people did it all, in the app.
    assert {w["app_id"] for w in ws.store.writes()} == {"(in the app)"}

    # The hidden truth of the sandbox, against what ksctl believes.
    plan = ws.ksctl("plan", "accounts.yaml", "--format", "json")
    believed = json.loads(plan.output[plan.output.index("{") :])
    backups = BackupStore(LocalSink(ws.root / ".ksctl" / "backups"))
    for acc in believed["accounts"]:
        assert acc["status"] == "in_sync", acc
        truth = ws.store.account(acc["id"])
        want = next(a for a in config.accounts if a.id == acc["id"])
        sources = {s["value"]: s for s in acc["sources"]}
        assert truth.live.permission.value == want.live.permission.value  # type: ignore[union-attr]
        assert sources["live.permission"]["shown"] == truth.live.permission.value
        if want.schedules and want.schedules.value == "cleared":
            assert all(s.status.value != "pending" for s in truth.schedules)
        if want.privacy and want.privacy.purge_viewer_phone_numbers:
            assert truth.interactions.viewer_phone_numbers == 0
        assert truth.monetization.short_video_tipping.value == "enabled"
        if want.live and want.live.closure and want.live.closure.value == "hard":
            assert ws.store.account(acc["id"]).replays  # the replays exist, backed up...
            for replay in truth.replays:
                assert backups.verified(BackupKind.replay, acc["id"], replay.id)
        if (
            want.backups
            and want.backups.interactions
            and want.backups.interactions.value == "present"
        ):
            assert backups.verified(BackupKind.interactions, acc["id"])
    hard = "3xk9d2a1"
    listed = ws.ksctl("plan", "accounts.yaml", "--format", "json", "--target", hard)
    assert '"works"' in listed.output
    works = next(
        s
        for s in json.loads(listed.output[listed.output.index("{") :])["accounts"][0]["sources"]
        if s["value"] == "works"
    )
    assert works == {
        "value": "works",
        "shown": "0",
        "how": "observed",
        "detail": "photo/count, photo/list",
    }
