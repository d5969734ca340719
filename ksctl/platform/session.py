"""One API call, done reliably: auth, retries, envelope decoding, quota and sandbox notes.

`Session` knows the conventions of the platform API (docs/platform-api.md) but none of its
operations; `PlatformClient` builds the typed operations on top of it.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import random
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx

from ksctl.contract import codes
from ksctl.contract.wire import AccountState, OAuthTokenAnswer
from ksctl.platform.errors import (
    NetworkError,
    PlatformError,
    ProtocolError,
    QuotaExhausted,
    RangeNotSatisfiable,
    RateLimited,
    ServerError,
    TransientError,
)
from ksctl.platform.explain import ENRICHABLE, build_error
from ksctl.platform.limits import ENV_REQUEST_TIMEOUT, Limits, ResponseTooLarge, read_capped
from ksctl.platform.quota import QuotaTracker
from ksctl.platform.redact import RedactingFilter, Redactor, Secret
from ksctl.platform.retry import Budget, Clock, RetryPolicy, parse_retry_after

if TYPE_CHECKING:
    from ksctl.auth.tokens import AccountTokens

log = logging.getLogger("ksctl.platform")

TOKEN_PATH = "/oauth2/access_token"
REFRESH_PATH = "/oauth2/refresh_token"
# An account's own token refused with one of these: only its holder can restore it.
AUTHORIZATION_LOST = frozenset(
    {
        codes.AUTHORIZATION_CANCELLED,
        codes.AUTHORIZATION_EXPIRED,
        codes.NEVER_AUTHORIZED,
        codes.REFRESH_TOKEN_EXPIRED,
        codes.INVALID_TOKEN,
    }
)
SANDBOX_HEADER = "X-Ksctl-Sandbox"
REPLAYED_HEADER = "Idempotent-Replayed"
# Renewing more often than this within one call means the token is not the problem.
MAX_RENEWALS = 2


def _guard_library_logs() -> None:
    # httpx logs every request URL at INFO, and ours carry access_token in the query:
    # redact the records where they are made, whatever handlers the application installs.
    for name in ("httpx", "httpcore", "ksctl.platform"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


_guard_library_logs()


@dataclass(frozen=True)
class Answer:
    """A successful answer: the decoded body and what the headers said."""

    body: dict[str, Any]
    status: int
    request_id: str | None = None
    replayed: bool = False
    etag: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class _Refusal:
    """A decoded error answer, before it becomes a typed error (maybe after a read)."""

    code: int
    message: str
    status: int
    request_id: str | None
    retry_after: float | None
    quota_reset: str | None


class Session:
    """Auth, retry and decoding around an `httpx.AsyncClient` (which the session owns)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        app_id: str,
        app_secret: Secret,
        retry: RetryPolicy,
        clock: Clock,
        rng: random.Random,
        concurrency: int,
        redactor: Redactor,
        sandbox: bool = False,
        limits: Limits | None = None,
        accounts: AccountTokens | None = None,
    ) -> None:
        self.http = http
        # Accounts' own tokens (authorization-code flow); the app's token for the rest.
        self.accounts = accounts
        self.app_id = app_id
        self._secret = app_secret
        self.retry = retry
        self.clock = clock
        self.rng = rng
        self.redact = redactor
        self.quota = QuotaTracker()
        self.sandbox = sandbox
        self.limits = limits or Limits()
        # Bounds requests in flight; held per attempt, never while backing off.
        self.slots = asyncio.Semaphore(concurrency)
        self._token: Secret | None = None
        self._token_lock = asyncio.Lock()
        redactor.add(app_secret)

    # ---- token ----------------------------------------------------------------------

    async def token(self) -> Secret:
        """The cached access token, fetched with the client credentials when there is none."""
        async with self._token_lock:
            if self._token is None:
                answer = await self._once(
                    "POST",
                    TOKEN_PATH,
                    data={
                        "app_id": self.app_id,
                        "app_secret": self._secret.reveal(),
                        "grant_type": "client_credentials",
                    },
                )
                raw = answer.body.get("access_token")
                if not isinstance(raw, str) or not raw:
                    raise ProtocolError(
                        "the token answer holds no access_token", request_id=answer.request_id
                    )
                self.redact.add(raw)
                self._token = Secret(raw)
            return self._token

    def _account_token(self, account_id: str | None) -> Secret | None:
        if account_id is None or self.accounts is None:
            return None
        return self.accounts.token(account_id)

    async def _credential(self, account_id: str | None) -> tuple[Secret, bool]:
        """The token a call carries (the account's own when it has one) and whose it is."""
        own = self._account_token(account_id)
        if own is not None:
            return own, True
        return await self.token(), False

    async def _renew(self, account_id: str | None, token: Secret | None, own: bool) -> None:
        if own and self.accounts is not None and account_id is not None and token is not None:
            await self.accounts.renew(
                account_id,
                token,
                refresh=self.refresh_grant,
                now=self.quota.platform_time(self.clock.now()),
            )
        else:
            self._expire(token)

    async def exchange_code(self, code: Secret) -> OAuthTokenAnswer:
        """An authorization code for an account's tokens (GET, credentials in the query,
        as the real platform takes them). Never retried: a code is single-use."""
        answer = await self._once(
            "GET",
            TOKEN_PATH,
            params={
                "app_id": self.app_id,
                "app_secret": self._secret.reveal(),
                "code": code.reveal(),
                "grant_type": "authorization_code",
            },
        )
        return self._token_answer(answer)

    async def refresh_grant(self, refresh_token: Secret) -> OAuthTokenAnswer:
        """A refresh token for a new pair (the platform kills the one used)."""
        answer = await self._once(
            "GET",
            REFRESH_PATH,
            params={
                "app_id": self.app_id,
                "app_secret": self._secret.reveal(),
                "refresh_token": refresh_token.reveal(),
                "grant_type": "refresh_token",
            },
        )
        return self._token_answer(answer)

    def _token_answer(self, answer: Answer | _Refusal) -> OAuthTokenAnswer:
        if not isinstance(answer, Answer):  # pragma: no cover - _once raises on refusals
            raise ProtocolError("the token answer is a refusal")
        body = {k: v for k, v in answer.body.items() if k != "request_id"}
        for key in ("access_token", "refresh_token"):
            if isinstance(body.get(key), str):
                self.redact.add(body[key])
        try:
            return OAuthTokenAnswer.model_validate(body)
        except ValueError:
            raise ProtocolError(
                "the token answer lacks access_token, refresh_token or their lifetimes",
                request_id=answer.request_id,
            ) from None

    def _expire(self, token: Secret | None) -> None:
        # Only the token that failed: a concurrent call may already have renewed it.
        if token is not None and self._token == token:
            self._token = None

    # ---- calls ----------------------------------------------------------------------

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
        if_match: str | None = None,
        account_id: str | None = None,
        retry: RetryPolicy | None = None,
    ) -> Answer:
        """One API call with auth, retries and decoding; raises a typed PlatformError.

        A write (any method but GET) must carry `idempotency_key`: that is what makes
        retrying it safe after a lost answer. `account_id` lets a refusal be explained
        with the account's state.
        """
        write = method.upper() != "GET"
        headers: dict[str, str] = {}
        if write:
            if not idempotency_key:
                raise ValueError(f"{method} {path}: a write needs an idempotency key")
            headers["Idempotency-Key"] = idempotency_key
            # Say so before spending a round trip on a write that cannot be afforded.
            self.quota.check_before_write(self.clock.now())
        if if_match is not None:
            headers["If-Match"] = if_match
        budget = Budget(retry or self.retry, self.clock, self.rng)
        renewals = 0
        while True:
            token: Secret | None = None
            own = False
            try:
                token, own = await self._credential(account_id)
                answer = await self._once(
                    method, path, params=params, json=json, headers=headers, token=token
                )
                if isinstance(answer, _Refusal):
                    if own and answer.code in AUTHORIZATION_LOST and self.accounts is not None:
                        raise self.accounts.lose(str(account_id), answer.code)
                    raise await self._error(answer, write=write, account_id=account_id, token=token)
                return answer
            except PlatformError as err:
                if err.code == codes.TOKEN_EXPIRED and renewals < MAX_RENEWALS:
                    renewals += 1
                    log.info("access token expired; renewing")
                    await self._renew(account_id, token, own)
                    continue
                if not _worth_retrying(err):
                    raise
                wait = budget.next_delay(getattr(err, "retry_after", None))
                if wait is None:
                    raise
                log.info("%s %s: %s; retry %d in %.2fs", method, path, err, budget.attempts, wait)
                await self.clock.sleep(wait)

    async def _once(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        token: Secret | None = None,
    ) -> Answer | _Refusal:
        """One try: send, note quota and sandbox, decode. Network failures → NetworkError."""
        query = dict(params or {})
        if token is not None:
            query.update(app_id=self.app_id, access_token=token.reveal())
        try:
            # Streamed, so the body is counted as it arrives; the deadline is for the whole
            # answer (httpx's own timeout is per chunk, which a drip never hits).
            async with (
                self.slots,
                asyncio.timeout(self.limits.request_timeout),
                self.http.stream(
                    method, path, params=query, json=json, data=data, headers=headers
                ) as response,
            ):
                raw = await read_capped(response, self.limits.max_response_bytes)
        except httpx.TransportError as exc:
            raise self.network_error(method, path, exc) from None
        except TimeoutError:
            raise self.deadline_error(method, path) from None
        except ResponseTooLarge as exc:
            raise ProtocolError(exc.describe(f"{method} {path}")) from None
        self.observe(response)
        log.debug("%s %s -> %s", method, path, response.status_code)
        decoded = self.decode(response, raw)
        if isinstance(decoded, _Refusal) and token is None:
            # Token fetch: no account to explain, no renewal possible.
            raise await self._error(decoded, write=False, account_id=None, token=None)
        return decoded

    def network_error(self, method: str, path: str, exc: Exception) -> NetworkError:
        """A NetworkError for a transport failure; the text is redacted (URLs hold tokens)."""
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
        detail = self.redact(str(exc)) or type(exc).__name__
        return NetworkError(f"{method} {path}: {kind} ({detail})")

    def deadline_error(self, method: str, path: str) -> NetworkError:
        """The request took longer than its total deadline (retryable, like a timeout)."""
        return NetworkError(
            f"{method} {path}: timed out (no complete answer within "
            f"{self.limits.request_timeout:g}s, {ENV_REQUEST_TIMEOUT})"
        )

    def observe(self, response: httpx.Response) -> None:
        """Learn quota and sandbox-ness from any answer, error answers included."""
        self.quota.observe_headers(response.headers, self.clock.now())
        if response.headers.get(SANDBOX_HEADER) == "1":
            self.sandbox = True

    def decode(self, response: httpx.Response, raw: bytes) -> Answer | _Refusal:
        """The envelope of `response` (whose body is `raw`): an Answer on result 1, a
        _Refusal on an error code."""
        request_id = response.headers.get("X-Request-Id")
        try:
            body = jsonlib.loads(raw)
        except ValueError:
            body = None
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if isinstance(body, dict) and isinstance(body.get("result"), int):
            request_id = body.get("request_id") or request_id
            if body["result"] == codes.OK and response.is_success:
                return Answer(
                    body=body,
                    status=response.status_code,
                    request_id=request_id,
                    replayed=response.headers.get(REPLAYED_HEADER, "").lower() == "true",
                    etag=response.headers.get("ETag"),
                    headers=response.headers,
                )
            code = body["result"] if body["result"] != codes.OK else codes.SERVER_ERROR
            return _Refusal(
                code,
                str(body.get("error_msg") or ""),
                response.status_code,
                request_id,
                retry_after,
                response.headers.get("X-Quota-Reset"),
            )
        # No envelope: a proxy, a crash, or something that is not the platform at all.
        status = response.status_code
        if status == 429:
            return _Refusal(
                codes.OVER_LIMIT,
                "HTTP 429 without an envelope",
                status,
                request_id,
                retry_after,
                None,
            )
        if status >= 500:
            raise ServerError(
                f"the platform answered HTTP {status} without an envelope",
                request_id=request_id,
                http_status=status,
            )
        raise ProtocolError(
            f"the platform answered HTTP {status} with no result envelope",
            request_id=request_id,
            http_status=status,
        )

    async def _error(
        self, refusal: _Refusal, *, write: bool, account_id: str | None, token: Secret | None
    ) -> PlatformError:
        account = None
        if account_id and token is not None and refusal.code in ENRICHABLE:
            account = await self._peek_account(account_id, token)
        resets_at = None
        if refusal.code == codes.OVER_LIMIT and write:
            resets_at = self.quota.status.resets_at
            if resets_at is None and refusal.retry_after is not None:
                resets_at = self.clock.now() + timedelta(seconds=refusal.retry_after)
        err = build_error(
            refusal.code,
            refusal.message,
            request_id=refusal.request_id,
            http_status=refusal.status,
            account_id=account_id,
            account=account,
            retry_after=refusal.retry_after,
            quota_resets_at=resets_at,
            write=write,
            redactor=self.redact,
        )
        if isinstance(err, QuotaExhausted):
            self.quota.exhausted(resets_at)
        return err

    async def _peek_account(self, account_id: str, token: Secret) -> AccountState | None:
        """The account, read once without retrying, to explain a refusal; None if that fails."""
        try:
            got = await self._once("GET", f"/openapi/accounts/{account_id}", token=token)
        except PlatformError:
            return None
        if not isinstance(got, Answer):
            return None
        try:
            return account_from(got.body)
        except ValueError:
            return None

    # ---- streams --------------------------------------------------------------------

    @asynccontextmanager
    async def stream(
        self,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        account_id: str | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """A streamed GET of raw content (a download), authenticated.

        Only content is yielded: a refusal (the JSON envelope, HTTP 200 like every refusal
        of the platform, or a proxy's error status) is decoded into a typed error first; a
        range outside the file, as the envelope's 410012 or a plain HTTP 416, is
        RangeNotSatisfiable. An expired token is renewed here. A failure while the caller
        reads the body surfaces as NetworkError.
        """
        renewals = 0
        while True:
            token, own = await self._credential(account_id)
            query = {"app_id": self.app_id, "access_token": token.reveal()}
            async with self.slots:
                try:
                    async with self.http.stream(
                        "GET", path, params=query, headers=dict(headers or {})
                    ) as response:
                        self.observe(response)
                        enveloped = _is_envelope(response)
                        if response.is_success and not enveloped:
                            yield response
                            return
                        if response.status_code == 416 and not enveloped:
                            raise RangeNotSatisfiable(
                                f"GET {path}: the range lies outside the file (HTTP 416)",
                                code=codes.RANGE_NOT_SATISFIABLE,
                                http_status=416,
                            )
                        raw = await read_capped(response, self.limits.max_response_bytes)
                        refusal = self.decode(response, raw)
                except httpx.TransportError as exc:
                    raise self.network_error("GET", path, exc) from None
                except ResponseTooLarge as exc:
                    raise ProtocolError(exc.describe(f"GET {path}")) from None
            if not isinstance(refusal, _Refusal):  # a success status decoded as error-free
                raise ProtocolError(f"GET {path}: unexpected answer HTTP {response.status_code}")
            if refusal.code == codes.TOKEN_EXPIRED and renewals < MAX_RENEWALS:
                renewals += 1
                await self._renew(account_id, token, own)
                continue
            if own and refusal.code in AUTHORIZATION_LOST and self.accounts is not None:
                raise self.accounts.lose(str(account_id), refusal.code)
            raise await self._error(refusal, write=False, account_id=None, token=token)


def _is_envelope(response: httpx.Response) -> bool:
    """A JSON answer: on a download, the envelope of a refusal (content is never JSON)."""
    media = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    return media == "application/json"


def _worth_retrying(err: PlatformError) -> bool:
    # Only the failures that the same request can outlast within seconds; NotReady and
    # the like are retryable too, but on the scale of the platform's work, not a backoff.
    return err.retryable and isinstance(err, TransientError | RateLimited)


def account_from(body: Mapping[str, Any]) -> AccountState:
    """An AccountState from a single-account answer (`{"account": ...}` or inline)."""
    raw = body.get("account")
    if not isinstance(raw, dict):
        raw = {k: v for k, v in body.items() if k not in ("result", "request_id")}
    return AccountState.model_validate(raw)
