"""Progress on stderr for long work: a bar on a terminal only, so CI logs stay clean."""

from __future__ import annotations

import sys
from typing import Any

import click


def terminal_bar(length: int, label: str) -> Any:
    """An entered click progress bar on stderr (the caller exits it)."""
    bar = click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True)
    bar.__enter__()
    return bar


class RefreshBar:
    """A bar while a large refresh reads. Small plans finish before a bar would help, so it
    starts past one batch of reads."""

    THRESHOLD = 200

    def __init__(self) -> None:
        self.bar: Any = None

    def __enter__(self) -> RefreshBar:
        return self

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if total <= self.THRESHOLD or not sys.stderr.isatty():
                return
            self.bar = terminal_bar(total, "reading accounts")
        self.bar.update(done - self.bar.pos)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
