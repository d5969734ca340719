"""What goes wrong with a plan file is said as it is: a truncated plan is "truncated", not
"invalid YAML" or "not JSON"; an --out that cannot be written is one line, not an
internal error."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ksctl.cli import cli
from ksctl.engine import planfile

EXAMPLES = Path(__file__).parents[2] / "examples" / "accounts.yaml"


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("KSCTL_ENDPOINT", "KSCTL_APP_ID", "KSCTL_APP_SECRET", "CI", "KSCTL_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    shutil.copy(EXAMPLES, tmp_path / "accounts.yaml")
    return tmp_path


def ksctl(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("command", ["apply", "show"])
def test_a_truncated_plan_is_called_truncated(ws: Path, command: str) -> None:
    assert ksctl("plan", "accounts.yaml", "--out", "plan.json").exit_code == 0
    whole = (ws / "plan.json").read_bytes()
    (ws / "plan.json").write_bytes(whole[: len(whole) // 2])
    got = ksctl(command, "plan.json", *(["--auto-approve"] if command == "apply" else []))
    assert got.exit_code in (1, 4)
    [line] = got.stderr.strip().splitlines()[-1:]
    assert line.startswith("plan.json:") and "the plan file is truncated" in line
    assert "YAML" not in got.stderr and "not JSON" not in got.stderr


def test_json_that_is_not_a_plan_is_still_not_a_plan(ws: Path) -> None:
    (ws / "plan.json").write_text('{"format_version": 1, "accounts": [}\n')
    got = ksctl("show", "plan.json")
    assert got.exit_code == 1 and "not a ksctl plan file (not JSON)" in got.stderr


@pytest.mark.parametrize(
    "where, err",
    [
        ("replace", OSError(errno.EROFS, "Read-only file system")),
        ("mkstemp", OSError(errno.ENOSPC, "No space left on device")),
        ("mkstemp", PermissionError(errno.EACCES, "Permission denied")),
    ],
)
def test_an_out_that_cannot_be_written_is_one_line(
    ws: Path, monkeypatch: pytest.MonkeyPatch, where: str, err: OSError
) -> None:
    # (Root ignores a read-only mode bit, so the file system's refusal is simulated.)
    def refuse(*args: object, **kwargs: object) -> None:
        raise err

    target = planfile.os if where == "replace" else planfile.tempfile
    monkeypatch.setattr(target, where, refuse)
    got = ksctl("plan", "accounts.yaml", "--out", "out/plan.json")
    assert got.exit_code == 1
    [line] = got.stderr.strip().splitlines()[-1:]
    assert line == f"ksctl: error: cannot save the plan to out/plan.json: {err.strerror}"
    assert "internal error" not in got.stderr
    assert list((ws / "out").glob(".plan.json.*")) == []  # no temporary left behind


def test_any_os_refusal_is_one_line_not_an_internal_error(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ksctl.app.plan as planning

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", ".ksctl/sandbox.db")

    monkeypatch.setattr(planning, "make_plan", full)
    got = ksctl("plan", "accounts.yaml")
    assert got.exit_code == 1
    assert got.stderr == "ksctl: error: .ksctl/sandbox.db: No space left on device\n"
