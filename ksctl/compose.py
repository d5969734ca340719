"""The composition root: the one place that builds the target from the environment, and
the only module outside `ksctl/sandbox/` that knows the sandbox exists.

`KSCTL_ENDPOINT`, `KSCTL_APP_ID` and `KSCTL_APP_SECRET` all set: a real HTTP endpoint (or
a served sandbox). None of them set: the embedded sandbox under `.ksctl/`, in-process,
with its transport, its app's credentials and its SMS inbox, so a first `ksctl plan` works
with nothing configured. Anything in between is a mistake worth stopping for: ksctl must
never guess whether it is about to touch real accounts. See docs/architecture.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ksctl.errors import KsctlError
from ksctl.home import EMBEDDED_URL

if TYPE_CHECKING:  # loaded by the commands that reach a platform, not by every start-up
    import httpx

    from ksctl.platform.limits import Limits
    from ksctl.platform.target import SmsInbox, Target


ENV_ENDPOINT = "KSCTL_ENDPOINT"
ENV_APP_ID = "KSCTL_APP_ID"
ENV_APP_SECRET = "KSCTL_APP_SECRET"
ENV_TOKEN_STORE = "KSCTL_TOKEN_STORE"
ENV_TOKEN_KEY = "KSCTL_TOKEN_KEY"


class TargetError(KsctlError):
    """The environment does not say clearly which platform to use."""


def resolve_target(env: Mapping[str, str], home: Path) -> Target:
    """The target the environment names; `home` holds `.ksctl/` for the embedded sandbox.

    Raises TargetError (one line) when the environment is half-configured or malformed.
    """
    from ksctl.platform.limits import Limits
    from ksctl.platform.redact import Secret, redact
    from ksctl.platform.target import Target

    endpoint = env.get(ENV_ENDPOINT, "").strip()
    app_id = env.get(ENV_APP_ID, "").strip()
    secret = env.get(ENV_APP_SECRET, "")
    given = [
        n
        for n, v in ((ENV_ENDPOINT, endpoint), (ENV_APP_ID, app_id), (ENV_APP_SECRET, secret))
        if v
    ]
    limits = Limits.from_env(env)
    tokens = _token_store(env, home)
    if not given:
        return dataclasses.replace(embedded_target(home, limits), **tokens)
    if len(given) < 3:
        unset = [n for n in (ENV_ENDPOINT, ENV_APP_ID, ENV_APP_SECRET) if n not in given]
        raise TargetError(
            f"{' and '.join(given)} {'is' if len(given) == 1 else 'are'} set but "
            f"{' and '.join(unset)} {'is' if len(unset) == 1 else 'are'} not: set all three "
            f"to use a platform endpoint, or none to use the embedded sandbox"
        )
    parts = urlsplit(endpoint)
    if "@" in parts.netloc or ("@" in endpoint and not parts.netloc):
        # Refused rather than redacted: a URL that is never accepted cannot reach a plan's
        # target, a markdown footer or a message. Nothing of it is echoed.
        raise TargetError(
            f"{ENV_ENDPOINT} holds credentials (user:password@ before the host): remove "
            f"them; ksctl signs in with {ENV_APP_ID} and {ENV_APP_SECRET}"
        )
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TargetError(f"{ENV_ENDPOINT}={redact(endpoint)!r} is not an http(s) URL")
    return Target("remote", endpoint.rstrip("/"), app_id, Secret(secret), limits=limits, **tokens)


def _token_store(env: Mapping[str, str], home: Path) -> dict[str, Any]:
    """Where accounts' own tokens are (`KSCTL_TOKEN_STORE`, else .ksctl/tokens) and their
    key (`KSCTL_TOKEN_KEY`)."""
    from ksctl.home import state_dir
    from ksctl.platform.redact import Secret

    store = env.get(ENV_TOKEN_STORE, "").strip() or str(state_dir(home) / "tokens")
    key = Secret(env[ENV_TOKEN_KEY]) if env.get(ENV_TOKEN_KEY) else None
    return {"token_store": store, "token_key": key}


def embedded_target(home: Path, limits: Limits | None = None) -> Target:
    """The embedded sandbox in `home/.ksctl/`, acting as its world's first app."""
    from ksctl.platform.limits import Limits
    from ksctl.platform.redact import Secret
    from ksctl.platform.target import Target
    from ksctl.sandbox import embedded

    app_id, app_secret = embedded.acting_app(home)

    def transport() -> httpx.AsyncBaseTransport:
        return embedded.embedded_transport(home)

    return Target(
        "embedded",
        EMBEDDED_URL,
        app_id,
        Secret(app_secret),
        home,
        transport=transport,
        inbox=_sandbox_inbox(home),
        limits=limits or Limits(),
    )


def _sandbox_inbox(home: Path) -> SmsInbox:
    """The embedded sandbox's SMS inbox, read from its world file."""

    from ksctl.platform.redact import Secret

    async def get(account_id: str, sent_to: str | None) -> Secret | None:
        from ksctl.sandbox.embedded import embedded_store

        inbox = embedded_store(home).sms_inbox()
        codes = [m for m in inbox if m.get("account_id") == account_id]
        return Secret(str(codes[-1]["code"])) if codes else None

    return get


def platform_now(target: Target) -> datetime:
    """The platform's clock: the embedded sandbox's is virtual, any other is this machine's."""
    if target.embedded and target.home is not None:
        from ksctl.sandbox.embedded import embedded_store

        return embedded_store(target.home).now()
    return datetime.now(UTC)


def write_openapi(path: Path) -> Path:
    """Write the platform's OpenAPI document (generated from the sandbox's app) to `path`."""
    from ksctl.sandbox.openapi import write_openapi as write

    return write(path)
