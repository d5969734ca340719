"""The typed, async client of the platform API (docs/platform-api.md).

    async with PlatformClient(base_url, app_id=..., app_secret=..., transport=...) as c:
        accounts = await c.get_accounts(["3xk9d2a1", "3xm7c5b0"])
        key = idempotency_key(plan.checksum, "3xk9d2a1/cancel_schedule[s1]")
        done = await c.cancel_schedule("3xk9d2a1", "s1", idempotency_key=key, if_match="7")

The transport decides where requests go: `httpx.ASGITransport` runs them in-process
against the embedded sandbox, the default transport over a socket to a real endpoint.
Reads are batched and paged with bounded concurrency; writes need an idempotency key
(that is what makes retrying them safe); downloads resume and verify. Errors are the
typed hierarchy of `ksctl.platform.errors`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx

from ksctl import __version__
from ksctl.contract.wire import (
    AccountsPage,
    AccountState,
    AppealRequest,
    DisableLiveRequest,
    Envelope,
    Feature,
    Job,
    JobAnswer,
    OAuthTokenAnswer,
    Quota,
    QuotaAnswer,
    Replay,
    ReplaysPage,
    Schedule,
    SchedulesPage,
    Ticket,
    TicketAnswer,
    VerifyRequest,
    WriteAnswer,
)
from ksctl.platform.download import Downloaded, DownloadSink, LocalFileSink, download
from ksctl.platform.errors import AuthorizationLost, NotFound, ProtocolError
from ksctl.platform.keys import idempotency_key
from ksctl.platform.limits import Limits
from ksctl.platform.quota import QuotaStatus
from ksctl.platform.redact import Redactor, Secret
from ksctl.platform.retry import Budget, Clock, RetryPolicy, SystemClock
from ksctl.platform.session import Answer, Session, account_from

if TYPE_CHECKING:
    from ksctl.auth.tokens import AccountTokens

__all__ = ["AccountsRead", "PlatformClient", "WriteResult", "idempotency_key"]

P = TypeVar("P", bound=Envelope)
T = TypeVar("T")

BATCH = 200  # the platform's limit on ids per batch read and on `count`


@dataclass(frozen=True)
class AccountsRead:
    """The answer of a batch read: found accounts in the order asked, and unknown ids."""

    accounts: dict[str, AccountState]
    missing: list[str] = field(default_factory=list)
    # Accounts read with their own token whose authorization is gone: why, and the command
    # that re-authorizes each (the other accounts are read all the same).
    unauthorized: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WriteResult:
    """A successful write.

    `replayed` means the platform had already performed this write (same idempotency
    key) and returned its first answer. The verification ticket of an SMS verification
    is held as a `Secret`, and blanked in `answer`, so that printing a result leaks nothing.
    """

    answer: WriteAnswer
    request_id: str | None = None
    replayed: bool = False
    verification_ticket: Secret | None = None

    @property
    def changed(self) -> bool:
        return self.answer.changed

    @property
    def account(self) -> AccountState:
        return self.answer.account


class PlatformClient:
    """Typed access to the platform API. Use as an async context manager (or `aclose()`).

    `transport` is any httpx async transport (None: real sockets). `sandbox` says the
    target is known to be a sandbox; a served sandbox also says so in its answers
    (`X-Ksctl-Sandbox: 1`), which sets `is_sandbox` too. `concurrency` bounds requests in
    flight. `retry`, `clock` and `rng` shape retrying (tests inject a fake clock).
    `limits` bounds answers, request times and downloads (docs/limits.md).
    """

    def __init__(
        self,
        base_url: str,
        *,
        app_id: str,
        app_secret: str | Secret,
        transport: httpx.AsyncBaseTransport | None = None,
        sandbox: bool = False,
        concurrency: int = 8,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        redactor: Redactor | None = None,
        limits: Limits | None = None,
        accounts: AccountTokens | None = None,
    ) -> None:
        secret = app_secret if isinstance(app_secret, Secret) else Secret(app_secret)
        self.redact = redactor or Redactor()
        http = httpx.AsyncClient(
            base_url=base_url,
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": f"ksctl/{__version__}"},
        )
        self._session = Session(
            http,
            app_id=app_id,
            app_secret=secret,
            retry=retry or RetryPolicy(),
            clock=clock or SystemClock(),
            rng=rng or random.Random(),
            concurrency=concurrency,
            redactor=self.redact,
            sandbox=sandbox,
            limits=limits,
            accounts=accounts,
        )
        if accounts is not None:
            accounts.redact = self.redact
            for account in accounts.accounts():
                token = accounts.token(account)
                if token is not None:
                    self.redact.add(token.reveal())
        self.base_url = base_url
        self.app_id = app_id
        self.concurrency = concurrency

    # ---- lifecycle ------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the underlying connections."""
        await self._session.http.aclose()

    def __repr__(self) -> str:
        return f"PlatformClient({self.base_url!r}, app_id={self.app_id!r})"

    # ---- what the client has learnt -------------------------------------------------

    @property
    def quota(self) -> QuotaStatus:
        """The write quota as last reported by the platform (unknown until an answer)."""
        return self._session.quota.status

    def platform_now(self) -> datetime:
        """The platform's clock (a sandbox's is virtual), learnt from its answers."""
        return self._session.quota.platform_time(self._session.clock.now())

    @property
    def is_sandbox(self) -> bool:
        """Whether the target is a sandbox (known from the target or said by an answer)."""
        return self._session.sandbox

    # ---- reads ----------------------------------------------------------------------

    async def get_account(self, account_id: str) -> AccountState:
        """One account, with its version (the answer's ETag)."""
        answer = await self._get(f"/openapi/accounts/{account_id}", account_id=account_id)
        try:
            account = account_from(answer.body)
        except ValueError as exc:
            raise _contract_error(exc) from None
        return await self._complete(account)

    async def get_accounts(
        self,
        ids: Iterable[str],
        *,
        complete: bool = True,
        progress: Callable[[int], None] | None = None,
    ) -> AccountsRead:
        """Many accounts in about len(ids)/200 calls, batches concurrently.

        With `complete`, an account whose inline schedules or replays were truncated gets
        its full lists from the paged endpoints (only then: the inline list is usually all).
        `progress` is told how many ids each finished batch held.
        """
        wanted = list(dict.fromkeys(ids))  # de-duplicated, in the order given
        tokens = self._session.accounts
        own = [i for i in wanted if tokens is not None and tokens.has(i)]
        shared = [i for i in wanted if i not in set(own)]
        # The batch read is modelled and carries the app's token; an account with its own
        # grant is read with its own token (as the real platform's user APIs are).
        batches = [shared[i : i + BATCH] for i in range(0, len(shared), BATCH)]
        unauthorized: dict[str, str] = {}

        async def read_own(account_id: str) -> tuple[list[AccountState], list[str]]:
            try:
                state = await self.get_account(account_id)
            except AuthorizationLost as err:
                unauthorized[account_id] = err.message
                return [], []
            except NotFound:
                return [], [account_id]
            finally:
                if progress:
                    progress(1)
            return [state], []

        async def read(batch: list[str]) -> tuple[list[AccountState], list[str]]:
            page = await self._read_batch(batch)
            if progress:
                progress(len(batch))
            return page

        pages = await _all([*(read(b) for b in batches), *(read_own(i) for i in own)])
        found: dict[str, AccountState] = {}
        missing: list[str] = []
        for accounts, gone in pages:
            found.update((a.id, a) for a in accounts)
            missing.extend(gone)
        if complete:
            found = await self._complete_all(found)
        ordered = {i: found[i] for i in wanted if i in found}
        missing = [i for i in wanted if i not in ordered and i not in unauthorized]
        return AccountsRead(ordered, missing, unauthorized)

    async def list_schedules(self, account_id: str) -> list[Schedule]:
        """Every pending schedule of an account, following the pages."""
        pages = await self._pages(
            f"/openapi/accounts/{account_id}/schedules", SchedulesPage, account_id=account_id
        )
        return [s for page in pages for s in page.schedules]

    async def list_replays(self, account_id: str) -> list[Replay]:
        """Every replay of an account, following the pages."""
        pages = await self._pages(
            f"/openapi/accounts/{account_id}/replays", ReplaysPage, account_id=account_id
        )
        return [r for page in pages for r in page.replays]

    async def get_job(self, job_id: str) -> Job:
        """An interaction export job."""
        return _parse(JobAnswer, await self._get(f"/openapi/jobs/{job_id}")).job

    async def get_ticket(self, ticket_id: str) -> Ticket:
        """A gift-ledger support ticket."""
        answer = await self._get(f"/openapi/tickets/{ticket_id}")
        return _parse(TicketAnswer, answer).ticket

    async def get_quota(self) -> Quota:
        """The app's write quota today; also refreshes `quota`."""
        quota = _parse(QuotaAnswer, await self._get("/openapi/quota")).quota
        self._session.quota.observe(quota)
        return quota

    async def exchange_code(self, code: Secret) -> OAuthTokenAnswer:
        """An authorization code (from the consent's redirect) for an account's tokens."""
        self.redact.add(code.reveal())
        return await self._session.exchange_code(code)

    # ---- writes (each needs its idempotency key; `if_match` is the account version) ---

    async def cancel_schedule(
        self,
        account_id: str,
        schedule_id: str,
        *,
        idempotency_key: str,
        if_match: str | None = None,
    ) -> WriteResult:
        """Cancel a scheduled live (预约直播)."""
        return await self._write(
            account_id, f"schedules/{schedule_id}/cancel", key=idempotency_key, if_match=if_match
        )

    async def export_interactions(
        self, account_id: str, *, idempotency_key: str, if_match: str | None = None
    ) -> WriteResult:
        """Open (or get the open) export job of the last 90 days of interactions."""
        return await self._write(
            account_id, "interactions/export", key=idempotency_key, if_match=if_match
        )

    async def request_gift_ledger(
        self, account_id: str, *, idempotency_key: str, if_match: str | None = None
    ) -> WriteResult:
        """Open (or get the open) gift-ledger support ticket."""
        return await self._write(
            account_id, "gift_ledger/tickets", key=idempotency_key, if_match=if_match
        )

    async def purge_viewer_phones(
        self, account_id: str, *, idempotency_key: str, if_match: str | None = None
    ) -> WriteResult:
        """Delete the viewer phone numbers the platform stores for the account."""
        return await self._write(
            account_id, "privacy/purge_viewer_phones", key=idempotency_key, if_match=if_match
        )

    async def send_sms(
        self, account_id: str, *, idempotency_key: str, if_match: str | None = None
    ) -> WriteResult:
        """Send a verification code to the account's bound phone (answer: masked number)."""
        return await self._write(account_id, "sms/send", key=idempotency_key, if_match=if_match)

    async def verify_sms(
        self,
        account_id: str,
        code: str | Secret,
        *,
        idempotency_key: str,
        if_match: str | None = None,
    ) -> WriteResult:
        """Exchange an SMS code for a verification ticket (`result.verification_ticket`)."""
        raw = code.reveal() if isinstance(code, Secret) else code
        self.redact.add(raw)
        body = VerifyRequest(code=raw).model_dump()
        return await self._write(
            account_id, "sms/verify", body=body, key=idempotency_key, if_match=if_match
        )

    async def disable_live(
        self,
        account_id: str,
        verification_ticket: str | Secret,
        *,
        acknowledge_contract_breach: bool = False,
        idempotency_key: str,
        if_match: str | None = None,
    ) -> WriteResult:
        """Close live (the platform also revokes the live-certification tag)."""
        raw = (
            verification_ticket.reveal()
            if isinstance(verification_ticket, Secret)
            else verification_ticket
        )
        self.redact.add(raw)
        body = DisableLiveRequest(
            verification_ticket=raw, acknowledge_contract_breach=acknowledge_contract_breach
        )
        return await self._write(
            account_id,
            "live/disable",
            body=body.model_dump(),
            key=idempotency_key,
            if_match=if_match,
        )

    async def enable_live(
        self, account_id: str, *, idempotency_key: str, if_match: str | None = None
    ) -> WriteResult:
        """Re-open live."""
        return await self._write(account_id, "live/enable", key=idempotency_key, if_match=if_match)

    async def remove_live_certification(
        self, account_id: str, *, idempotency_key: str, if_match: str | None = None
    ) -> WriteResult:
        """Remove the 直播认证 tag."""
        return await self._write(
            account_id, "certification/live/remove", key=idempotency_key, if_match=if_match
        )

    async def set_feature(
        self,
        account_id: str,
        feature: Feature | str,
        enabled: bool,
        *,
        idempotency_key: str,
        if_match: str | None = None,
    ) -> WriteResult:
        """Enable or disable a monetization feature."""
        name = Feature(feature).value
        verb = "enable" if enabled else "disable"
        return await self._write(
            account_id, f"features/{name}/{verb}", key=idempotency_key, if_match=if_match
        )

    async def open_takedown_appeal(
        self,
        account_id: str,
        copyright_proof: str,
        *,
        idempotency_key: str,
        if_match: str | None = None,
    ) -> WriteResult:
        """Open (or get the open) takedown appeal for every online replay."""
        body = AppealRequest(copyright_proof=copyright_proof).model_dump()
        return await self._write(
            account_id, "appeals", body=body, key=idempotency_key, if_match=if_match
        )

    # ---- downloads ------------------------------------------------------------------

    async def download_replay(
        self, account_id: str, replay: Replay, dest: Path | str | DownloadSink
    ) -> Downloaded:
        """A replay's video into `dest`, resumed if interrupted, verified against the listing."""
        return await self.download(
            f"/openapi/accounts/{account_id}/replays/{replay.id}/content",
            dest,
            size=replay.size_bytes,
            sha256=replay.sha256,
            account_id=account_id,
        )

    async def download_job(self, job: Job, dest: Path | str | DownloadSink) -> Downloaded:
        """The export file of a `ready` job."""
        return await self.download(
            f"/openapi/jobs/{job.id}/content",
            dest,
            size=job.size_bytes,
            sha256=job.sha256,
            account_id=job.account_id,
        )

    async def download_ticket(self, ticket: Ticket, dest: Path | str | DownloadSink) -> Downloaded:
        """The gift ledger of a `fulfilled` ticket."""
        return await self.download(
            f"/openapi/tickets/{ticket.id}/content",
            dest,
            size=ticket.size_bytes,
            sha256=ticket.sha256,
            account_id=ticket.account_id,
        )

    async def download(
        self,
        path: str,
        dest: Path | str | DownloadSink,
        *,
        size: int | None = None,
        sha256: str | None = None,
        account_id: str | None = None,
    ) -> Downloaded:
        """Any content endpoint into `dest` (a local path or a DownloadSink); `account_id`
        is whose data it is (its own token is used when it has one).

        Already present and verified: nothing is fetched (`fetched` is False).
        """
        sink = LocalFileSink(dest) if isinstance(dest, str | Path) else dest
        s = self._session
        return await download(
            lambda headers: s.stream(path, headers=headers, account_id=account_id),
            sink,
            budget=Budget(s.retry, s.clock, s.rng),
            size=size,
            sha256=sha256,
            limits=s.limits,
        )

    # ---- plumbing -------------------------------------------------------------------

    async def _get(
        self, path: str, params: dict[str, str | int] | None = None, account_id: str | None = None
    ) -> Answer:
        return await self._session.call("GET", path, params=params, account_id=account_id)

    async def _write(
        self,
        account_id: str,
        action: str,
        *,
        key: str,
        if_match: str | None,
        body: dict[str, Any] | None = None,
    ) -> WriteResult:
        answer = await self._session.call(
            "POST",
            f"/openapi/accounts/{account_id}/{action}",
            json=body,
            idempotency_key=key,
            if_match=if_match,
            account_id=account_id,
        )
        parsed = _parse(WriteAnswer, answer)
        ticket = None
        if parsed.verification_ticket:
            self.redact.add(parsed.verification_ticket)
            ticket = Secret(parsed.verification_ticket)
            parsed = parsed.model_copy(update={"verification_ticket": None})
        return WriteResult(parsed, answer.request_id, answer.replayed, ticket)

    async def _read_batch(self, ids: Sequence[str]) -> tuple[list[AccountState], list[str]]:
        return await self._read_pages({"ids": ",".join(ids)})

    async def _read_pages(
        self, params: dict[str, str | int]
    ) -> tuple[list[AccountState], list[str]]:
        pages = await self._pages("/openapi/accounts", AccountsPage, params)
        return ([a for p in pages for a in p.accounts], [m for p in pages for m in p.missing])

    async def _pages(
        self,
        path: str,
        model: type[P],
        params: dict[str, str | int] | None = None,
        account_id: str | None = None,
    ) -> list[P]:
        """Every page of a list, following `next_cursor`; a cursor seen twice would loop
        forever, so it is an error."""
        pages: list[P] = []
        cursor = ""
        seen: set[str] = set()
        while True:
            query = {**(params or {}), "cursor": cursor, "count": BATCH}
            page = _parse(model, await self._get(path, query, account_id=account_id))
            pages.append(page)
            seen.add(cursor)
            cursor = getattr(page, "next_cursor", None) or ""
            if not cursor:
                return pages
            if cursor in seen:
                shown = cursor if len(cursor) <= 40 else cursor[:40] + "…"
                raise ProtocolError(
                    f"GET {path}: the platform sent the cursor {shown!r} a second time "
                    f"(after {len(pages)} pages); stopped paging rather than loop forever"
                )

    async def _complete(self, account: AccountState) -> AccountState:
        # The inline lists hold at most 50; only a truncated one costs extra reads.
        update: dict[str, Any] = {}
        if account.schedules_truncated:
            update["schedules"] = await self.list_schedules(account.id)
            update["schedules_truncated"] = False
        if account.replays_truncated:
            update["replays"] = await self.list_replays(account.id)
            update["replays_truncated"] = False
        return account.model_copy(update=update) if update else account

    async def _complete_all(self, accounts: dict[str, AccountState]) -> dict[str, AccountState]:
        done = await _all(self._complete(a) for a in accounts.values())
        return {a.id: a for a in done}


async def _all(coros: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Run concurrently (the session's semaphore bounds the requests). On the first
    failure cancel the rest, so nothing runs on after the caller gave up, and raise that
    failure itself (not a group: callers handle typed PlatformErrors)."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _parse(model: type[P], answer: Answer) -> P:
    """The payload of `answer` as `model`; one that does not fit is a ProtocolError."""
    # `request_id` is envelope, not payload.
    body = {k: v for k, v in answer.body.items() if k != "request_id"}
    try:
        return model.model_validate(body)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise _contract_error(exc) from None


def _contract_error(exc: ValueError) -> ProtocolError:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ProtocolError(f"the platform's answer does not fit the contract: {first}")
