"""docs/rehearsal.md, run as written: a seeded world, a closure rehearsed day by day."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.docs import shell_blocks

ROOT = Path(__file__).resolve().parents[2]
REHEARSAL = ROOT / "docs" / "rehearsal.md"


@pytest.mark.skipif(shutil.which("ksctl") is None, reason="needs the installed ksctl script")
def test_the_rehearsal_runs_as_written(tmp_path: Path) -> None:
    result = shell_blocks.run(REHEARSAL.read_text(encoding="utf-8"), tmp_path)
    assert result.returncode == 0, (
        f"the rehearsal stopped (exit {result.returncode}):\n{result.stderr[-4000:]}\n"
        f"--- stdout ---\n{result.stdout[-2000:]}"
    )
    assert "=== done" in result.stderr
    folder = tmp_path / "closure-rehearsal"
    writes = json.loads((folder / "writes.json").read_text(encoding="utf-8"))
    operations = {w["operation"] for w in writes}
    assert {"disable_live", "cancel_schedule", "request_gift_ledger"} <= operations
    assert {w["account_id"] for w in writes} == {"3xk9d2a1", "3xm7c5b0"}
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert {a["id"]: a["state"] for a in report["accounts"]} == {
        "3xk9d2a1": "closed",
        "3xm7c5b0": "closed",
    }
    assert [r["exit_code"] for r in report["runs"]] == [3, 3, 0]
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert 'data-account="3xk9d2a1"' in page and 'data-account="3xm7c5b0"' in page


def test_the_rehearsal_ends_with_the_report_it_wrote() -> None:
    text = REHEARSAL.read_text(encoding="utf-8")
    last = text.rsplit("\n## ", 1)[1]
    assert last.startswith("6. The report of the rehearsed closure")
    assert "(images/rehearsal-report.png)" in last
    assert (REHEARSAL.parent / "images" / "rehearsal-report.png").is_file()
    lines = [c.line for c in shell_blocks.commands(text)]
    assert lines.index("ksctl report accounts.yaml --out report.html") < lines.index(
        "ksctl sandbox reset"
    )


def test_the_rehearsal_seeds_a_world_and_ends_back_at_the_start() -> None:
    commands = shell_blocks.commands(REHEARSAL.read_text(encoding="utf-8"))
    lines = [c.line for c in commands]
    assert any(line.startswith("ksctl sandbox seed") for line in lines)
    assert any(c.expected == 0 and "--detailed-exitcode" in c.line for c in commands)
    assert lines[-3] == "ksctl sandbox reset"
