"""The embedded sandbox: the default target of every command, in `.ksctl/` of a folder.

No server, no credentials: an `httpx.ASGITransport` runs the app in-process over a SQLite
file that the first use seeds with the demo world (the accounts of examples/accounts.yaml).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import httpx

from ksctl.home import state_dir
from ksctl.sandbox.store import Store
from ksctl.sandbox.world import World, load_world

# The demo world's app (demo_world.yaml), as which the embedded sandbox acts by default.
DEMO_APP_ID = "demo_app"
DEMO_APP_SECRET = "demo_secret"


def sandbox_path(home: Path) -> Path:
    return state_dir(home) / "sandbox.db"


def demo_world() -> World:
    with resources.as_file(resources.files("ksctl.sandbox") / "demo_world.yaml") as path:
        return load_world(path)


def embedded_store(home: Path) -> Store:
    """The sandbox under `home/.ksctl/`, seeded with the demo world when it has none."""
    store = Store(sandbox_path(home))
    if not store.is_seeded():
        store.seed(demo_world())
    return store


def acting_app(home: Path) -> tuple[str, str]:
    """The app the embedded sandbox acts as when nothing is configured: the seeded world's
    first app (a world of one's own need not reuse the demo app's credentials)."""
    return embedded_store(home).first_app() or (DEMO_APP_ID, DEMO_APP_SECRET)


def embedded_transport(home: Path) -> httpx.AsyncBaseTransport:
    """An in-process transport to the embedded sandbox (use with `httpx.AsyncClient`)."""
    from ksctl.sandbox.app import create_app  # FastAPI loads only when a command needs it

    # A sandbox bug answers 500 with the envelope instead of raising inside the client.
    return httpx.ASGITransport(app=create_app(embedded_store(home)), raise_app_exceptions=False)
