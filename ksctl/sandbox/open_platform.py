"""The sandbox's open_platform profile: only the real open platform's user endpoints.

A world with `platform: {profile: open_platform}` answers `/openapi/user_info` and
`/openapi/photo/list|count|info` for the account whose own access token the call carries
(the authorization-code flow), and refuses every modelled endpoint as the real platform
would: it has none of them. An account's works are its replays kept online as works, so
that a takedown is visible in `photo/list` (and a forged attestation of one is caught).
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import TYPE_CHECKING

from ksctl.contract import codes
from ksctl.contract.open_platform import (
    MAX_COUNT,
    Photo,
    PhotoCountAnswer,
    PhotoInfoAnswer,
    PhotoListAnswer,
    UserInfo,
    UserInfoAnswer,
    photo_order,
)
from ksctl.sandbox import views
from ksctl.sandbox.clock import to_epoch
from ksctl.sandbox.refusal import Refusal

if TYPE_CHECKING:  # dispatch imports this module to know what the profile serves
    from ksctl.sandbox.dispatch import Call

PROFILE = "open_platform"
# The operations the real platform has (the token endpoints included); the rest are 404.
REAL = frozenset(
    {
        "access_token",
        "authorize_page",
        "authorize_decision",
        "exchange_code",
        "refresh_token",
        "user_info",
        "photo_list",
        "photo_count",
        "photo_info",
    }
)


def serves(profile: str, operation: str) -> bool:
    return profile != PROFILE or operation in REAL


def not_served(operation: str) -> Refusal:
    return Refusal(
        codes.NOT_FOUND,
        f"{operation}: no such endpoint on the real open platform (profile {PROFILE})",
    )


def _user(call: Call) -> sqlite3.Row:
    """The account whose own token the call carries: user endpoints know no other."""
    account = getattr(call.app, "user", None)
    if account is None:
        raise Refusal(
            getattr(codes, "NEVER_AUTHORIZED", codes.INVALID_TOKEN),
            "user endpoints need the account's own access token (authorization code flow)",
        )
    row = call.conn.execute("SELECT * FROM accounts WHERE id = ?", (account,)).fetchone()
    if row is None:  # pragma: no cover - a grant names an account of the world
        raise Refusal(codes.NOT_FOUND, "no such account")
    return row


def _number(low: int, high: int, *parts: object) -> int:
    digest = hashlib.sha256("\0".join(map(str, parts)).encode()).digest()
    return low + int.from_bytes(digest[:8], "big") % (high - low + 1)


def _works(call: Call, account_id: str) -> list[Photo]:
    rows = call.conn.execute(
        f"SELECT {views.REPLAY_COLUMNS} FROM replays r WHERE r.account_id = :account",
        {"now": to_epoch(call.now), "account": account_id},
    ).fetchall()
    photos = [
        Photo(
            photo_id=r["id"],
            caption=r["title"],
            create_time=r["recorded_at"] * 1000,
            like_count=_number(0, 5000, account_id, r["id"], "likes"),
            view_count=_number(0, 90000, account_id, r["id"], "views"),
        )
        for r in rows
        if r["online"]
    ]
    return sorted(photos, key=lambda p: photo_order(p.photo_id), reverse=True)


def user_info(call: Call) -> UserInfoAnswer:
    row = _user(call)
    fans = _number(100, 2_000_000, row["id"], "fans")
    return UserInfoAnswer(user_info=UserInfo(name=row["name"], fan=fans, follow=fans % 997))


def photo_count(call: Call) -> PhotoCountAnswer:
    works = _works(call, _user(call)["id"])
    return PhotoCountAnswer(public_count=len(works), all_count=len(works))


def photo_list(call: Call, cursor: str | None, count: int) -> PhotoListAnswer:
    """Newest first; `cursor` is the smallest photo_id of the previous page."""
    works = _works(call, _user(call)["id"])
    if cursor:
        works = [p for p in works if photo_order(p.photo_id) < photo_order(cursor)]
    return PhotoListAnswer(video_list=works[: min(count, MAX_COUNT)])


def photo_info(call: Call, photo_id: str) -> PhotoInfoAnswer:
    found = next((p for p in _works(call, _user(call)["id"]) if p.photo_id == photo_id), None)
    if found is None:
        raise Refusal(codes.NOT_FOUND, f"no work {photo_id} of this account")
    return PhotoInfoAnswer(video_info=found)
