"""Shell completion for bash, zsh and fish, through click's own mechanism.

The script a shell loads calls `ksctl` back with `_KSCTL_COMPLETE=<shell>_complete` in its
environment; click answers that call (in `main`) with the candidates. `ksctl completion
SHELL` only prints the script.
"""

from __future__ import annotations

import click
from click.shell_completion import ShellComplete, get_completion_class

PROG_NAME = "ksctl"
COMPLETE_VAR = "_KSCTL_COMPLETE"
SHELLS = ("bash", "zsh", "fish")


def _completer(cli: click.Command, shell: str) -> ShellComplete:
    # Only the shells we document and test, whatever else the installed click may know.
    cls = get_completion_class(shell) if shell in SHELLS else None
    if cls is None:
        raise ValueError(f"no completion for the shell {shell!r}; one of: {', '.join(SHELLS)}")
    return cls(cli, {}, PROG_NAME, COMPLETE_VAR)


def completion_script(cli: click.Command, shell: str) -> str:
    """The script that makes SHELL complete `ksctl` commands, options and values."""
    return _completer(cli, shell).source()


def complete(
    cli: click.Command, words: list[str], incomplete: str, shell: str = "bash"
) -> list[str]:
    """What SHELL offers after `ksctl WORDS... INCOMPLETE<Tab>` (the values only)."""
    return [item.value for item in _completer(cli, shell).get_completions(words, incomplete)]
