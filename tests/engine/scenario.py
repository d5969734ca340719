"""Sandbox worlds for engine tests: seed a world into a working directory, plan against it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ksctl.app.plan import Planned, make_plan
from ksctl.sandbox.embedded import sandbox_path
from ksctl.sandbox.store import Store
from ksctl.sandbox.world import World, load_world
from tests.conftest import FIXTURES

SCENARIOS = FIXTURES / "scenarios"
CREATED = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def seed(workdir: Path, world: World | Path) -> Store:
    store = Store(sandbox_path(workdir))
    store.seed(world if isinstance(world, World) else load_world(world))
    return store


def plan_scenario(name: str, workdir: Path, **kw: object) -> Planned:
    seed(workdir, SCENARIOS / name / "world.yaml")
    return make_plan(
        [str(SCENARIOS / name / "accounts.yaml")], workdir=workdir, env={}, created_at=CREATED, **kw
    )  # type: ignore[arg-type]
