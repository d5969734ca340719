"""Idempotency-Key and If-Match (platform API): a repeated write changes nothing, a stale one
is refused."""

from __future__ import annotations

from ksctl.contract import codes
from ksctl.sandbox.store import Store
from tests.sandbox.driver import Api, accepted

CERT = "/openapi/accounts/main1/certification/live/remove"


def test_writes_need_an_idempotency_key(api: Api, store: Store) -> None:
    params = api.auth()
    missing = api.request("POST", CERT, params=params)
    assert missing.status_code == 200 and missing.json()["result"] == codes.BAD_REQUEST
    blank = api.request("POST", CERT, params=params, headers={"Idempotency-Key": " "})
    assert blank.status_code == 200 and blank.json()["result"] == codes.BAD_REQUEST
    assert store.writes() == []


def test_a_repeated_key_returns_the_first_answer_and_changes_nothing(
    api: Api, store: Store
) -> None:
    first = api.post(CERT, key="key-1")
    second = api.post(CERT, key="key-1")
    assert accepted(second)
    assert second.content == first.content
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    writes = store.writes()
    assert len(writes) == 1 and writes[0]["idempotency_key"] == "key-1"
    assert api.account("main1")["version"] == "2"


def test_a_repeat_after_a_token_renewal_is_still_a_repeat(api: Api, store: Store) -> None:
    first = api.post(CERT, key="key-2")
    api.token(fresh=True)
    assert api.post(CERT, key="key-2").content == first.content
    assert len(store.writes()) == 1


def test_a_key_reused_for_another_request_is_refused(api: Api, store: Store) -> None:
    api.post(CERT, key="key-3")
    other_path = api.post("/openapi/accounts/solo1/certification/live/remove", key="key-3")
    assert other_path.status_code == 200
    assert other_path.json()["result"] == codes.IDEMPOTENCY_CONFLICT
    api.post("/openapi/accounts/solo1/sms/send")
    code = store.sms_inbox()[-1]["code"]
    api.post("/openapi/accounts/solo1/sms/verify", json={"code": "000000"}, key="key-4")
    other_body = api.post("/openapi/accounts/solo1/sms/verify", json={"code": code}, key="key-3")
    assert other_body.json()["result"] == codes.IDEMPOTENCY_CONFLICT
    assert [w["operation"] for w in store.writes()] == ["remove_certification", "sms_send"]


def test_keys_are_per_app(api: Api, store: Store, api_for: object) -> None:
    api.post(CERT, key="shared")
    matrix = api_for("matrix_app")  # type: ignore[operator]
    answer = matrix.post("/openapi/accounts/main1/live/enable", key="shared")
    assert accepted(answer) and "Idempotent-Replayed" not in answer.headers


def test_a_refused_write_is_not_remembered(api: Api, store: Store) -> None:
    ticket = api.verification("main1")
    body = {"verification_ticket": ticket}
    refused = api.post("/openapi/accounts/main1/live/disable", json=body, key="close")
    assert refused.json()["result"] == codes.PENDING_SCHEDULE
    api.post("/openapi/accounts/main1/schedules/s1/cancel")
    closed = api.post("/openapi/accounts/main1/live/disable", json=body, key="close")
    assert accepted(closed) and closed.json()["changed"] is True


def test_if_match_refuses_a_stale_version(api: Api, store: Store) -> None:
    version = api.account("main1")["version"]
    store.patch_account("main1", {"quality_streamer": False})
    stale = api.post(CERT, if_match=version)
    assert stale.status_code == 200 and stale.json()["result"] == codes.PRECONDITION_FAILED
    assert api.account("main1")["certification"]["live_certified"] is True
    fresh = api.account("main1")["version"]
    assert accepted(api.post(CERT, if_match=f'"{fresh}"'))  # ETag form works too


def test_a_replay_wins_over_if_match(api: Api, store: Store) -> None:
    """A retry after a lost answer carries the old version: it must get the first answer."""
    version = api.account("main1")["version"]
    first = api.post(CERT, key="k", if_match=version)
    again = api.post(CERT, key="k", if_match=version)
    assert accepted(again) and again.content == first.content


def test_sms_writes_are_logged_but_keep_the_version(api: Api, store: Store) -> None:
    version = api.account("solo1")["version"]
    api.verification("solo1")
    assert api.account("solo1")["version"] == version
    assert [w["operation"] for w in store.writes()] == ["sms_send", "sms_verify"]
