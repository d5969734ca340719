"""Refusals are HTTP 200 with the code in the body, as the real platform answers; only what
no API answered keeps a status; a world may opt in to the codes' old statuses."""

from __future__ import annotations

import asyncio

import pytest

from ksctl.contract import codes
from ksctl.platform.client import PlatformClient
from ksctl.platform.errors import NotFound
from ksctl.sandbox.store import Store
from tests.platform.sandboxes import in_process
from tests.sandbox.driver import SECRETS, Api, accepted

CERT = "/openapi/accounts/main1/certification/live/remove"


def test_a_refusal_is_http_200_with_its_code_and_headers(api: Api, store: Store) -> None:
    store.configure(read_rate_per_second=1)
    api.token()
    assert accepted(api.get("/openapi/quota"))
    over = api.get("/openapi/quota")
    assert over.status_code == 200 and over.json()["result"] == codes.OVER_LIMIT
    assert over.headers["Retry-After"] == "1"  # the headers ride on the 200
    assert over.headers["X-Request-Id"] == over.json()["request_id"]
    assert [r["result"] for r in store.request_log()][-2:] == [1, codes.OVER_LIMIT]
    assert [r["status"] for r in store.request_log()][-2:] == [200, 200]


def test_what_no_api_answered_keeps_its_status(api: Api) -> None:
    unknown = api.get("/openapi/nowhere")
    assert unknown.status_code == 404 and unknown.json()["result"] == codes.NOT_FOUND
    wrong_method = api.request("DELETE", "/openapi/quota", params=api.auth())
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] == "GET"


@pytest.mark.parametrize(
    ("path", "params", "code", "status"),
    [
        ("/openapi/accounts/nobody1", {}, codes.NOT_FOUND, 404),
        ("/openapi/accounts", {"count": 0}, codes.BAD_REQUEST, 400),  # FastAPI's validation
        ("/openapi/jobs/job-404/content", {}, codes.NOT_FOUND, 404),
    ],
)
def test_a_world_may_opt_in_to_the_modelled_statuses(
    api: Api, store: Store, path: str, params: dict[str, int], code: int, status: int
) -> None:
    first = api.get(path, **params)
    assert first.status_code == 200 and first.json()["result"] == code
    store.configure(refusal_status="modelled")
    refused = api.get(path, **params)
    assert refused.status_code == status and refused.json()["result"] == code
    assert accepted(api.get("/openapi/quota"))  # success is 200 either way


def test_the_opt_in_keeps_429_and_401(api: Api, store: Store) -> None:
    store.configure(refusal_status="modelled", read_rate_per_second=1)
    api.token()
    api.get("/openapi/quota")
    assert api.get("/openapi/quota").status_code == 429
    bare = api.request("GET", "/openapi/quota")
    assert bare.status_code == 401 and bare.json()["result"] == codes.INVALID_TOKEN


@pytest.mark.parametrize("refusal_status", ["real", "modelled"])
def test_the_client_reads_both_alike(store: Store, refusal_status: str) -> None:
    store.configure(refusal_status=refusal_status)

    async def go() -> None:
        async with PlatformClient(
            "http://sandbox.test",
            app_id="agency_app",
            app_secret=SECRETS["agency_app"],
            transport=in_process(store),
        ) as c:
            assert (await c.get_quota()).per_day > 0
            with pytest.raises(NotFound) as e:
                await c.get_account("nobody1")
            assert e.value.code == codes.NOT_FOUND

    asyncio.run(go())
