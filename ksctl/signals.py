"""SIGTERM (how CI cancels a job, how `kill` stops a process) handled as Ctrl-C is: the
run unwinds, so the apply lock is released and the journal records `interrupted`; the
process exits 143 (128 + SIGTERM) with one line, as docs/exit-codes.md says.

SIGTERM is handed to whatever handles SIGINT at that moment: inside `asyncio.run` that is
asyncio's own handler, which cancels the main task so that every `finally` runs in order
(raising from an arbitrary point of the event loop could leave it waiting on its threads).
"""

from __future__ import annotations

import signal
from types import FrameType

EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM
_received: list[int] = []


def _as_interrupt(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)
    else:  # SIGINT ignored or default-at-C-level: still stop, as Ctrl-C would
        raise KeyboardInterrupt


def terminate_as_interrupt() -> None:
    """In the console entry point only: a library or a test runner keeps its own."""
    signal.signal(signal.SIGTERM, _as_interrupt)


def terminated() -> bool:
    """Whether the interrupt being handled came from SIGTERM."""
    return signal.SIGTERM in _received


def signal_name() -> str:
    return "SIGTERM" if terminated() else "SIGINT"


def exit_code() -> int:
    return EXIT_TERMINATED if terminated() else EXIT_INTERRUPTED
