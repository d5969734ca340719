"""Which provider speaks to the platform (`KSCTL_PROVIDER`), and refresh through it.

`modelled-api` (the default) is the account-management API of docs/platform-api.md and its
sandbox; `kuaishou-open` is the real open platform, which observes little and leaves most
steps to people (docs/real-platform.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from ksctl.compose import resolve_target
from ksctl.config import Config
from ksctl.config.model import DesiredAccount
from ksctl.engine.provider import MODELLED_API, Provider
from ksctl.engine.refresh import Refreshed, refresh
from ksctl.errors import KsctlError
from ksctl.platform.target import Target, open_client

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
        from ksctl.openplatform.provider import OPEN_PLATFORM

        return OPEN_PLATFORM
    return MODELLED_API


async def read_actuals(
    config: Config,
    desired: Sequence[DesiredAccount],
    workdir: Path,
    env: Mapping[str, str],
    progress: Callable[[int], None] | None = None,
    target: Target | None = None,
) -> Refreshed:
    """Refresh `desired` through the provider `env` names."""
    target = target or resolve_target(env, workdir)  # the embedded sandbox: workdir/.ksctl
    async with open_client(target) as client:
        if provider_name(env) != OPEN:
            return await refresh(client, desired, workdir, progress)
        from ksctl.openplatform.reader import open_reader

        async with open_reader(client, config, workdir, env) as reader:
            found = await refresh(reader, desired, workdir, progress)
        actuals = {
            i: replace(a, sources=reader.sources.get(i, ()), notes=reader.warnings.get(i, ()))
            for i, a in found.actuals.items()
        }
        return replace(found, actuals=actuals)
