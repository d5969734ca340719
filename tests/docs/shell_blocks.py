"""Run the `sh` blocks of a Markdown document, in order, as a person at a terminal would.

A command exits 0 unless its line says otherwise in a trailing comment, `# exits N` (the
rest of the comment explains why). The blocks run as one bash script in a fresh folder,
so `cd` carries over from one block to the next, as it does in a terminal.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^```sh\n(.*?)^```$", re.S | re.M)
EXPECT = re.compile(r"^(?P<command>.*?)\s+# exits (?P<code>\d+)\b.*$")
HEREDOC = re.compile(r"<<-?\s*'?(?P<word>\w+)'?")


@dataclass(frozen=True)
class Command:
    block: int
    line: str
    expected: int


def blocks(markdown: str) -> list[str]:
    return FENCE.findall(markdown)


def _lines(markdown: str):  # type: ignore[no-untyped-def]
    """(block number, line number, line, whether the line is a command line)."""
    for number, block in enumerate(blocks(markdown), 1):
        until: str | None = None
        for index, line in enumerate(block.splitlines(), 1):
            if until is not None:  # the body of a heredoc is text, never a command
                if line.strip() == until:
                    until = None
                yield number, index, line, False
                continue
            heredoc = HEREDOC.search(line)
            if heredoc:
                until = heredoc.group("word")
            is_command = bool(line.strip()) and not line.lstrip().startswith("#")
            yield number, index, line, is_command


def commands(markdown: str) -> list[Command]:
    """Every command line of every block, with the exit code the document states."""
    out: list[Command] = []
    for number, _, line, is_command in _lines(markdown):
        if is_command:
            match = EXPECT.match(line)
            out.append(Command(number, line, int(match.group("code")) if match else 0))
    return out


def script(markdown: str) -> str:
    """One bash script: strict mode, and each annotated command checked for its code."""
    parts = [
        "set -euo pipefail",
        "ksctl_expect() {",
        "  local want=$1 got=$2 where=$3",
        '  if [ "$got" -ne "$want" ]; then',
        '    echo "WALK: $where exited $got, the document says $want" >&2; exit 97',
        "  fi",
        "}",
    ]
    current = 0
    for number, index, line, is_command in _lines(markdown):
        if number != current:
            current = number
            parts.append(f"echo '=== block {number}' >&2")
        match = EXPECT.match(line) if is_command else None
        if match:
            where = f"block {number} line {index}: {match.group('command').strip()}"
            where = where.replace("'", "")
            parts.append(
                f"ksctl_rc=0; {match.group('command')} || ksctl_rc=$?; "
                f"ksctl_expect {match.group('code')} \"$ksctl_rc\" '{where}'"
            )
        else:
            parts.append(line)
    parts.append("echo '=== done' >&2")
    return "\n".join(parts) + "\n"


def clean_env(home: Path) -> dict[str, str]:
    """The environment of a new user: no target set (the embedded sandbox), no colour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KSCTL_", "GIT_", "PYTEST_"))}
    env.update(
        {
            "HOME": str(home),
            "NO_COLOR": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Walk Through",
            "GIT_AUTHOR_EMAIL": "walk@example.invalid",
            "GIT_COMMITTER_NAME": "Walk Through",
            "GIT_COMMITTER_EMAIL": "walk@example.invalid",
        }
    )
    return env


def run(markdown: str, workdir: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    return subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script(markdown)],
        cwd=workdir,
        env=clean_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
