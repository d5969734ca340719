"""A closed pipe ends any command quietly (`ksctl sandbox writes | head`): exit 141, as a
shell reports for a writer whose reader went away, and nothing on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "accounts.yaml"


@pytest.mark.parametrize(
    "args",
    [["sandbox", "writes"], ["plan", str(EXAMPLE)], ["import", "3xk9d2a1"], ["docs"]],
    ids=["sandbox-writes", "plan", "import", "docs"],
)
def test_a_closed_pipe_ends_the_command_quietly(tmp_path: Path, args: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KSCTL_") and k != "CI"}
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line is written
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "ksctl.cli", *args],
            cwd=tmp_path,
            env=env,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)
    assert proc.returncode == 141
    assert "Broken pipe" not in proc.stderr and "Errno" not in proc.stderr
    assert "Traceback" not in proc.stderr and "error" not in proc.stderr
