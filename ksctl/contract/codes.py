"""Result codes of the platform API: the real open platform's where they exist, our own else.

One table, shared by the sandbox (which answers with them) and the client (which turns
them into typed errors). `retryable` says whether the same request may succeed later
without anything else changing first. Every refusal is answered with HTTP 200 and the code
in the body, as the real platform answers; `modelled_status` is the HTTP status the sandbox
sent before it did so, still sent by a world that opts in (`refusal_status: modelled`).
`REAL` holds the codes the open platform documents
(docs/platform-api.md cites where): each keeps its real meaning, and the modelled
operations' own codes (41xxxx, 503000) never reuse one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: int
    name: str
    modelled_status: int  # only with the world's `refusal_status: modelled`
    retryable: bool
    meaning: str


OK = 1

# Real open-platform codes.
BAD_PARAMETER = 100200100
INVALID_CREDENTIALS = 100200101
INVALID_TOKEN = 100200102  # "request rejected": a missing, unknown or foreign token
RESPONSE_TYPE_INVALID = 100200103
GRANT_TYPE_INVALID = 100200104
CODE_INVALID = 100200105
SCOPE_INVALID = 100200106
TOKEN_EXPIRED = 100200108
AUTHORIZATION_CANCELLED = 100200109
AUTHORIZATION_EXPIRED = 100200110
NEVER_AUTHORIZED = 100200111
REFRESH_TOKEN_EXPIRED = 100200113
SERVER_ERROR = 100200500
OVER_LIMIT = 400002
NO_LIVE_PERMISSION = 400006
LIVE_BLOCKED = 400021  # starting live is blocked platform-wide (documented; not modelled)
# The project's own codes for the modelled operations.
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
ACCESS_DENIED = 410013  # the app's rights (org admin, matrix), not the holder's consent
LIVE_BANNED = 410014  # the account is banned (封禁): no writes until the ban ends
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
            "the app holds no rights on this account: institution accounts need admin rights on "
            "their org (the holder's authorization is 100200111/100200109)",
        ),
        Code(
            OVER_LIMIT,
            "over_limit",
            429,
            True,
            "rate limited: over the read rate or the daily write quota; wait for Retry-After",
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
        Code(
            INVALID_TOKEN,
            "invalid_token",
            401,
            False,
            "request rejected: a missing or unknown access token",
        ),
        Code(BAD_PARAMETER, "bad_parameter", 400, False, "a parameter is missing or malformed"),
        Code(
            RESPONSE_TYPE_INVALID,
            "response_type_invalid",
            400,
            False,
            "response_type must be code",
        ),
        Code(GRANT_TYPE_INVALID, "grant_type_invalid", 400, False, "unknown grant_type"),
        Code(
            LIVE_BLOCKED,
            "live_blocked",
            403,
            False,
            "starting live is blocked on the platform (real; the sandbox does not produce it)",
        ),
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


REAL = frozenset(
    {
        BAD_PARAMETER,
        INVALID_CREDENTIALS,
        INVALID_TOKEN,
        RESPONSE_TYPE_INVALID,
        GRANT_TYPE_INVALID,
        CODE_INVALID,
        SCOPE_INVALID,
        TOKEN_EXPIRED,
        AUTHORIZATION_CANCELLED,
        AUTHORIZATION_EXPIRED,
        NEVER_AUTHORIZED,
        REFRESH_TOKEN_EXPIRED,
        SERVER_ERROR,
        OVER_LIMIT,
        NO_LIVE_PERMISSION,
        LIVE_BLOCKED,
    }
)


def markdown_table() -> str:
    """The code table as markdown, for the OpenAPI description and the docs."""
    rows = [
        "| code | name | retryable | real or modelled | meaning | HTTP (opt-in) |",
        "|---|---|---|---|---|---|",
    ]
    for c in sorted(CODES.values(), key=lambda c: c.code):
        rows.append(
            f"| {c.code} | {c.name} | {'yes' if c.retryable else 'no'} "
            f"| {'real' if c.code in REAL else 'modelled'} | {c.meaning} | {c.modelled_status} |"
        )
    return "\n".join(rows)
