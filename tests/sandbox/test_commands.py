"""`ksctl sandbox ...` on a sandbox in a folder, through click's runner."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import anyio.from_thread
import pytest
from click.testing import CliRunner, Result

from ksctl.sandbox.commands import sandbox
from ksctl.sandbox.embedded import embedded_store
from tests.sandbox.driver import FIXTURES, Api


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


def run(home: Path, *args: str) -> Result:
    return CliRunner().invoke(sandbox, ["--home", str(home), *args], catch_exceptions=False)


@pytest.fixture
def demo_api(home: Path) -> Iterator[Api]:
    with anyio.from_thread.start_blocking_portal() as portal:
        api = Api(embedded_store(home), portal, "demo_app")
        yield api
        api.close()


def test_seed_then_clock(home: Path) -> None:
    seeded = run(home, "seed", str(FIXTURES / "design_example.yaml"))
    assert seeded.exit_code == 0, seeded.output
    assert "seeded 1 accounts and 1 apps" in seeded.output
    assert (home / ".ksctl" / "sandbox.db").exists()
    assert run(home, "clock").output.strip() == "2026-11-25T10:00:00+08:00"
    advanced = run(home, "clock", "--advance", "31d")
    assert advanced.output.strip() == "2026-12-26T10:00:00+08:00"
    assert run(home, "clock", "--advance", "90m").output.strip() == "2026-12-26T11:30:00+08:00"


def test_a_broken_world_is_one_line_per_problem(home: Path) -> None:
    broken = FIXTURES / "broken" / "unknown_key.yaml"
    result = run(home, "seed", str(broken))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert re.match(rf"^{re.escape(str(broken))}:7:5: .*colour", lines[0])
    assert "Traceback" not in result.output


def test_missing_world_file(home: Path) -> None:
    result = run(home, "seed", str(home / "absent.yaml"))
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1


def test_a_bad_duration_is_one_error_line(home: Path) -> None:
    result = run(home, "clock", "--advance", "soon")
    assert result.exit_code == 1
    assert result.stderr.startswith("ksctl: error: invalid duration")
    assert len(result.stderr.strip().splitlines()) == 1


def test_without_a_seed_the_demo_world_is_used(home: Path) -> None:
    assert run(home, "clock").output.strip() == "2026-11-25T10:00:00+08:00"
    ids = [a.id for a in embedded_store(home).world().accounts]
    assert ids == ["3xk9d2a1", "3xk9d2a2", "3xk9d2a3", "3xm7c5b0", "5wl8t3q6", "8qv2n6e4"]


def test_sms_shows_codes_with_masked_phones(home: Path, demo_api: Api) -> None:
    assert run(home, "sms").output.strip() == "no codes sent"
    demo_api.post("/openapi/accounts/3xk9d2a1/sms/send")
    code = embedded_store(home).sms_inbox()[-1]["code"]
    output = run(home, "sms").output
    assert "3xk9d2a1" in output and "138****1201" in output and code in output
    assert "13800001201" not in output


def test_writes_as_text_and_json(home: Path, demo_api: Api) -> None:
    assert run(home, "writes").output.strip() == "no writes"
    demo_api.post("/openapi/accounts/3xk9d2a1/schedules/s1/cancel", key="cancel-s1")
    text = run(home, "writes").output
    assert "cancel_schedule" in text and "key=cancel-s1" in text
    log = json.loads(run(home, "writes", "--format", "json").output)
    assert len(log) == 1
    entry = log[0]
    assert entry["operation"] == "cancel_schedule" and entry["target"] == "s1"
    assert {"at", "app_id", "account_id", "operation", "target", "idempotency_key"} <= set(entry)


def test_reset(home: Path, demo_api: Api) -> None:
    demo_api.post("/openapi/accounts/3xk9d2a1/schedules/s1/cancel")
    run(home, "clock", "--advance", "1d")
    result = run(home, "reset")
    assert result.exit_code == 0 and "2026-11-25T10:00:00+08:00" in result.output
    assert json.loads(run(home, "writes", "--format", "json").output) == []
