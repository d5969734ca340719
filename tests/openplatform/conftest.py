"""The open_platform sandbox in a temporary folder, with the provider pointed at it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ksctl.openplatform import reader
from ksctl.sandbox.embedded import demo_world, embedded_store
from tests.apply.conftest import Workspace, ws  # noqa: F401
from tests.openplatform.sandbox_calls import SandboxCalls

EXAMPLE = Path(__file__).parents[2] / "examples" / "accounts.yaml"


@pytest.fixture
def open_ws(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:  # noqa: F811
    world = demo_world()
    platform = world.platform.model_copy(update={"profile": "open_platform"})
    embedded_store(ws.root).seed(world.model_copy(update={"platform": platform}))
    shutil.copy(EXAMPLE, ws.root / "accounts.yaml")
    (ws.root / ".git").mkdir()  # the configuration repository
    monkeypatch.setenv("KSCTL_PROVIDER", "kuaishou-open")
    calls = SandboxCalls(embedded_store(ws.root))
    monkeypatch.setattr(reader, "ClientCalls", lambda client: calls)
    yield ws
