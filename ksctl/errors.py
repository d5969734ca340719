"""Problems found in user input, reported one line each as `file:line:col: message`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    error = "error"
    warning = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    col: int
    message: str
    severity: Severity = Severity.error

    def __str__(self) -> str:
        prefix = "warning: " if self.severity is Severity.warning else ""
        return f"{self.file}:{self.line}:{self.col}: {prefix}{self.message}"


class KsctlError(Exception):
    """An error a person can act on: printed as one line, never as a traceback."""


class ConfigError(KsctlError):
    """One or more problems in input files; carries all of them at once."""

    def __init__(self, problems: list[Problem], exit_code: int = 1) -> None:
        self.problems = sorted(problems)
        self.exit_code = exit_code
        super().__init__("\n".join(str(p) for p in self.problems))
