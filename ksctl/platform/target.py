"""A resolved platform target and the client for it; the composition root
(`ksctl/compose.py`) builds it from the environment.

The target carries what this package must not build itself: the transport of the embedded
sandbox and the sandbox's SMS inbox. The platform package never imports the sandbox.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx

from ksctl.home import state_dir
from ksctl.platform.client import PlatformClient
from ksctl.platform.limits import Limits
from ksctl.platform.redact import Secret

# (account id, masked phone the code went to) -> the code, or None when none can be had.
SmsInbox = Callable[[str, str | None], Awaitable[Secret | None]]


@dataclass(frozen=True)
class Target:
    """Which platform, with what credentials.

    `home` (embedded only) is the folder whose `.ksctl/` holds the sandbox: the working
    directory. `transport` builds the in-process transport of an embedded sandbox; `inbox`
    reads a sandbox's SMS inbox. `limits` bound what the client accepts from the endpoint
    (docs/limits.md).
    """

    kind: Literal["embedded", "remote"]
    base_url: str
    app_id: str
    app_secret: Secret
    home: Path | None = None
    transport: Callable[[], httpx.AsyncBaseTransport] | None = None
    inbox: SmsInbox | None = None
    limits: Limits = field(default_factory=Limits, compare=False)

    @property
    def embedded(self) -> bool:
        return self.kind == "embedded"

    @property
    def sandbox(self) -> bool:
        """Known to be a sandbox before any call (a served one says so in its answers)."""
        return self.embedded

    @property
    def name(self) -> str:
        """Where a plan was made: no credential in it, but enough to refuse another target."""
        if self.embedded:
            return "embedded-sandbox"
        return f"{self.base_url} app={self.app_id}"

    @property
    def notice(self) -> str | None:
        """The one line to print on stderr when the embedded sandbox is used."""
        if not self.embedded or self.home is None:
            return None
        return (
            f"ksctl: no KSCTL_ENDPOINT set; using the embedded sandbox in "
            f"{_shown(state_dir(self.home))}/ as app {self.app_id} (no real account is touched)"
        )


@asynccontextmanager
async def open_client(target: Target, **options: Any) -> AsyncIterator[PlatformClient]:
    """A PlatformClient for `target`, closed on exit. `options` go to PlatformClient; a
    `transport` among them replaces the target's own (tests wrap or fault it)."""
    transport = options.pop("transport", None)
    if transport is None and target.transport is not None:
        transport = target.transport()
    client = PlatformClient(
        target.base_url,
        app_id=target.app_id,
        app_secret=target.app_secret,
        transport=transport,
        sandbox=target.sandbox,
        **{"limits": target.limits, **options},
    )
    async with client:
        yield client


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path(os.getcwd()).resolve()))
    except ValueError:
        return str(path)
