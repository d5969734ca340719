"""Which provider speaks to the platform (`KSCTL_PROVIDER`), and refresh through it.

`modelled-api` (the default) is the account-management API of docs/platform-api.md and its
sandbox; `kuaishou-open` is the real open platform, which observes little and leaves most
steps to people (docs/real-platform.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ksctl.compose import resolve_target
from ksctl.config import Config
from ksctl.config.model import DesiredAccount
from ksctl.engine.provider import MODELLED_API, Provider
from ksctl.engine.refresh import Refreshed, refresh
from ksctl.errors import KsctlError
from ksctl.platform.target import open_client

ENV_PROVIDER = "KSCTL_PROVIDER"
MODELLED = "modelled-api"
OPEN = "kuaishou-open"


def provider_name(env: Mapping[str, str]) -> str:
    name = env.get(ENV_PROVIDER, "").strip() or MODELLED
    if name not in (MODELLED, OPEN):
        raise KsctlError(f"{ENV_PROVIDER}={name!r}: use {MODELLED} (default) or {OPEN}")
    return name


def provider_of(env: Mapping[str, str]) -> Provider:
    if provider_name(env) == OPEN:
        raise KsctlError(f"{ENV_PROVIDER}={OPEN}: not in this build yet")
    return MODELLED_API


async def read_actuals(
    config: Config,
    desired: Sequence[DesiredAccount],
    workdir: Path,
    env: Mapping[str, str],
    progress: Callable[[int], None] | None = None,
) -> Refreshed:
    """Refresh `desired` through the provider `env` names."""
    target = resolve_target(env, workdir)  # the embedded sandbox lives in workdir/.ksctl
    async with open_client(target) as client:
        provider_of(env)
        return await refresh(client, desired, workdir, progress)
