"""`asyncio.run` for a result that may be large (a plan, an apply's runs)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to its end and return its result, which the event loop's task never holds.

    On Python 3.11, asyncio.run formats its main task (and so the task's result) twice
    while it restores the SIGINT handler: about a second for a 10,000-account plan."""
    box: list[T] = []

    async def main() -> None:
        box.append(await coro)

    asyncio.run(main())
    return box[0]
