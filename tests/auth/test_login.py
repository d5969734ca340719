"""`ksctl auth login|status|logout` with `ksctl sandbox consent|revoke`, end to end against
the embedded sandbox: per-account tokens, refresh, revocation, CSRF, nothing leaked."""

from __future__ import annotations

import json
import stat
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet

from ksctl.auth.store import TokenStore
from ksctl.auth.tokens import scope_of
from ksctl.compose import EMBEDDED_URL
from tests.apply.conftest import Workspace
from tests.auth.login import Login, ThreadLogin
from tests.conftest import assert_no_write_twice

A, B = "3xm7c5b0", "8qv2n6e4"
SCOPE = scope_of(EMBEDDED_URL, "demo_app")


def _tokens(root: Path, key: str | None = None) -> list[str]:
    store = TokenStore(root / ".ksctl" / "tokens", key=key)
    return [
        t.reveal() for g in store.grants(SCOPE).values() for t in (g.access_token, g.refresh_token)
    ]


def _status(ws: Workspace, *args: str) -> dict[str, str]:
    result = ws.ksctl("auth", "status", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return {row["account_id"]: row["state"] for row in json.loads(result.stdout)}


def _consent_all(ws: Workspace, urls: dict[str, str], outputs: list[str]) -> None:
    for url in urls.values():
        result = ws.ksctl("sandbox", "consent", url)
        outputs.append(result.stdout + result.stderr)
        assert result.exit_code == 0, result.stderr
        assert "approved" in result.stdout


def test_login_two_accounts_then_plan_and_apply_with_their_own_tokens(ows: Workspace) -> None:
    outputs = []
    before = ows.ksctl("plan", "accounts.yaml")
    assert before.exit_code == 1
    assert f"`ksctl auth login {A}`" in before.stdout and f"`ksctl auth login {B}`" in before.stdout

    login = Login(ows.root, A, B, "--timeout", "120")
    urls = login.urls(2)
    assert set(urls) == {A, B}
    _consent_all(ows, urls, outputs)
    assert login.wait() == 0, login.output
    outputs.append(login.output)
    assert f"{A}: ok: authorized {A}" in login.output

    assert _status(ows) == {A: "ok", B: "ok"}
    path = ows.root / ".ksctl" / "tokens"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    plan = ows.ksctl("plan", "accounts.yaml", "--detailed-exitcode")
    assert plan.exit_code == 2, plan.stdout
    applied = ows.ksctl("apply", "accounts.yaml", "--auto-approve")
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    writes = ows.store.writes()
    assert {(w["account_id"], w["operation"]) for w in writes} == {
        (A, "enable_feature"),
        (B, "enable_feature"),
    }
    assert_no_write_twice(writes)
    outputs += [plan.stdout + plan.stderr, applied.stdout + applied.stderr]
    journal = "".join(p.read_text() for p in (ows.root / ".ksctl" / "journal").glob("*"))
    for token in _tokens(ows.root):
        assert all(token not in text for text in [*outputs, journal])


def test_a_forged_or_replayed_state_is_refused_and_a_denial_stores_nothing(
    ows: Workspace,
) -> None:
    login = ThreadLogin(ows.root, A, B, timeout=60)
    urls = login.urls(2)
    # CSRF: a code delivered with a state this login never issued is refused unexchanged.
    forged = urls[A].replace(f"state={A}.", f"state={A}.forged")
    refused = ows.ksctl("sandbox", "consent", forged)
    assert refused.exit_code == 1 and "refused it (HTTP 400)" in refused.stderr
    assert _tokens(ows.root) == []
    assert ows.ksctl("sandbox", "consent", urls[A]).exit_code == 0
    # The same state again (a replayed callback): refused, A's tokens unchanged.
    stored = _tokens(ows.root)
    again = ows.ksctl("sandbox", "consent", urls[A])
    assert again.exit_code == 1 and "HTTP 400" in again.stderr
    assert _tokens(ows.root) == stored
    denied = ows.ksctl("sandbox", "consent", urls[B], "--deny")
    assert denied.exit_code == 0 and "denied" in denied.stdout
    results = {r.account_id: r for r in login.wait()}  # type: ignore[attr-defined]
    assert results[A].ok and not results[B].ok
    assert "denied the authorization" in results[B].message
    assert _status(ows, A, B) == {A: "ok", B: "missing"}


def test_expiry_refresh_revocation_and_logout(ows: Workspace) -> None:
    login = ThreadLogin(ows.root, A, B)
    _consent_all(ows, login.urls(2), [])
    assert all(r.ok for r in login.wait())  # type: ignore[attr-defined]
    first = _tokens(ows.root)

    # Past the access tokens' 2 days: plan renews them (100200108) and goes on.
    ows.store.advance(timedelta(days=3))
    plan = ows.ksctl("plan", "accounts.yaml", "--detailed-exitcode")
    assert plan.exit_code == 2, plan.stdout
    renewed = _tokens(ows.root)
    assert set(renewed).isdisjoint(first)  # both pairs rotated, saved before use
    assert ows.store.request_counts("token").get("refresh_token") == 2

    # The holder of A cancels: A is an error with the command, B goes on.
    assert ows.ksctl("sandbox", "revoke", A).exit_code == 0
    plan = ows.ksctl("plan", "accounts.yaml")
    assert plan.exit_code == 1
    assert f"re-authorize it with `ksctl auth login {A}`" in plan.stdout
    applied = ows.ksctl("apply", "accounts.yaml", "--auto-approve")
    assert applied.exit_code == 1
    assert [(w["account_id"], w["operation"]) for w in ows.store.writes()] == [
        (B, "enable_feature")
    ]
    assert _status(ows) == {A: "revoked", B: "ok"}

    out = ows.ksctl("auth", "logout", A)
    assert out.exit_code == 0 and f"{A}: tokens forgotten" in out.stdout
    assert _status(ows, A) == {A: "missing"}

    # Past the refresh token's 180 days: only its holder can help.
    ows.store.advance(timedelta(days=181))
    assert _status(ows) == {B: "expired"}
    text = ows.ksctl("auth", "status")
    assert f"(run `ksctl auth login {B}`)" in text.stdout


def test_with_a_key_the_store_holds_no_token_in_clear(ows: Workspace, monkeypatch) -> None:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("KSCTL_TOKEN_KEY", key)
    login = ThreadLogin(ows.root, A, KSCTL_TOKEN_KEY=key)
    _consent_all(ows, login.urls(1), [])
    assert all(r.ok for r in login.wait())  # type: ignore[attr-defined]
    data = (ows.root / ".ksctl" / "tokens").read_bytes()
    tokens = _tokens(ows.root, key)
    assert tokens and all(t.encode() not in data for t in tokens)
    assert _status(ows, A) == {A: "ok"}
    assert ows.ksctl("plan", "accounts.yaml", "--target", A).exit_code == 0
    monkeypatch.delenv("KSCTL_TOKEN_KEY")
    refused = ows.ksctl("plan", "accounts.yaml")
    assert refused.exit_code == 1
    assert "is encrypted: set KSCTL_TOKEN_KEY" in refused.stderr


def test_login_times_out_in_one_line_and_listens_on_loopback_only(ows: Workspace) -> None:
    late = ows.ksctl("auth", "login", A, "--timeout", "1")
    assert late.exit_code == 1
    assert f"{A}: error: timed out after 1 s" in late.stdout
    wide = ows.ksctl("auth", "login", A, "--listen", "0.0.0.0:8765")
    assert wide.exit_code == 1
    assert wide.stderr.strip().splitlines() == [
        "ksctl: error: --listen 0.0.0.0:8765: the callback binds to loopback only "
        "(127.0.0.1, ::1, localhost)"
    ]
