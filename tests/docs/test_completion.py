"""Shell completion (click's) for bash, zsh and fish: the scripts, and what they offer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from ksctl.cli import cli
from ksctl.completion import COMPLETE_VAR, SHELLS, complete, completion_script


@pytest.mark.parametrize("shell", SHELLS)
def test_each_shell_gets_its_script(shell: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0, result.output
    script = result.output
    assert script == completion_script(cli, shell)
    assert COMPLETE_VAR == "_KSCTL_COMPLETE"
    assert COMPLETE_VAR in script
    assert f"{shell}_complete" in script  # the value the script sets the variable to
    assert "ksctl" in script


def test_scripts_use_each_shells_own_mechanism() -> None:
    assert "complete -o nosort -F" in completion_script(cli, "bash")
    assert "#compdef ksctl" in completion_script(cli, "zsh")
    assert "complete --no-files --command ksctl" in completion_script(cli, "fish")


def test_an_unknown_shell_is_refused() -> None:
    result = CliRunner().invoke(cli, ["completion", "powershell"])
    assert result.exit_code == 2
    assert "bash" in result.output and "fish" in result.output
    with pytest.raises(ValueError, match="one of: bash, zsh, fish"):
        completion_script(cli, "powershell")


@pytest.mark.parametrize("shell", SHELLS)
def test_subcommands_are_offered(shell: str) -> None:
    offered = complete(cli, [], "", shell)
    for command in ("validate", "plan", "apply", "show", "import", "sandbox", "docs", "completion"):
        assert command in offered
    assert complete(cli, [], "pl", shell) == ["plan"]


def test_sandbox_subcommands_are_offered() -> None:
    offered = complete(cli, ["sandbox"], "")
    assert {"seed", "serve", "reset", "clock", "sms", "writes"} <= set(offered)


def test_options_are_offered() -> None:
    offered = complete(cli, ["plan"], "--")
    assert {"--out", "--format", "--detailed-exitcode", "--target"} <= set(offered)
    assert complete(cli, ["apply"], "--auto") == ["--auto-approve"]


def test_enum_values_are_offered() -> None:
    assert complete(cli, ["plan", "--format"], "") == ["text", "markdown", "json", "checklist"]
    assert complete(cli, ["plan", "--format"], "m") == ["markdown"]
    assert complete(cli, ["completion"], "") == ["bash", "zsh", "fish"]
    assert complete(cli, ["sandbox", "writes", "--format"], "") == ["text", "json"]


def _ksctl() -> list[str]:
    found = shutil.which("ksctl")
    return [found] if found else [sys.executable, "-m", "ksctl.cli"]


def test_the_program_answers_a_completion_request() -> None:
    """What the shell scripts do: call ksctl back with _KSCTL_COMPLETE set."""
    env = {
        **os.environ,
        COMPLETE_VAR: "bash_complete",
        "COMP_WORDS": "ksctl plan --format ",
        "COMP_CWORD": "3",
    }
    result = subprocess.run(
        _ksctl(), env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "plain,text",
        "plain,markdown",
        "plain,json",
        "plain,checklist",
    ]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Load the script into a real bash, press Tab (call the function), read COMPREPLY."""
    if shutil.which("ksctl") is None:
        pytest.skip("the ksctl script is not on PATH")
    script = tmp_path / "ksctl.bash"
    script.write_text(completion_script(cli, "bash"), encoding="utf-8")
    driver = f"""
source {script}
COMP_WORDS=(ksctl sandbox cl); COMP_CWORD=2
_ksctl_completion ksctl
printf '%s\\n' "${{COMPREPLY[@]}}"
echo ---
COMPREPLY=(); COMP_WORDS=(ksctl apply --auto); COMP_CWORD=2
_ksctl_completion ksctl
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", driver],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.split("---\n")
    assert first.split() == ["clock"]
    assert second.split() == ["--auto-approve"]
