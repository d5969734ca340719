"""Closing live (platform rules): schedules, SMS verification, streaming, contracts, effects."""

from __future__ import annotations

from datetime import timedelta

from ksctl.contract import codes
from ksctl.sandbox.store import Store
from tests.sandbox.driver import Api, accepted


def disable(api: Api, account_id: str, **body: object) -> tuple[int, int]:
    answer = api.disable_live(account_id, **body)
    return answer.status_code, answer.json()["result"]


def test_pending_schedule_blocks_closing_until_cancelled(api: Api) -> None:
    assert disable(api, "main1") == (200, codes.PENDING_SCHEDULE)
    cancel = api.post("/openapi/accounts/main1/schedules/s1/cancel")
    assert accepted(cancel) and cancel.json()["changed"] is True
    assert disable(api, "main1") == (200, 1)


def test_elapsed_and_cancelled_schedules_do_not_block(api: Api, store: Store) -> None:
    store.advance(timedelta(days=7))  # s1 (12-01) has passed; s2 is cancelled, s3 long past
    assert disable(api, "main1") == (200, 1)


def test_cancelling_twice_changes_nothing_the_second_time(api: Api) -> None:
    api.post("/openapi/accounts/main1/schedules/s1/cancel")
    again = api.post("/openapi/accounts/main1/schedules/s1/cancel")
    assert accepted(again) and again.json()["changed"] is False
    missing = api.post("/openapi/accounts/main1/schedules/nope/cancel")
    assert missing.json()["result"] == codes.NOT_FOUND


def test_closing_needs_a_verification_ticket(api: Api) -> None:
    path = "/openapi/accounts/solo1/live/disable"
    for body in (None, {}, {"verification_ticket": "vt_forged"}):
        answer = api.post(path, json=body)
        assert answer.status_code == 200
        assert answer.json()["result"] == codes.VERIFICATION_REQUIRED
    assert disable(api, "solo1") == (200, 1)


def test_sms_goes_to_the_masked_bound_phone(api: Api, store: Store) -> None:
    sent = api.post("/openapi/accounts/solo1/sms/send").json()
    assert sent["sent_to"] == "138****1237" and sent["expires_in"] == 300
    inbox = store.sms_inbox()
    assert inbox[-1]["account_id"] == "solo1" and inbox[-1]["phone_masked"] == "138****1237"
    assert len(inbox[-1]["code"]) == 6


def test_wrong_used_or_expired_codes_are_refused(api: Api, store: Store) -> None:
    verify = "/openapi/accounts/solo1/sms/verify"
    api.post("/openapi/accounts/solo1/sms/send")
    code = store.sms_inbox()[-1]["code"]
    wrong = str((int(code) + 1) % 1_000_000).zfill(6)
    assert api.post(verify, json={"code": wrong}).json()["result"] == codes.SMS_CODE_INVALID
    assert accepted(api.post(verify, json={"code": code}))
    assert api.post(verify, json={"code": code}).json()["result"] == codes.SMS_CODE_INVALID  # used
    api.post("/openapi/accounts/solo1/sms/send")
    store.advance(timedelta(seconds=301))
    late = api.post(verify, json={"code": store.sms_inbox()[-1]["code"]})
    assert late.json()["result"] == codes.SMS_CODE_INVALID


def test_verification_ticket_is_short_lived(api: Api, store: Store) -> None:
    ticket = api.verification("solo1")
    store.advance(timedelta(seconds=601))
    assert disable(api, "solo1", verification_ticket=ticket) == (200, codes.VERIFICATION_REQUIRED)


def test_verification_ticket_is_single_use_and_per_account(api: Api) -> None:
    ticket = api.verification("solo1")
    assert disable(api, "contract0", verification_ticket=ticket) == (
        200,
        codes.VERIFICATION_REQUIRED,
    )
    assert disable(api, "solo1", verification_ticket=ticket) == (200, 1)
    assert api.post("/openapi/accounts/solo1/live/enable").json()["changed"] is True
    assert disable(api, "solo1", verification_ticket=ticket) == (200, codes.VERIFICATION_REQUIRED)


def test_refused_closure_keeps_the_ticket(api: Api, store: Store) -> None:
    ticket = api.verification("streaming1")
    assert disable(api, "streaming1", verification_ticket=ticket) == (200, codes.STREAMING_NOW)
    store.set_streaming("streaming1", False)
    assert disable(api, "streaming1", verification_ticket=ticket) == (200, 1)


def test_streaming_blocks_closing(api: Api, store: Store) -> None:
    assert disable(api, "streaming1") == (200, codes.STREAMING_NOW)
    store.set_streaming("streaming1", False)
    assert disable(api, "streaming1") == (200, 1)


def test_mcn_contract_needs_the_breach_acknowledged(api: Api) -> None:
    assert disable(api, "contract1") == (200, codes.CONTRACT_BREACH)
    assert disable(api, "contract1", acknowledge_contract_breach=True) == (200, 1)


def test_a_contract_without_minimum_hours_does_not_block(api: Api) -> None:
    assert disable(api, "contract0") == (200, 1)


def test_an_ended_contract_does_not_block(api: Api, store: Store) -> None:
    assert api.account("contract1")["contract"]["until"] == "2027-03-31T23:59:59+08:00"
    store.advance(timedelta(days=127))  # past 2027-03-31
    assert api.account("contract1")["contract"] is None
    assert disable(api, "contract1") == (200, 1)


def test_closing_revokes_the_certification_tag_but_not_blue_v(api: Api, store: Store) -> None:
    answer = api.disable_live("solo1").json()
    state = answer["account"]
    assert answer["changed"] is True
    assert state["live"]["permission"] == "disabled"
    assert state["live"]["closed_at"] == store.now().isoformat()
    assert state["certification"] == {"live_certified": False, "blue_v": True}
    assert state["version"] == "2"
    assert state["interactions"]["exportable_until"] == "2026-12-25T10:00:00+08:00"


def test_closing_a_closed_account_changes_nothing(api: Api, store: Store) -> None:
    body = {"verification_ticket": "vt_whatever"}  # not consumed: nothing to close
    answer = api.post("/openapi/accounts/closed1/live/disable", json=body)
    assert accepted(answer) and answer.json()["changed"] is False
    assert store.writes() == []


def test_reopening_live(api: Api) -> None:
    opened = api.post("/openapi/accounts/closed1/live/enable").json()
    assert opened["changed"] is True
    assert opened["account"]["live"] == {
        "permission": "enabled",
        "closed_at": None,
        "streaming": False,
    }
    assert api.post("/openapi/accounts/closed1/live/enable").json()["changed"] is False


def test_removing_the_certification_tag(api: Api) -> None:
    first = api.post("/openapi/accounts/main1/certification/live/remove").json()
    assert first["changed"] is True and first["account"]["certification"]["live_certified"] is False
    assert first["account"]["live"]["permission"] == "enabled"
    again = api.post("/openapi/accounts/main1/certification/live/remove").json()
    assert again["changed"] is False


def test_features(api: Api) -> None:
    enabled = api.post("/openapi/accounts/main1/features/short_video_tipping/enable").json()
    assert enabled["changed"] is True
    assert enabled["account"]["monetization"]["short_video_tipping"] == "enabled"
    again = api.post("/openapi/accounts/main1/features/short_video_tipping/enable").json()
    assert again["changed"] is False
    cart = api.post("/openapi/accounts/main1/features/shopping_cart/disable").json()
    assert cart["account"]["monetization"]["shopping_cart"] == "disabled"
    unknown = api.post("/openapi/accounts/main1/features/gifts/enable")
    assert unknown.status_code == 200 and unknown.json()["result"] == codes.BAD_REQUEST


def test_an_account_without_a_phone_cannot_be_verified(api: Api) -> None:
    answer = api.post("/openapi/accounts/bare1/sms/send")
    assert answer.status_code == 200 and "phone" in answer.json()["error_msg"]
    assert answer.json()["result"] == codes.BAD_REQUEST


def test_odd_codes_are_just_wrong_codes(api: Api) -> None:
    api.post("/openapi/accounts/solo1/sms/send")
    for code in ["\u0080", "验证码", "0" * 16]:
        answer = api.post("/openapi/accounts/solo1/sms/verify", json={"code": code})
        assert answer.json()["result"] == codes.SMS_CODE_INVALID
    surrogate = api.request(
        "POST",
        "/openapi/accounts/solo1/sms/verify",
        params=api.auth(),
        content=b'{"code": "\\ud800"}',
        headers={"Idempotency-Key": "lone", "Content-Type": "application/json"},
    )
    assert surrogate.status_code == 200 and surrogate.json()["result"] == codes.BAD_REQUEST
