"""Who may write to an account (docs/platform-api.md, Rules): grants of an app, matrix
accounts, institutions.

- an institution account needs an app with admin rights on the account's org;
- any other account: a direct grant, admin rights on its org, or either of those on its
  matrix main account (the main account's credentials manage its sub-accounts).
Reads never refuse on these grounds: they report `access.write=false` and why, so that a
plan can say what it cannot do.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from dataclasses import dataclass

from ksctl.contract import codes
from ksctl.contract.wire import AccountKind


@dataclass(frozen=True)
class AppGrant:
    """What a caller may act on: the app's grants, plus the account whose own access token
    it presented (`user`), which counts as a direct grant of that account."""

    app_id: str
    admin_orgs: frozenset[str]
    accounts: frozenset[str]
    user: str | None = None


def load_app(conn: sqlite3.Connection, app_id: str) -> AppGrant | None:
    row = conn.execute("SELECT * FROM apps WHERE app_id = ?", (app_id,)).fetchone()
    if row is None:
        return None
    return _grant(row["app_id"], row["admin_orgs"], row["accounts"])


@functools.lru_cache(maxsize=16)
def _grant(app_id: str, admin_orgs: str, accounts: str) -> AppGrant:
    """Decoded once per stored value: every request loads its app, and an app granted
    100,000 accounts is a 1.5 MB list that the 500 reads of its plan decoded 500 times over."""
    return AppGrant(app_id, frozenset(json.loads(admin_orgs)), frozenset(json.loads(accounts)))


def _holds(app: AppGrant, account_id: str, org: str | None) -> bool:
    return (
        account_id == app.user
        or account_id in app.accounts
        or (org is not None and org in app.admin_orgs)
    )


def denial(
    app: AppGrant,
    account_id: str,
    kind: str,
    org: str | None,
    parent: str | None,
    parent_org: str | None,
) -> str | None:
    """Why `app` may not write to the account, or None when it may."""
    if kind == AccountKind.institution:
        if org is not None and org in app.admin_orgs:
            return None
        return f"institution account: the app holds no admin rights on its org {org or '(none)'}"
    if _holds(app, account_id, org):
        return None
    if parent is not None and _holds(app, parent, parent_org):
        return None
    if parent is not None:
        return f"the app holds no grant for this account nor for its matrix main account {parent}"
    return "the app holds no grant for this account"


def denial_code(kind: str, org: str | None, app: AppGrant, cancelled: bool) -> int:
    """The result code of a denial: the org's admin rights are the app's (modelled), any
    other missing right is the account holder's authorization (real codes)."""
    if kind == AccountKind.institution and (org is None or org not in app.admin_orgs):
        return codes.ACCESS_DENIED
    return codes.AUTHORIZATION_CANCELLED if cancelled else codes.NEVER_AUTHORIZED
