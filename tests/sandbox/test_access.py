"""Who may write (docs/platform-api.md): org admins for institutions, matrix main accounts for their
sub-accounts, nobody else."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ksctl.contract import codes
from ksctl.sandbox.store import Store
from tests.sandbox.driver import Api, accepted

CERT = "/openapi/accounts/{}/certification/live/remove"


def remove_cert(api: Api, account_id: str) -> tuple[int, int]:
    answer = api.post(CERT.format(account_id))
    return answer.status_code, answer.json()["result"]


def test_institution_needs_admin_rights_on_its_org(api: Api) -> None:
    assert remove_cert(api, "inst1") == (200, 1)  # agency_app administers org_city
    assert remove_cert(api, "inst2") == (200, codes.ACCESS_DENIED)


def test_a_direct_grant_does_not_reach_an_institution(api: Api, store: Store) -> None:
    world = store.world()
    apps = [a.model_copy(update={"admin_orgs": [], "accounts": ["inst1"]}) for a in world.apps]
    store.seed(world.model_copy(update={"apps": apps}))
    api.token(fresh=True)
    assert remove_cert(api, "inst1") == (200, codes.ACCESS_DENIED)


def test_main_account_grant_covers_its_sub_accounts(api_for: Callable[[str], Api]) -> None:
    matrix = api_for("matrix_app")  # granted by main1 only
    assert remove_cert(matrix, "main1") == (200, 1)
    assert accepted(matrix.post("/openapi/accounts/sub1/live/enable"))
    # solo1's holder never authorized the matrix's app (the real platform's code).
    assert remove_cert(matrix, "solo1") == (200, codes.NEVER_AUTHORIZED)


def test_an_app_without_grants_is_refused_everywhere(api_for: Callable[[str], Api]) -> None:
    other = api_for("other_app")
    for account_id in ("main1", "sub1", "solo1"):
        assert remove_cert(other, account_id) == (200, codes.NEVER_AUTHORIZED)
    # An institution's writes need admin rights on its org, whoever authorized (modelled).
    assert remove_cert(other, "inst1") == (200, codes.ACCESS_DENIED)
    assert other.account("main1")["access"]["write"] is False  # the read still answers


@pytest.mark.parametrize(
    "path",
    [
        "/openapi/accounts/stranger1/sms/send",
        "/openapi/accounts/stranger1/live/enable",
        "/openapi/accounts/stranger1/interactions/export",
        "/openapi/accounts/stranger1/gift_ledger/tickets",
        "/openapi/accounts/stranger1/privacy/purge_viewer_phones",
    ],
)
def test_every_write_checks_access(api: Api, store: Store, path: str) -> None:
    answer = api.post(path)
    assert answer.status_code == 200 and answer.json()["result"] == codes.NEVER_AUTHORIZED
    assert store.writes() == []


def test_downloads_check_access(api: Api, store: Store) -> None:
    store.patch_account(
        "stranger1",
        {"replays": [{"id": "r1", "recorded_at": "2026-11-01T20:00:00+08:00", "size_bytes": 9}]},
    )
    answer = api.get("/openapi/accounts/stranger1/replays/r1/content")
    assert answer.status_code == 200 and answer.json()["result"] == codes.NEVER_AUTHORIZED


def test_a_grant_changed_in_the_world_is_seen_by_the_next_request(store: Store) -> None:
    # Decoded grant lists are kept by their stored value: a change is a new value.
    from ksctl.sandbox.access import load_app

    with store.transaction() as conn:
        app_id = conn.execute("SELECT app_id FROM apps LIMIT 1").fetchone()["app_id"]
        before = load_app(conn, app_id)
        assert before is not None and load_app(conn, app_id) is before
        conn.execute("UPDATE apps SET accounts = ? WHERE app_id = ?", ('["x1", "x2"]', app_id))
        after = load_app(conn, app_id)
    assert after is not None and after.accounts == {"x1", "x2"}
    assert after.admin_orgs == before.admin_orgs
