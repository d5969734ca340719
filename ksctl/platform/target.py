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
from typing import TYPE_CHECKING, Any, Literal

import httpx

from ksctl.home import state_dir
from ksctl.platform.client import PlatformClient
from ksctl.platform.limits import Limits
from ksctl.platform.redact import Secret

if TYPE_CHECKING:
    from ksctl.auth.tokens import AccountTokens

# (account id, masked phone the code went to) -> the code, or None when none can be had.
SmsInbox = Callable[[str, str | None], Awaitable[Secret | None]]


@dataclass(frozen=True)
class Target:
    """Which platform, with what credentials.

    `home` (embedded only) is the folder whose `.ksctl/` holds the sandbox: the working
    directory. `transport` builds the in-process transport of an embedded sandbox; `inbox`
    reads a sandbox's SMS inbox. `limits` bound what the client accepts from the endpoint
    (docs/limits.md). `token_store` is where accounts' own tokens are kept
    (`ksctl auth`), `token_key` the key they are encrypted with; without a store every
    call carries the app's token.
    """

    kind: Literal["embedded", "remote"]
    base_url: str
    app_id: str
    app_secret: Secret
    home: Path | None = None
    transport: Callable[[], httpx.AsyncBaseTransport] | None = None
    inbox: SmsInbox | None = None
    limits: Limits = field(default_factory=Limits, compare=False)
    token_store: str | None = None
    token_key: Secret | None = None

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
    if "accounts" not in options:
        options["accounts"] = account_tokens(target)
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


def account_tokens(target: Target) -> AccountTokens | None:
    """The target's accounts' own tokens, from its token store; None without a store or
    before any `ksctl auth login` (a missing local store file is not created by reading)."""
    if target.token_store is None:
        return None
    if "://" not in target.token_store and not Path(target.token_store).exists():
        return None
    from ksctl.auth.store import TokenStore
    from ksctl.auth.tokens import AccountTokens, scope_of

    key = target.token_key.reveal() if target.token_key else None
    store = TokenStore(target.token_store, key=key)
    return AccountTokens(store, scope_of(target.base_url, target.app_id))


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path(os.getcwd()).resolve()))
    except ValueError:
        return str(path)
