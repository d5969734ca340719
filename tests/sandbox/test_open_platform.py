"""The open_platform profile serves only the real platform's endpoints."""

from __future__ import annotations

import asyncio

from ksctl.contract import codes
from ksctl.sandbox.store import Store
from tests.openplatform.sandbox_calls import SandboxCalls
from tests.sandbox.driver import Api, accepted

ACCOUNT = "main1"


def as_open_platform(store: Store) -> None:
    store.configure(profile="open_platform")


def test_modelled_endpoints_are_not_on_the_real_platform(store: Store, api: Api) -> None:
    assert accepted(api.get(f"/openapi/accounts/{ACCOUNT}"))
    as_open_platform(store)
    for path in (f"/openapi/accounts/{ACCOUNT}", "/openapi/quota", "/openapi/accounts"):
        answer = api.get(path)
        assert answer.status_code == 404, path
        assert "no such endpoint on the real open platform" in answer.json()["error_msg"]
    refused = api.post(f"/openapi/accounts/{ACCOUNT}/live/enable")
    assert refused.status_code == 404
    assert not store.writes()


def test_user_endpoints_need_the_accounts_own_token(store: Store, api: Api) -> None:
    as_open_platform(store)
    answer = api.get("/openapi/user_info")  # the app's own token is nobody's
    assert answer.status_code == 200 and answer.json()["result"] == codes.NEVER_AUTHORIZED
    assert "the account's own access token" in answer.json()["error_msg"]


def test_photo_list_pages_with_the_smallest_photo_id_as_cursor(store: Store) -> None:
    as_open_platform(store)
    asyncio.run(_pages(store))


async def _pages(store: Store) -> None:
    calls = SandboxCalls(store)
    ids = {r.id for r in store.account(ACCOUNT).replays if r.online}
    first = await calls.get_json("/openapi/photo/list", {"count": 1}, ACCOUNT)
    seen = [p["photo_id"] for p in first["video_list"]]
    while True:
        page = await calls.get_json(
            "/openapi/photo/list", {"count": 1, "cursor": min(seen)}, ACCOUNT
        )
        if not page["video_list"]:
            break
        seen.extend(p["photo_id"] for p in page["video_list"])
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    count = await calls.get_json("/openapi/photo/count", {}, ACCOUNT)
    assert count["public_count"] == len(ids)
    info = await calls.get_json("/openapi/photo/info", {"photo_id": seen[0]}, ACCOUNT)
    assert info["video_info"]["photo_id"] == seen[0]
    user = await calls.get_json("/openapi/user_info", {}, ACCOUNT)
    assert user["user_info"]["name"] == store.account(ACCOUNT).name
    assert "phone" not in str(user)
