"""Apply's small parts: the lock, the quota reservation, SMS code sources, exit codes."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ksctl.apply.lock import LockHeld, apply_lock
from ksctl.apply.run import ApplyReport, Refused, preflight
from ksctl.apply.sms import choose_source, command_source
from ksctl.apply.walk import AccountRun, AccountStatus, QuotaBudget
from ksctl.engine.plan import Plan, Safety, Summary


def test_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    with (
        apply_lock(tmp_path),
        pytest.raises(LockHeld, match=rf"pid {os.getpid()} on"),
        apply_lock(tmp_path),
    ):
        pass
    with apply_lock(tmp_path):  # released: can be taken again
        assert (tmp_path / "apply.lock").exists()
    assert not (tmp_path / "apply.lock").exists()


def test_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    (tmp_path / "apply.lock").write_text(
        json.dumps({"pid": 2**22 + 12345, "host": socket.gethostname(), "since": "2026-01-01"})
    )
    with apply_lock(tmp_path):
        holder = json.loads((tmp_path / "apply.lock").read_text())
        assert holder["pid"] == os.getpid()


def test_lock_that_names_no_holder_is_refused_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "apply.lock").write_text("")
    with (
        pytest.raises(LockHeld, match=r"names no holder.*remove it if no apply is running"),
        apply_lock(tmp_path),
    ):
        pass
    assert (tmp_path / "apply.lock").exists()  # never removed behind a user's back


def test_quota_is_reserved_whole_per_account() -> None:
    async def scenario() -> list[bool]:
        budget = QuotaBudget(remaining=10, per_day=10, resets_at=None)
        got = [await budget.reserve(7), await budget.reserve(7), await budget.reserve(3)]
        await budget.release(2)  # the first account needed fewer writes than planned
        got.append(await budget.reserve(2))
        return got

    assert asyncio.run(scenario()) == [True, False, True, True]


def test_chain_longer_than_a_day_starts_only_on_a_fresh_day() -> None:
    async def scenario() -> tuple[bool, bool]:
        tired = QuotaBudget(remaining=5, per_day=10, resets_at=None)
        fresh = QuotaBudget(remaining=10, per_day=10, resets_at=None)
        return await tired.reserve(12), await fresh.reserve(12)

    assert asyncio.run(scenario()) == (False, True)


def test_sms_code_command_output_is_parsed_and_never_shown(tmp_path: Path) -> None:
    good = command_source(f"{sys.executable} -c \"print(' 123456 ')\"", {})
    bad = command_source(f"{sys.executable} -c \"print('code: 1')\"", {})
    code = asyncio.run(good("a1", "138****0001"))
    assert code is not None and code.reveal() == "123456" and str(code) == "***"
    assert asyncio.run(bad("a1", None)) is None


def test_sms_source_order() -> None:
    async def inbox(account: str, sent_to: str | None) -> None:
        return None

    assert choose_source({"KSCTL_SMS_CODE_COMMAND": "echo 1"}, inbox) is not inbox
    assert choose_source({}, inbox) is inbox
    assert choose_source({}, None, interactive=False) is None
    assert choose_source({}, None, interactive=True) is not None


def _plan(**over: object) -> Plan:
    now = datetime(2026, 11, 25, tzinfo=UTC)
    fields: dict[str, object] = {
        "created_at": now,
        "expires_at": now + timedelta(hours=24),
        "target": "embedded-sandbox",
        "accounts": (),
        "summary": Summary(
            accounts=0,
            in_sync=0,
            changes=0,
            blocked=0,
            actions=0,
            write_calls=0,
            quota_remaining_today=None,
            days_to_converge=0,
        ),
        "safety": Safety(unsafe=False),
    }
    fields.update(over)
    return Plan.model_validate(fields).sealed()


def test_preflight_refusals() -> None:
    plan = _plan()
    now = datetime(2026, 11, 25, 1, tzinfo=UTC)
    preflight(plan, "embedded-sandbox", force=False, now=now)
    with pytest.raises(Refused, match="expired"):
        preflight(plan, "embedded-sandbox", force=False, now=now + timedelta(days=2))
    with pytest.raises(Refused, match="made against embedded-sandbox"):
        preflight(plan, "https://open.example app=x", force=False, now=now)
    unsafe = _plan(safety=Safety(unsafe=True, reasons=("closes live on 60 accounts",)))
    with pytest.raises(Refused, match="apply with --force"):
        preflight(unsafe, "embedded-sandbox", force=False, now=now)
    preflight(unsafe, "embedded-sandbox", force=True, now=now)


def test_exit_code_is_the_worst_account() -> None:
    plan = _plan()
    ok = AccountRun("a", AccountStatus.converged)
    waiting = AccountRun("b", AccountStatus.waiting)
    failed = AccountRun("c", AccountStatus.failed)
    assert ApplyReport([ok], plan, "r").exit_code == 0
    assert ApplyReport([ok, waiting], plan, "r").exit_code == 3
    assert ApplyReport([ok, waiting, failed], plan, "r").exit_code == 1


def test_sms_prompt_on_a_terminal_hides_the_code(tmp_path: Path) -> None:
    """The interactive source on a real pseudo-terminal: it asks on stderr naming the
    masked phone, takes the code without echoing it, and hands back a Secret."""
    import pty
    import select
    import subprocess

    script = tmp_path / "ask.py"
    script.write_text(
        "import asyncio, sys\n"
        "from ksctl.apply.sms import choose_source\n"
        "source = choose_source({}, None)\n"  # stdin and stderr are the terminal: a prompt
        "code = asyncio.run(source('8qv2n6e4', '138****0004'))\n"
        "print('got', type(code).__name__, code.reveal() == '123456', repr(code))\n",
        encoding="utf-8",
    )
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdin=slave, stdout=slave, stderr=slave, close_fds=True
    )
    os.close(slave)
    seen = b""

    def read_until(marker: bytes, timeout: float = 30.0) -> None:
        nonlocal seen
        deadline = datetime.now(UTC) + timedelta(seconds=timeout)
        while marker not in seen and datetime.now(UTC) < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break

    try:
        read_until(b"SMS code sent to 138****0004 of account 8qv2n6e4")
        os.write(master, b"123456\n")
        read_until(b"***')")  # the end of the child's last line
        assert proc.wait(timeout=30) == 0, seen
    finally:
        proc.kill()
        os.close(master)
    text = seen.decode(errors="replace")
    assert "got Secret True" in text, text
    assert "123456" not in text  # neither echoed by the prompt nor shown by the repr
