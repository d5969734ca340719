"""Typed errors of the platform client.

Every error carries the platform's result code (None when the platform never answered),
the request id, whether the same request may succeed later (`retryable`), and a message a
person can act on. Messages are redacted when the error is built, so an error can be
printed, logged or journaled as it is.

    PlatformError
    ├── TransientError          retryable: the platform or the network hiccuped
    │   ├── NetworkError        timeout, refused or dropped connection (no code)
    │   └── ServerError         5xx, 100200500, 503000
    ├── RateLimited             400002 on a read: wait `retry_after` seconds
    │   └── QuotaExhausted      the daily write quota is spent until `resets_at`
    ├── AuthError               bad credentials or token (100200101, 100200102, 100200108)
    │   └── AuthorizationLost   an account's own authorization is gone (100200109/110/111/113)
    ├── AccessDenied            410013: the app holds no rights on the account (org admin)
    ├── AccountBanned           410014: no write until the ban ends (`until`)
    ├── NotFound                410001
    ├── Refused                 a platform rule refuses this change now (pending schedule,
    │   │                       MCN contract, no permission, expired export, bad request...)
    │   ├── VerificationFailed  410003, 410004: SMS verification missing or wrong
    │   └── RangeNotSatisfiable 410012 or HTTP 416: a download resumed past the file's end
    ├── NotReady                410006 streaming, 410010 job/ticket pending: wait
    ├── PreconditionFailed      410008: the account changed since it was read (If-Match)
    ├── IdempotencyConflict     410009: a key reused for a different request
    ├── ProtocolError           an answer the client cannot understand
    └── IntegrityError          a download whose size or sha256 does not match
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ksctl.contract import codes
from ksctl.contract.codes import describe
from ksctl.errors import KsctlError, one_line


class PlatformError(KsctlError):
    """Base of every error the platform client raises (a KsctlError: one line, no traceback)."""

    default_retryable = False

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        request_id: str | None = None,
        retryable: bool | None = None,
        http_status: int | None = None,
        account_id: str | None = None,
        platform_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id
        self.retryable = self.default_retryable if retryable is None else retryable
        self.http_status = http_status
        self.account_id = account_id
        self.platform_message = platform_message

    @property
    def name(self) -> str:
        """The code's name in the table (`live_banned`), or the class name without a code."""
        return describe(self.code).name if self.code is not None else type(self).__name__

    def __str__(self) -> str:
        details = []
        if self.code is not None:
            details.append(f"platform {self.code} {self.name}")
        if self.request_id:
            details.append(f"request {self.request_id}")
        # The message and the request id hold platform text: one line, whatever it sent.
        return one_line(f"{self.message} ({', '.join(details)})" if details else self.message)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, code={self.code!r}, "
            f"request_id={self.request_id!r}, retryable={self.retryable!r})"
        )


class TransientError(PlatformError):
    default_retryable = True


class NetworkError(TransientError):
    """No usable answer: timeout, connection refused or dropped, truncated response."""


class ServerError(TransientError):
    pass


class RateLimited(PlatformError):
    """Over the read rate; `retry_after` is the platform's Retry-After in seconds."""

    default_retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class QuotaExhausted(RateLimited):
    """The daily write quota is spent. Retryable, but only after `resets_at`."""

    def __init__(self, message: str, *, resets_at: datetime | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.resets_at = resets_at


class AuthError(PlatformError):
    pass


class AuthorizationLost(AuthError):
    """An account's own authorization is gone (cancelled, expired, never given): only its
    holder can restore it, with the command the message names; other accounts go on."""


class AccessDenied(PlatformError):
    pass


class AccountBanned(PlatformError):
    def __init__(self, message: str, *, until: datetime | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.until = until


class NotFound(PlatformError):
    pass


class Refused(PlatformError):
    pass


class VerificationFailed(Refused):
    pass


class RangeNotSatisfiable(Refused):
    """A download's Range lies outside the file: the download starts over from byte 0."""


class NotReady(PlatformError):
    default_retryable = True


class PreconditionFailed(PlatformError):
    pass


class IdempotencyConflict(PlatformError):
    pass


class ProtocolError(PlatformError):
    pass


class IntegrityError(PlatformError):
    pass


_BY_CODE: dict[int, type[PlatformError]] = {
    codes.TOKEN_EXPIRED: AuthError,
    codes.INVALID_CREDENTIALS: AuthError,
    codes.INVALID_TOKEN: AuthError,
    codes.AUTHORIZATION_CANCELLED: AuthorizationLost,
    codes.AUTHORIZATION_EXPIRED: AuthorizationLost,
    codes.NEVER_AUTHORIZED: AuthorizationLost,
    codes.REFRESH_TOKEN_EXPIRED: AuthorizationLost,
    codes.CODE_INVALID: AuthError,
    codes.SCOPE_INVALID: Refused,
    codes.BAD_PARAMETER: Refused,
    codes.RESPONSE_TYPE_INVALID: Refused,
    codes.GRANT_TYPE_INVALID: Refused,
    codes.LIVE_BLOCKED: Refused,
    codes.BAD_PARAMETER: Refused,
    codes.RESPONSE_TYPE_INVALID: Refused,
    codes.GRANT_TYPE_INVALID: Refused,
    codes.LIVE_BLOCKED: Refused,
    codes.ACCESS_DENIED: AccessDenied,
    codes.OVER_LIMIT: RateLimited,
    codes.LIVE_BANNED: AccountBanned,
    codes.NOT_FOUND: NotFound,
    codes.NO_LIVE_PERMISSION: Refused,
    codes.BAD_REQUEST: Refused,
    codes.PENDING_SCHEDULE: Refused,
    codes.CONTRACT_BREACH: Refused,
    codes.INTERACTIONS_EXPIRED: Refused,
    codes.COPYRIGHT_PROOF_REQUIRED: Refused,
    codes.RANGE_NOT_SATISFIABLE: RangeNotSatisfiable,  # downloads start over on it
    codes.VERIFICATION_REQUIRED: VerificationFailed,
    codes.SMS_CODE_INVALID: VerificationFailed,
    codes.STREAMING_NOW: NotReady,
    codes.NOT_READY: NotReady,
    codes.PRECONDITION_FAILED: PreconditionFailed,
    codes.IDEMPOTENCY_CONFLICT: IdempotencyConflict,
    codes.SERVER_ERROR: ServerError,
    codes.UNAVAILABLE: ServerError,
}


def error_class(code: int, http_status: int | None = None) -> type[PlatformError]:
    """The class for a result code; unknown codes go by HTTP status (5xx → ServerError)."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    if http_status is not None and http_status >= 500:
        return ServerError
    return PlatformError
