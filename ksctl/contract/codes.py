"""Result codes of the platform API: the real open platform's where they exist, our own else.

One table, shared by the sandbox (which answers with them) and the client (which turns
them into typed errors). `retryable` says whether the same request may succeed later
without anything else changing first.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: int
    name: str
    http_status: int
    retryable: bool
    meaning: str


OK = 1

# Real open-platform codes.
TOKEN_EXPIRED = 100200108
ACCESS_DENIED = 100200102
OVER_LIMIT = 100100402
NO_LIVE_PERMISSION = 400006
LIVE_BANNED = 400021
# The authorization-code flow (real open-platform codes).
CODE_INVALID = 100200105
SCOPE_INVALID = 100200106
AUTHORIZATION_CANCELLED = 100200109
AUTHORIZATION_EXPIRED = 100200110
NEVER_AUTHORIZED = 100200111
REFRESH_TOKEN_EXPIRED = 100200113
# The project's own codes for the modelled operations.
INVALID_CREDENTIALS = 100200101
INVALID_TOKEN = 100200103
BAD_REQUEST = 410000
NOT_FOUND = 410001
PENDING_SCHEDULE = 410002
VERIFICATION_REQUIRED = 410003
SMS_CODE_INVALID = 410004
CONTRACT_BREACH = 410005
STREAMING_NOW = 410006
INTERACTIONS_EXPIRED = 410007
PRECONDITION_FAILED = 410008
IDEMPOTENCY_CONFLICT = 410009
NOT_READY = 410010
COPYRIGHT_PROOF_REQUIRED = 410011
RANGE_NOT_SATISFIABLE = 410012
SERVER_ERROR = 500000
UNAVAILABLE = 503000

CODES: dict[int, Code] = {
    c.code: c
    for c in [
        Code(
            TOKEN_EXPIRED, "token_expired", 401, True, "the access token expired: fetch a new one"
        ),
        Code(
            ACCESS_DENIED,
            "access_denied",
            403,
            False,
            "the app may not act on this account (institution accounts need admin rights on "
            "their org; sub-accounts may be managed through their matrix main account)",
        ),
        Code(
            OVER_LIMIT,
            "over_limit",
            429,
            True,
            "over the read rate or the daily write quota: wait for Retry-After",
        ),
        Code(
            NO_LIVE_PERMISSION,
            "no_live_permission",
            409,
            False,
            "the account has no live permission for this operation",
        ),
        Code(
            LIVE_BANNED,
            "live_banned",
            403,
            False,
            "the account is banned (封禁) and accepts no writes until the ban ends",
        ),
        Code(
            CODE_INVALID,
            "code_invalid",
            400,
            False,
            "the authorization code is unknown, used or expired (codes live about 2 minutes)",
        ),
        Code(SCOPE_INVALID, "scope_invalid", 400, False, "an unknown scope was asked for"),
        Code(
            AUTHORIZATION_CANCELLED,
            "authorization_cancelled",
            401,
            False,
            "the account holder cancelled (or denied) the app's authorization",
        ),
        Code(
            AUTHORIZATION_EXPIRED,
            "authorization_expired",
            401,
            False,
            "the account's authorization expired: the account holder must authorize again",
        ),
        Code(
            NEVER_AUTHORIZED,
            "never_authorized",
            403,
            False,
            "the account holder never authorized the app",
        ),
        Code(
            REFRESH_TOKEN_EXPIRED,
            "refresh_token_expired",
            401,
            False,
            "the refresh token expired: the account holder must authorize again",
        ),
        Code(
            INVALID_CREDENTIALS,
            "invalid_credentials",
            401,
            False,
            "unknown app_id or wrong app_secret",
        ),
        Code(INVALID_TOKEN, "invalid_token", 401, False, "missing or unknown access token"),
        Code(BAD_REQUEST, "bad_request", 400, False, "the request is malformed"),
        Code(
            NOT_FOUND, "not_found", 404, False, "no such account, schedule, replay, job or ticket"
        ),
        Code(
            PENDING_SCHEDULE,
            "pending_schedule",
            409,
            False,
            "a future scheduled live (预约直播) exists: cancel it before closing live",
        ),
        Code(
            VERIFICATION_REQUIRED,
            "verification_required",
            403,
            False,
            "closing live needs a valid verification ticket from the SMS code",
        ),
        Code(
            SMS_CODE_INVALID,
            "sms_code_invalid",
            403,
            False,
            "the SMS code is wrong, used or expired",
        ),
        Code(
            CONTRACT_BREACH,
            "contract_breach",
            409,
            False,
            "an active MCN contract with minimum live hours: acknowledge the breach",
        ),
        Code(
            STREAMING_NOW,
            "streaming_now",
            409,
            True,
            "the account is streaming right now: closing live would cut the broadcast",
        ),
        Code(
            INTERACTIONS_EXPIRED,
            "interactions_expired",
            410,
            False,
            "interaction data is no longer exportable (more than 30 days after closing live)",
        ),
        Code(
            PRECONDITION_FAILED,
            "precondition_failed",
            412,
            False,
            "the account changed since it was read (If-Match does not match its version)",
        ),
        Code(
            IDEMPOTENCY_CONFLICT,
            "idempotency_conflict",
            409,
            False,
            "the Idempotency-Key was already used for a different request",
        ),
        Code(NOT_READY, "not_ready", 409, True, "the job, ticket or appeal is not finished yet"),
        Code(
            COPYRIGHT_PROOF_REQUIRED,
            "copyright_proof_required",
            400,
            False,
            "a takedown appeal needs a copyright-proof reference",
        ),
        Code(
            RANGE_NOT_SATISFIABLE,
            "range_not_satisfiable",
            416,
            False,
            "the Range of a download lies outside the file",
        ),
        Code(SERVER_ERROR, "server_error", 500, True, "internal error of the platform"),
        Code(UNAVAILABLE, "unavailable", 503, True, "the platform is unavailable for a moment"),
    ]
}


def describe(code: int) -> Code:
    """The table row of `code`; unknown codes are treated as terminal server-side errors."""
    return CODES.get(code) or Code(code, "unknown", 500, False, f"unknown result code {code}")


def markdown_table() -> str:
    """The code table as markdown, for the OpenAPI description and the docs."""
    rows = ["| code | name | HTTP | retryable | meaning |", "|---|---|---|---|---|"]
    for c in sorted(CODES.values(), key=lambda c: c.code):
        rows.append(
            f"| {c.code} | {c.name} | {c.http_status} | {'yes' if c.retryable else 'no'} "
            f"| {c.meaning} |"
        )
    return "\n".join(rows)
