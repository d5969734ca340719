"""Fixtures for the sandbox tests: a seeded world in a temp file and an API driver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio.from_thread
import pytest

from ksctl.sandbox.store import Store
from ksctl.sandbox.world import World, load_world
from tests.sandbox.driver import FIXTURES, Api, Wall


@pytest.fixture
def world() -> World:
    return load_world(FIXTURES / "world.yaml")


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
def store(tmp_path: Path, world: World, wall: Wall) -> Store:
    store = Store(tmp_path / "sandbox.db", wall_clock=wall)
    store.seed(world)
    return store


@pytest.fixture
def portal() -> Iterator[Any]:
    with anyio.from_thread.start_blocking_portal() as portal:
        yield portal


@pytest.fixture
def api_for(store: Store, portal: Any) -> Iterator[Callable[[str], Api]]:
    made: list[Api] = []

    def make(app_id: str) -> Api:
        made.append(Api(store, portal, app_id))
        return made[-1]

    yield make
    for api in made:
        api.close()


@pytest.fixture
def api(api_for: Callable[[str], Api]) -> Api:
    return api_for("agency_app")
