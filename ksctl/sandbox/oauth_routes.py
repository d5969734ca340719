"""HTTP routes of the authorization-code flow; the work is `oauth`'s, in `dispatch`'s
transaction (so faults, the request log and the virtual clock apply as everywhere).

The consent page is for people (a browser, or `ksctl sandbox consent`), so it is left out of
the OpenAPI document; the token exchange and the refresh are API and are in it.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ksctl.contract import codes
from ksctl.contract.wire import OAuthTokenAnswer
from ksctl.sandbox import oauth
from ksctl.sandbox.app import _respond
from ksctl.sandbox.dispatch import Call, Handler, Kind, Outcome
from ksctl.sandbox.refusal import Refusal

router = APIRouter()

Param = Annotated[str | None, Query(max_length=2048)]


async def _run(request: Request, operation: str, handler: Handler) -> Response:
    return await _respond(request, Kind.token, operation, handler)


def _page(status: int, text: str) -> Outcome:
    return Outcome(status, text.encode("utf-8"), media_type="text/html; charset=utf-8")


def _refusal_page(refusal: Refusal) -> Outcome:
    # A page for people, not an API answer: a plain 400 (the real page's is undocumented).
    page = _page(
        400,
        "<!doctype html><html><head><meta charset='utf-8'><title>授权失败</title></head>"
        f"<body><h1>授权失败</h1><p id='error'>{refusal.code}: {refusal.message}</p>"
        "</body></html>",
    )
    page.result = refusal.code  # for the request log
    return page


@router.get("/oauth2/authorize", include_in_schema=False)
async def authorize_page(
    request: Request,
    app_id: Param = None,
    response_type: Param = None,
    scope: Param = None,
    redirect_uri: Param = None,
    state: Param = None,
    ua: Param = None,  # pc | h5: the real page's layout; one layout here
) -> Response:
    """The consent page the account holder sees."""

    def page(call: Call) -> Outcome:
        try:
            asked = oauth.check_authorize(
                call.conn, app_id, response_type, scope, redirect_uri, state
            )
        except Refusal as refusal:
            return _refusal_page(refusal)
        return _page(200, oauth.consent_page(call.conn, asked))

    return await _run(request, "authorize_page", page)


@router.post("/oauth2/authorize", include_in_schema=False)
async def authorize_decision(request: Request) -> Response:
    """The consent form: approve (a code) or deny, then back to `redirect_uri`."""
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))

    def decide(call: Call) -> Outcome:
        try:
            asked = oauth.check_authorize(
                call.conn,
                form.get("app_id"),
                form.get("response_type"),
                form.get("scope"),
                form.get("redirect_uri"),
                form.get("state"),
            )
            target = oauth.decide(
                call.conn,
                asked,
                form.get("account"),
                form.get("decision") == "approve",
                call.now,
                call.settings.oauth,
            )
        except Refusal as refusal:
            return _refusal_page(refusal)
        return Outcome(303, b"", media_type="text/plain", headers={"Location": target})

    return await _run(request, "authorize_decision", decide)


@router.get(
    "/oauth2/access_token",
    operation_id="exchangeCode",
    response_model=OAuthTokenAnswer,
    tags=["token"],
)
async def exchange_code(
    request: Request,
    app_id: Param = None,
    app_secret: Param = None,
    code: Param = None,
    grant_type: Param = None,
) -> Response:
    """An authorization code (single use, about 2 minutes) for an account's access token and
    refresh token."""

    def exchange(call: Call) -> OAuthTokenAnswer:
        if grant_type != "authorization_code":
            raise Refusal(codes.GRANT_TYPE_INVALID, "grant_type must be authorization_code")
        return oauth.exchange_code(
            call.conn, app_id, app_secret, code, call.now, call.settings.oauth
        )

    return await _run(request, "exchange_code", exchange)


@router.get(
    "/oauth2/refresh_token",
    operation_id="refreshToken",
    response_model=OAuthTokenAnswer,
    tags=["token"],
)
async def refresh_token(
    request: Request,
    app_id: Param = None,
    app_secret: Param = None,
    refresh_token: Param = None,
    grant_type: Param = None,
) -> Response:
    """A refresh token for a new access token and a new refresh token (the one used dies)."""

    def renew(call: Call) -> OAuthTokenAnswer:
        if grant_type != "refresh_token":
            raise Refusal(codes.GRANT_TYPE_INVALID, "grant_type must be refresh_token")
        return oauth.refresh(
            call.conn, app_id, app_secret, refresh_token, call.now, call.settings.oauth
        )

    return await _run(request, "refresh_token", renew)
