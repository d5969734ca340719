"""docs/walkthrough.md, run as written: every `sh` block, in order, on the embedded sandbox."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.docs import shell_blocks

ROOT = Path(__file__).resolve().parents[2]
WALKTHROUGH = ROOT / "docs" / "walkthrough.md"

pytestmark = pytest.mark.skipif(
    shutil.which("ksctl") is None or shutil.which("git") is None,
    reason="needs the installed ksctl script and git",
)


def test_the_walkthrough_runs_as_written(tmp_path: Path) -> None:
    text = WALKTHROUGH.read_text(encoding="utf-8")
    result = shell_blocks.run(text, tmp_path)
    assert result.returncode == 0, (
        f"the walk-through stopped (exit {result.returncode}):\n{result.stderr[-4000:]}\n"
        f"--- stdout ---\n{result.stdout[-2000:]}"
    )
    assert "=== done" in result.stderr
    repo = tmp_path / "kuaishou-accounts"
    # It ended converged, on the sandbox, from a repository that holds no backup.
    assert (repo / ".ksctl" / "sandbox.db").is_file()
    assert (repo / ".ksctl" / "backups" / "8qv2n6e4" / "gift_ledger.manifest.json").is_file()
    assert "no KSCTL_ENDPOINT set; using the embedded sandbox" in result.stderr


def test_the_walkthrough_starts_with_import_and_ends_converged() -> None:
    commands = shell_blocks.commands(WALKTHROUGH.read_text(encoding="utf-8"))
    lines = [c.line for c in commands]
    first_import = next(i for i, line in enumerate(lines) if line.startswith("ksctl import"))
    first_apply = next(i for i, line in enumerate(lines) if line.startswith("ksctl apply"))
    assert first_import < first_apply
    assert any(c.expected == 3 and c.line.startswith("ksctl apply") for c in commands)
    assert any(c.expected == 4 and c.line.startswith("ksctl apply") for c in commands)
    last = commands[-1]
    assert last.line.startswith("ksctl plan") and "--detailed-exitcode" in last.line
    assert last.expected == 0


def test_annotations_are_parsed() -> None:
    text = (
        "```sh\nksctl plan --detailed-exitcode   # exits 2: changes\ncat > f <<'EOF'\n"
        "# exits 9 inside a heredoc is text\nEOF\n```\n"
    )
    commands = shell_blocks.commands(text)
    assert [(c.line.split()[0], c.expected) for c in commands] == [("ksctl", 2), ("cat", 0)]


def test_a_wrong_exit_code_stops_the_run(tmp_path: Path) -> None:
    text = (
        "```sh\ntrue   # exits 3: the document is wrong\n```\n"
        "```sh\ncat > f <<'EOF'\n  x  # exits 5 is heredoc text\nEOF\n```\n"
    )
    assert "x  # exits 5 is heredoc text" in shell_blocks.script(text)
    result = shell_blocks.run(text, tmp_path)
    assert result.returncode == 97
    assert "block 1 line 1: true exited 0, the document says 3" in result.stderr
