"""The sandbox's authorization-code flow: consent, codes, tokens and refresh on the virtual
clock, the account holder cancelling; the codes are the real platform's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from ksctl.contract import codes
from ksctl.sandbox.store import Store
from tests.sandbox.driver import SECRETS, Api, accepted

REDIRECT = "http://127.0.0.1:8765/callback"
OWN = "other_app"  # granted nothing app-wide: every account needs its holder's consent


def _authorize(api: Api, **over: str) -> dict[str, str]:
    params = {
        "app_id": OWN,
        "response_type": "code",
        "scope": "user_base,user_account_manage",
        "redirect_uri": REDIRECT,
        "state": "solo1.n0nce",
        **over,
    }
    return params


def _consent(api: Api, account: str = "solo1", approve: bool = True, **over: str) -> Any:
    form = {**_authorize(api, **over), "account": account}
    form["decision"] = "approve" if approve else "deny"
    return api.request("POST", "/oauth2/authorize", data=form)


def _code(api: Api, account: str = "solo1") -> str:
    answer = _consent(api, account)
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["solo1.n0nce"]
    return query["code"][0]


def _exchange(api: Api, code: str, secret: str | None = None) -> Any:
    return api.request(
        "GET",
        "/oauth2/access_token",
        params={
            "app_id": OWN,
            "app_secret": secret or SECRETS[OWN],
            "code": code,
            "grant_type": "authorization_code",
        },
    )


def _refresh(api: Api, refresh_token: str) -> Any:
    return api.request(
        "GET",
        "/oauth2/refresh_token",
        params={
            "app_id": OWN,
            "app_secret": SECRETS[OWN],
            "refresh_token": refresh_token,
            "grant_type": "refresh_token",
        },
    )


def _tokens(api: Api, account: str = "solo1") -> dict[str, Any]:
    answer = _exchange(api, _code(api, account))
    assert accepted(answer), answer.text
    return answer.json()


def _as(api: Api, token: str, account: str = "solo1", write: bool = False) -> Any:
    query = {"app_id": OWN, "access_token": token}
    if write:
        return api.request(
            "POST",
            f"/openapi/accounts/{account}/features/shopping_cart/enable",
            params=query,
            headers={"Idempotency-Key": f"k-{account}-{token[-8:]}"},
        )
    return api.request("GET", f"/openapi/accounts/{account}", params=query)


@pytest.fixture
def own(api_for: Any) -> Api:
    return api_for(OWN)


def test_the_consent_page_shows_the_app_its_scopes_and_the_accounts(own: Api) -> None:
    page = own.request("GET", "/oauth2/authorize", params=_authorize(own))
    assert accepted(page)
    assert page.headers["content-type"].startswith("text/html")
    assert "user_account_manage" in page.text and OWN in page.text
    assert '<option value="solo1" selected>' in page.text  # the state's account


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"app_id": "nobody"}, codes.INVALID_CREDENTIALS),
        ({"scope": "user_base,root"}, codes.SCOPE_INVALID),
        ({"response_type": "token"}, codes.RESPONSE_TYPE_INVALID),
        ({"redirect_uri": "https://attacker.example/cb"}, codes.BAD_PARAMETER),
        ({"state": ""}, codes.BAD_PARAMETER),
    ],
)
def test_a_bad_authorize_request_gets_no_consent(own: Api, over: dict[str, str], code: int) -> None:
    page = own.request("GET", "/oauth2/authorize", params=_authorize(own, **over))
    assert str(code) in page.text and "approve" not in page.text
    assert _consent(own, **over).status_code != 303  # nor a code by posting the form


def test_an_approved_code_gives_tokens_that_act_on_that_account_only(own: Api) -> None:
    got = _tokens(own)
    assert got["result"] == 1
    assert got["expires_in"] == 172_800 and got["refresh_token_expires_in"] == 15_552_000
    assert got["scopes"] == ["user_base", "user_account_manage"]
    assert got["open_id"].startswith("ou_") and "solo1" not in got["open_id"]
    mine = _as(own, got["access_token"]).json()
    assert mine["account"]["access"] == {"write": True, "reason": None}
    assert accepted(_as(own, got["access_token"], write=True))
    other = _as(own, got["access_token"], account="contract1", write=True).json()
    assert other["result"] == codes.NEVER_AUTHORIZED


def test_a_code_is_single_use_and_lives_two_minutes(own: Api, store: Store) -> None:
    code = _code(own)
    assert accepted(_exchange(own, code))
    assert _exchange(own, code).json()["result"] == codes.CODE_INVALID
    late = _code(own)
    store.advance(timedelta(seconds=121))
    assert _exchange(own, late).json()["result"] == codes.CODE_INVALID
    assert _exchange(own, _code(own), secret="wrong").json()["result"] == (
        codes.INVALID_CREDENTIALS
    )


def test_a_denial_redirects_with_the_error_and_no_code(own: Api) -> None:
    answer = _consent(own, approve=False)
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["error"] == ["access_denied"] and "code" not in query
    assert query["state"] == ["solo1.n0nce"]


def test_expiry_and_refresh_on_the_virtual_clock_rotate_the_refresh_token(
    own: Api, store: Store
) -> None:
    got = _tokens(own)
    store.advance(timedelta(days=2, seconds=1))
    assert _as(own, got["access_token"]).json()["result"] == codes.TOKEN_EXPIRED
    renewed = _refresh(own, got["refresh_token"]).json()
    assert renewed["result"] == 1 and renewed["refresh_token"] != got["refresh_token"]
    assert accepted(_as(own, renewed["access_token"]))
    # The refresh token used is dead: a stale copy of it gets nothing.
    assert _refresh(own, got["refresh_token"]).json()["result"] == codes.INVALID_TOKEN
    # Past the refresh token's life: the access token says the authorization expired.
    store.advance(timedelta(days=181))
    assert _as(own, renewed["access_token"]).json()["result"] == codes.AUTHORIZATION_EXPIRED
    assert _refresh(own, renewed["refresh_token"]).json()["result"] == (codes.REFRESH_TOKEN_EXPIRED)


def test_the_holder_cancelling_kills_the_tokens_and_the_app_wide_grant(
    own: Api, api: Api, store: Store
) -> None:
    got = _tokens(own)
    assert store.revoke("solo1", OWN) == [OWN]
    assert _as(own, got["access_token"]).json()["result"] == codes.AUTHORIZATION_CANCELLED
    assert _refresh(own, got["refresh_token"]).json()["result"] == codes.AUTHORIZATION_CANCELLED
    # agency_app held an app-wide grant for solo1: the holder cancels that one too.
    assert store.revoke("solo1") == ["agency_app"]
    state = api.get("/openapi/accounts/solo1").json()["account"]
    assert state["access"]["authorization"] == codes.AUTHORIZATION_CANCELLED
    refused = api.post("/openapi/accounts/solo1/features/shopping_cart/enable")
    assert refused.json()["result"] == codes.AUTHORIZATION_CANCELLED
    # A new consent restores it.
    again = _tokens(own)
    assert accepted(_as(own, again["access_token"]))


def test_the_app_token_on_an_account_never_authorized_says_so(own: Api) -> None:
    state = own.get("/openapi/accounts/solo1").json()["account"]
    assert state["access"]["write"] is False
    assert state["access"]["authorization"] == codes.NEVER_AUTHORIZED
    assert own.post("/openapi/accounts/solo1/live/enable").json()["result"] == (
        codes.NEVER_AUTHORIZED
    )
