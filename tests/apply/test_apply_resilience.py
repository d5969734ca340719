"""Apply under faults, without an SMS code, with out-of-band changes, to fsspec backups."""

from __future__ import annotations

import stat
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.apply.conftest import Workspace
from tests.apply.test_apply_e2e import assert_backups_before_closing, copy_example
from tests.conftest import assert_no_write_twice

SECRETS = ("demo_secret", "kst_", "13800001")


@pytest.mark.parametrize("seed", [1, 7])
def test_repeated_applies_converge_under_faults_and_no_write_happens_twice(
    ws: Workspace, seed: int
) -> None:
    config = copy_example(ws)
    ws.store  # noqa: B018  (seeds the demo world)
    ws.store.configure(faults={"error_rate": 0.2, "lost_response_rate": 0.3, "seed": seed})
    codes = []
    for _ in range(12):
        result = ws.ksctl("apply", config, "--auto-approve")
        codes.append(result.exit_code)
        assert "Traceback" not in result.stderr
        for secret in SECRETS:
            assert secret not in result.stdout + result.stderr
        if result.exit_code == 0:
            break
        assert result.exit_code in (1, 3), result.stderr
        ws.store.advance(timedelta(hours=25))
    assert codes[-1] == 0, codes
    ws.store.configure(faults={"error_rate": 0.0, "lost_response_rate": 0.0})
    assert ws.ksctl("plan", config, "--detailed-exitcode").exit_code == 0
    assert_no_write_twice(ws.store.writes())
    assert_backups_before_closing(ws)


def test_sms_code_from_a_command_for_ci(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = copy_example(ws)
    script = tmp_path / "code.py"
    inbox = ws.root
    script.write_text(
        "import os\nfrom ksctl.sandbox.embedded import embedded_store\n"
        f"codes = [m for m in embedded_store({str(inbox)!r}).sms_inbox()\n"
        "         if m['account_id'] == os.environ['KSCTL_ACCOUNT_ID']]\n"
        "print(codes[-1]['code'])\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KSCTL_SMS_CODE_COMMAND", f"{sys.executable} {script}")
    result = ws.ksctl("apply", config, "--auto-approve", "--target", "8qv2n6e4")
    assert result.exit_code == 0, result.stderr
    assert "disable_live" in {w["operation"] for w in ws.store.writes()}


def test_without_an_sms_code_closing_waits_with_exit_3(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = copy_example(ws)
    monkeypatch.setenv("KSCTL_SMS_CODE_COMMAND", "false")
    result = ws.ksctl("apply", config, "--auto-approve", "--target", "8qv2n6e4")
    assert result.exit_code == 3
    assert "no SMS code was given for account 8qv2n6e4" in result.stderr
    assert "disable_live" not in {w["operation"] for w in ws.store.writes()}


def test_out_of_band_change_counts_as_already_done(ws: Workspace) -> None:
    config = copy_example(ws)
    ws.ksctl("plan", config, "--target", "5wl8t3q6", "--out", "plan.json")
    # Someone switched tipping on in the app; the version did not move (a stale read).
    ws.store.patch_account(
        "5wl8t3q6", {"monetization": {"short_video_tipping": "enabled"}}, bump=False
    )
    result = ws.ksctl("apply", "plan.json")
    assert result.exit_code == 0, result.stderr
    operations = [w["operation"] for w in ws.store.writes()]
    assert not [op for op in operations if "feature" in op]
    ends = [e for e in ws.journal() if e["event"] == "end"]
    outcome = {e["address"]: e["outcome"] for e in ends}
    assert outcome["5wl8t3q6/enable_feature[short_video_tipping]"] == "already"


def test_backups_to_an_fsspec_url(ws: Workspace) -> None:
    import fsspec

    (ws.root / "accounts.yaml").write_text(
        "version: 1\naccounts:\n  - id: '8qv2n6e4'\n"
        "    backups: {interactions: present, replays: present, "
        "destination: 'memory://ksctl-test/backups'}\n",
        encoding="utf-8",
    )
    result = ws.ksctl("apply", "accounts.yaml", "--auto-approve")
    assert result.exit_code == 0, result.stderr
    fs = fsspec.filesystem("memory")
    assert fs.isfile("/ksctl-test/backups/8qv2n6e4/interactions.manifest.json")
    assert fs.isfile("/ksctl-test/backups/8qv2n6e4/replays/r1.mp4")
    again = ws.ksctl("plan", "accounts.yaml", "--detailed-exitcode")
    assert again.exit_code == 0  # the next refresh verifies what is there


def test_journal_records_every_action_and_no_secret(ws: Workspace) -> None:
    config = copy_example(ws)
    ws.ksctl("apply", config, "--auto-approve", "--target", "8qv2n6e4")
    journal = next((ws.root / ".ksctl" / "journal").glob("*.jsonl"))
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    text = journal.read_text(encoding="utf-8")
    codes = [m["code"] for m in ws.store.sms_inbox()]
    for secret in (*SECRETS, *codes):
        assert secret not in text
    events = ws.journal()
    starts = {e["address"] for e in events if e["event"] == "start"}
    ends = {e["address"] for e in events if e["event"] == "end"}
    assert starts == ends and "8qv2n6e4/disable_live" in ends
    assert all(
        e.get("idempotency_key", "ksctl").startswith("ksctl")
        for e in events
        if e["event"] in ("start", "end")
    )
    assert any(e.get("request_ids") for e in events if e["event"] == "end")
