"""Refresh on the real open platform: the real endpoints, the attestations, the evidence.

Each account's calls carry that account's own access token (the platform client picks it
from the token store and renews it when it expired); `user_info` proves the token is the
account's, `photo/count` and `photo/list` read its works.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from ksctl.attestations.store import Attestation, load, max_age, repository_root
from ksctl.backups.manifest import Manifest
from ksctl.backups.store import FsspecSink, LocalSink, open_sink
from ksctl.config import Config
from ksctl.config.model import DesiredAccount
from ksctl.contract.open_platform import (
    MAX_COUNT,
    Photo,
    PhotoCountAnswer,
    PhotoListAnswer,
    UserInfoAnswer,
    photo_order,
)
from ksctl.contract.wire import AccountState
from ksctl.engine.plan import Source
from ksctl.openplatform.state import Observed, synthesize
from ksctl.platform.errors import PlatformError, ProtocolError

M = TypeVar("M", bound=BaseModel)
MAX_PAGES = 1000  # 200,000 works: far beyond any account; a platform looping stops here


class UserCalls(Protocol):
    """What the reader needs of a platform client: a GET that carries the account's token."""

    async def get_json(
        self, path: str, params: dict[str, str | int], account_id: str
    ) -> Mapping[str, Any]: ...
    def platform_now(self) -> datetime: ...


# The real codes that say an account's authorization is gone (cancelled, expired, never
# given, refresh token expired): that account is an error of the plan, the others go on.
LOST = frozenset({100200109, 100200110, 100200111, 100200113})


@dataclass(frozen=True)
class OpenRead:
    accounts: dict[str, AccountState]
    missing: list[str]
    unauthorized: dict[str, str]


def _lost(exc: PlatformError) -> bool:
    return type(exc).__name__ == "AuthorizationLost" or exc.code in LOST


def _why(account_id: str, exc: PlatformError) -> str:
    if type(exc).__name__ == "AuthorizationLost":
        return str(exc)
    return f"not authorized ({exc}): authorize it with `ksctl auth login {account_id}`"


def _parse(model: type[M], body: Mapping[str, Any], what: str) -> M:
    try:
        return model.model_validate(dict(body))
    except ValidationError as exc:
        raise ProtocolError(
            f"{what}: the answer does not fit the platform's documents: {exc.errors()[0]['msg']}"
        ) from None


async def works_of(calls: UserCalls, account_id: str) -> list[Photo]:
    """Every work, newest first; the cursor is the smallest photo_id of the previous page."""
    found: list[Photo] = []
    cursor = ""
    for _ in range(MAX_PAGES):
        params: dict[str, str | int] = {"count": MAX_COUNT}
        if cursor:
            params["cursor"] = cursor
        page = _parse(
            PhotoListAnswer,
            await calls.get_json("/openapi/photo/list", params, account_id),
            "photo/list",
        )
        if not page.video_list:
            return found
        found.extend(page.video_list)
        smallest = min(page.video_list, key=lambda p: photo_order(p.photo_id)).photo_id
        if cursor and photo_order(smallest) >= photo_order(cursor):
            raise ProtocolError(
                "photo/list: the cursor does not move on: the platform repeats a page"
            )
        cursor = smallest
        if len(page.video_list) < MAX_COUNT:
            return found
    raise ProtocolError(f"photo/list: more than {MAX_PAGES} pages")


def _backed_up_replays(desired: DesiredAccount, workdir: Path) -> dict[str, datetime]:
    """Replays the backup store holds for the account: known even once taken down."""
    sink = open_sink(desired.destination, workdir)
    found: dict[str, datetime] = {}
    paths: list[str] = []
    if isinstance(sink, LocalSink):
        folder = sink.root / desired.id / "replays"
        paths = [f"{desired.id}/replays/{p.name}" for p in sorted(folder.glob("*.manifest.json"))]
    elif isinstance(sink, FsspecSink):
        pattern = f"{sink.root.rstrip('/')}/{desired.id}/replays/*.manifest.json"
        paths = [
            f"{desired.id}/replays/{p.rsplit('/', 1)[-1]}" for p in sorted(sink.fs.glob(pattern))
        ]
    for path in paths:
        try:
            with sink.open_read(path) as handle:
                manifest = Manifest.model_validate_json(handle.read())
        except (OSError, ValueError):
            continue
        if manifest.target and manifest.range_start:
            found[manifest.target] = manifest.range_start
    return found


class OpenReader:
    """The `AccountsReader` of refresh, for the real open platform."""

    def __init__(
        self,
        calls: UserCalls,
        desired: Mapping[str, DesiredAccount],
        records: Mapping[str, list[Attestation]],
        age: timedelta,
        workdir: Path,
    ) -> None:
        self.calls, self.desired, self.records = calls, desired, records
        self.age, self.workdir = age, workdir
        self.sources: dict[str, tuple[Source, ...]] = {}
        self.warnings: dict[str, tuple[str, ...]] = {}

    async def _one(self, account_id: str) -> AccountState | None:
        desired = self.desired.get(account_id)
        if desired is None:
            return None
        info = _parse(
            UserInfoAnswer,
            await self.calls.get_json("/openapi/user_info", {}, account_id),
            "user_info",
        )
        count = _parse(
            PhotoCountAnswer,
            await self.calls.get_json("/openapi/photo/count", {}, account_id),
            "photo/count",
        )
        works = await works_of(self.calls, account_id)
        seen = Observed(
            name=info.user_info.name,
            fans=info.user_info.fan,
            works=works,
            works_count=count.public_count,
            backed_up_replays=_backed_up_replays(desired, self.workdir),
        )
        made = synthesize(
            desired, seen, self.records.get(account_id, []), self.calls.platform_now(), self.age
        )
        warnings = list(made.warnings)
        if desired.name and info.user_info.name and desired.name != info.user_info.name:
            warnings.insert(
                0,
                f"user_info answers as {info.user_info.name!r}, the configuration names "
                f"{desired.name!r}: is the token this account's?",
            )
        self.sources[account_id] = made.sources
        self.warnings[account_id] = tuple(warnings)
        return made.state

    async def get_accounts(
        self, ids: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> OpenRead:
        unauthorized: dict[str, str] = {}

        async def one(account_id: str) -> AccountState | None:
            try:
                return await self._one(account_id)
            except PlatformError as exc:
                if not _lost(exc):
                    raise
                unauthorized[account_id] = _why(account_id, exc)
                return None

        states = await asyncio.gather(*(one(i) for i in ids))
        if progress:
            progress(len(ids))
        found = {i: s for i, s in zip(ids, states, strict=True) if s is not None}
        missing = [i for i in ids if i not in found and i not in unauthorized]
        return OpenRead(found, missing, unauthorized)

    async def get_quota(self) -> None:
        return None  # the real platform publishes no write quota for user APIs

    def platform_now(self) -> datetime:
        return self.calls.platform_now()


class ClientCalls:
    """`UserCalls` over the platform client (its session carries each account's token)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def get_json(
        self, path: str, params: dict[str, str | int], account_id: str
    ) -> Mapping[str, Any]:
        answer = await self.client._session.call("GET", path, params=params, account_id=account_id)
        return answer.body

    def platform_now(self) -> datetime:
        now: datetime = self.client.platform_now()
        return now


@asynccontextmanager
async def open_reader(
    client: Any, config: Config, workdir: Path, env: Mapping[str, str]
) -> AsyncIterator[OpenReader]:
    """The reader for `config`'s accounts, with the attestations of its repository."""
    first = Path(config.files[0]) if config.files else workdir
    root = repository_root(first if first.is_absolute() else workdir / first)
    ids = [a.id for a in config.accounts]
    yield OpenReader(
        ClientCalls(client),
        {a.id: a for a in config.accounts},
        load(root, ids),
        max_age(env),
        workdir,
    )
