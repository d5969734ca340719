"""A small driver for the sandbox app, used like a client would: token, keys, verification."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from ksctl.contract.codes import TOKEN_EXPIRED
from ksctl.sandbox.app import create_app
from ksctl.sandbox.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
SECRETS = {
    "demo_app": "demo_secret",
    "agency_app": "agency_secret",
    "other_app": "other_secret",
    "matrix_app": "matrix_secret",
}


def result(answer: httpx.Response) -> int:
    """The envelope's code (1 for a file's bytes). A refusal is HTTP 200 like a success, as
    on the real platform, so a test that a call went through asks this, not the status."""
    if answer.headers.get("content-type", "").startswith("application/json"):
        code = answer.json().get("result")
        assert isinstance(code, int), answer.text
        return code
    return 1


def accepted(answer: httpx.Response) -> bool:
    """The call went through: a 200 (or a download's 206) whose `result` is 1."""
    return answer.status_code in (200, 206) and result(answer) == 1


class Wall:
    """A stand-in for real time (the read rate is per real second): moves only when told."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float = 1.0) -> None:
        self.now += seconds


class Api:
    """Calls the app in-process like a client would: token in the query, keys on writes."""

    def __init__(self, store: Store, portal: Any, app_id: str = "agency_app") -> None:
        self.store = store
        self.app_id = app_id
        self._portal = portal
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(store)), base_url="http://sandbox"
        )
        self._token: str | None = None

    def close(self) -> None:
        self._portal.call(self._client.aclose)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            return await self._client.request(method, path, **kwargs)

        return self._portal.call(send)

    def token(self, fresh: bool = False) -> str:
        if self._token is None or fresh:
            answer = self.request(
                "POST",
                "/oauth2/access_token",
                params={
                    "app_id": self.app_id,
                    "app_secret": SECRETS[self.app_id],
                    "grant_type": "client_credentials",
                },
            )
            assert accepted(answer), answer.text
            self._token = answer.json()["access_token"]
        return self._token

    def auth(self) -> dict[str, str]:
        return {"app_id": self.app_id, "access_token": self.token()}

    def _authed(self, method: str, path: str, params: dict[str, Any], **kw: Any) -> httpx.Response:
        """Like a client: a token that expired (the clock moved) is renewed once."""
        answer = self.request(method, path, params={**self.auth(), **params}, **kw)
        if result(answer) == TOKEN_EXPIRED:
            self.token(fresh=True)
            answer = self.request(method, path, params={**self.auth(), **params}, **kw)
        return answer

    def get(
        self, path: str, headers: dict[str, str] | None = None, **params: Any
    ) -> httpx.Response:
        return self._authed("GET", path, params, headers=headers)

    def post(
        self,
        path: str,
        json: Any = None,
        key: str | None = None,
        if_match: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {"Idempotency-Key": key or uuid.uuid4().hex, **(headers or {})}
        if if_match is not None:
            sent["If-Match"] = if_match
        return self._authed("POST", path, {}, json=json, headers=sent)

    def account(self, account_id: str) -> dict[str, Any]:
        answer = self.get(f"/openapi/accounts/{account_id}")
        assert accepted(answer), answer.text
        return answer.json()["account"]

    def verification(self, account_id: str) -> str:
        """sms/send, read the code from the sandbox phone, sms/verify: a verification ticket."""
        sent = self.post(f"/openapi/accounts/{account_id}/sms/send")
        assert accepted(sent), sent.text
        code = self.store.sms_inbox()[-1]["code"]
        verified = self.post(f"/openapi/accounts/{account_id}/sms/verify", json={"code": code})
        assert accepted(verified), verified.text
        return verified.json()["verification_ticket"]

    def disable_live(self, account_id: str, **body: Any) -> httpx.Response:
        if "verification_ticket" not in body:
            body["verification_ticket"] = self.verification(account_id)
        return self.post(f"/openapi/accounts/{account_id}/live/disable", json=body)
