"""Which platform ksctl talks to, from the environment.

`KSCTL_ENDPOINT`, `KSCTL_APP_ID` and `KSCTL_APP_SECRET` all set: a real HTTP endpoint
(or a served sandbox). None of them set: the embedded sandbox under `.ksctl/`, in-process,
with the demo app's credentials, so a first `ksctl plan` works with nothing configured.
Anything in between is a mistake worth stopping for: ksctl must never guess whether it is
about to touch real accounts.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from ksctl.errors import KsctlError
from ksctl.platform.client import PlatformClient
from ksctl.platform.redact import Secret

ENV_ENDPOINT = "KSCTL_ENDPOINT"
ENV_APP_ID = "KSCTL_APP_ID"
ENV_APP_SECRET = "KSCTL_APP_SECRET"

EMBEDDED_URL = "http://sandbox.ksctl.invalid"  # never resolved: the transport is in-process
DEMO_APP_ID = "demo_app"
DEMO_APP_SECRET = "demo_secret"


class TargetError(KsctlError):
    """The environment does not say clearly which platform to use."""


@dataclass(frozen=True)
class Target:
    """A resolved platform target.

    `home` (embedded only) is the folder whose `.ksctl/` holds the sandbox: the working
    directory.
    """

    kind: Literal["embedded", "remote"]
    base_url: str
    app_id: str
    app_secret: Secret
    home: Path | None = None

    @property
    def embedded(self) -> bool:
        return self.kind == "embedded"

    @property
    def sandbox(self) -> bool:
        """Known to be a sandbox before any call (a served one says so in its answers)."""
        return self.embedded

    @property
    def notice(self) -> str | None:
        """The one line to print on stderr when the embedded sandbox is used."""
        if not self.embedded or self.home is None:
            return None
        return (
            f"ksctl: no {ENV_ENDPOINT} set; using the embedded sandbox in "
            f"{_shown(self.home / '.ksctl')}/ (no real account is touched)"
        )


def resolve_target(env: Mapping[str, str], home: Path) -> Target:
    """The target the environment names; `home` holds `.ksctl/` for the embedded sandbox.

    Raises TargetError (one line) when the environment is half-configured or malformed.
    """
    endpoint = env.get(ENV_ENDPOINT, "").strip()
    app_id = env.get(ENV_APP_ID, "").strip()
    secret = env.get(ENV_APP_SECRET, "")
    given = [
        n
        for n, v in ((ENV_ENDPOINT, endpoint), (ENV_APP_ID, app_id), (ENV_APP_SECRET, secret))
        if v
    ]
    if not given:
        return Target("embedded", EMBEDDED_URL, DEMO_APP_ID, Secret(DEMO_APP_SECRET), home)
    if len(given) < 3:
        unset = [n for n in (ENV_ENDPOINT, ENV_APP_ID, ENV_APP_SECRET) if n not in given]
        raise TargetError(
            f"{' and '.join(given)} {'is' if len(given) == 1 else 'are'} set but "
            f"{' and '.join(unset)} {'is' if len(unset) == 1 else 'are'} not: set all three "
            f"to use a platform endpoint, or none to use the embedded sandbox"
        )
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TargetError(f"{ENV_ENDPOINT}={endpoint!r} is not an http(s) URL")
    return Target("remote", endpoint.rstrip("/"), app_id, Secret(secret))


@asynccontextmanager
async def open_client(target: Target, **options: Any) -> AsyncIterator[PlatformClient]:
    """A PlatformClient for `target`, closed on exit. `options` go to PlatformClient; a
    `transport` among them replaces the target's own (tests wrap or fault it)."""
    transport = options.pop("transport", None)
    if target.embedded and transport is None:
        if target.home is None:
            raise TargetError("the embedded sandbox needs a home folder")
        # Imported here: only the embedded target needs the sandbox (and FastAPI).
        from ksctl.sandbox.embedded import embedded_transport

        transport = embedded_transport(target.home)
    client = PlatformClient(
        target.base_url,
        app_id=target.app_id,
        app_secret=target.app_secret,
        transport=transport,
        sandbox=target.sandbox,
        **options,
    )
    async with client:
        yield client


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path(os.getcwd()).resolve()))
    except ValueError:
        return str(path)
