"""Problems found in user input, reported one line each as `file:line:col: message`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    error = "error"
    warning = "warning"


def one_line(text: str) -> str:
    """`text` with every unprintable character escaped (a newline in a YAML key, an ANSI
    escape in a value), so that an error is always exactly one line of plain text."""
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    col: int
    message: str
    severity: Severity = Severity.error

    def __str__(self) -> str:
        prefix = "warning: " if self.severity is Severity.warning else ""
        return one_line(f"{self.file}:{self.line}:{self.col}: {prefix}{self.message}")


class KsctlError(Exception):
    """An error a person can act on: printed as one line, never as a traceback."""

    def __str__(self) -> str:
        return one_line(super().__str__())


class ConfigError(KsctlError):
    """One or more problems in input files; carries all of them at once."""

    def __init__(self, problems: list[Problem], exit_code: int = 1) -> None:
        self.problems = sorted(problems)
        self.exit_code = exit_code
        super().__init__("\n".join(str(p) for p in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)  # one line per problem
