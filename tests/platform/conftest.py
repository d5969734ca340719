"""Fixtures for the client's tests against the real sandbox (in-process and served)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ksctl.sandbox.embedded import sandbox_path
from ksctl.sandbox.store import Store
from ksctl.sandbox.world import load_world
from tests.platform.fakes import FakeClock

FIXTURES = Path(__file__).parent / "fixtures"
WORLD = FIXTURES / "world.yaml"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Store:
    """The test world under `tmp_path/.ksctl/`; its wall clock (the read rate's) moves with
    the client's fake clock, so waiting out a Retry-After takes no real time."""
    s = Store(sandbox_path(tmp_path), wall_clock=lambda: 1_800_000_000.0 + clock.t)
    s.seed(load_world(WORLD))
    return s
