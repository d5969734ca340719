"""Client-credentials tokens: issued for the right secret, expiring on the virtual clock."""

from __future__ import annotations

from datetime import timedelta

import httpx

from ksctl.contract import codes
from ksctl.sandbox.store import Store
from tests.sandbox.driver import Api, accepted

TOKEN = "/oauth2/access_token"


def creds(secret: str = "agency_secret", grant: str = "client_credentials") -> dict[str, str]:
    return {"app_id": "agency_app", "app_secret": secret, "grant_type": grant}


def test_token_from_query_string(api: Api) -> None:
    answer = api.request("POST", TOKEN, params=creds())
    body = answer.json()
    assert accepted(answer)
    assert body["result"] == 1 and body["expires_in"] == 172800
    assert body["access_token"].startswith("kst_")


def test_token_from_a_form(api: Api) -> None:
    answer = api.request("POST", TOKEN, data=creds())
    assert answer.status_code == 200 and answer.json()["result"] == 1


def test_wrong_secret_is_refused_without_echoing_it(api: Api) -> None:
    answer = api.request("POST", TOKEN, params=creds(secret="guess"))
    assert answer.status_code == 200
    assert answer.json()["result"] == codes.INVALID_CREDENTIALS
    assert "guess" not in answer.text


def test_grant_type_must_be_client_credentials(api: Api) -> None:
    answer = api.request("POST", TOKEN, params=creds(grant="password"))
    assert answer.status_code == 200 and answer.json()["result"] == codes.GRANT_TYPE_INVALID


def test_calls_need_app_id_and_token_in_the_query(api: Api) -> None:
    bare = api.request("GET", "/openapi/quota")
    assert bare.status_code == 200 and bare.json()["result"] == codes.INVALID_TOKEN
    forged = api.request(
        "GET", "/openapi/quota", params={"app_id": "agency_app", "access_token": "x"}
    )
    assert forged.json()["result"] == codes.INVALID_TOKEN
    assert accepted(api.get("/openapi/quota"))


def test_a_token_belongs_to_its_app(api: Api) -> None:
    params = {"app_id": "other_app", "access_token": api.token()}
    answer = api.request("GET", "/openapi/quota", params=params)
    assert answer.json()["result"] == codes.INVALID_TOKEN


def test_token_expires_on_the_virtual_clock(api: Api, store: Store) -> None:
    token = api.token()

    def quota() -> httpx.Response:
        params = {"app_id": "agency_app", "access_token": token}
        return api.request("GET", "/openapi/quota", params=params)

    store.advance(timedelta(seconds=172799))
    assert accepted(quota())
    store.advance(timedelta(seconds=1))
    expired = quota()
    assert expired.status_code == 200
    assert expired.json()["result"] == codes.TOKEN_EXPIRED
    token = api.token(fresh=True)
    assert accepted(quota())


def test_answers_carry_request_id_and_platform_time(api: Api) -> None:
    answer = api.get("/openapi/quota")
    assert answer.headers["X-Request-Id"]
    assert answer.headers["X-Platform-Time"] == "2026-11-25T10:00:00+08:00"
    assert answer.headers["X-Ksctl-Sandbox"] == "1"
    refused = api.request("GET", "/openapi/quota")
    assert refused.json()["request_id"] == refused.headers["X-Request-Id"]
