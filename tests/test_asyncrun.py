"""ksctl.asyncrun.run: the result comes back without ever being formatted."""

from __future__ import annotations

import asyncio

import pytest

from ksctl.asyncrun import run


class Loud:
    """A stand-in for a large plan, counting how often it is formatted (errors raised in a
    repr there would be swallowed, so a count is what shows it)."""

    def __init__(self) -> None:
        self.formatted = 0

    def __repr__(self) -> str:
        self.formatted += 1
        return "Loud()"


def test_the_result_is_returned_and_never_formatted() -> None:
    async def make() -> Loud:
        await asyncio.sleep(0)
        return Loud()

    result = run(make())
    assert isinstance(result, Loud)
    assert result.formatted == 0


def test_an_exception_propagates() -> None:
    async def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        run(fail())
