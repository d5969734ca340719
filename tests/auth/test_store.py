"""The token store: 0600, encrypted with KSCTL_TOKEN_KEY, fsspec URLs, no lost rotation."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from ksctl.auth.store import Grant, TokenStore, TokenStoreError, open_store, store_location
from ksctl.platform.redact import Secret

SCOPE = "http://sandbox.ksctl.invalid demo_app"
T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def grant(account: str = "3xk9d2a1", access: str = "kat_AAAA1111", refresh: str = "krt_BBBB2222"):
    return Grant(
        account_id=account,
        open_id=f"open_{account}",
        scopes=("user_base", "user_video_live"),
        access_token=Secret(access),
        expires_at=T0 + timedelta(days=2),
        refresh_token=Secret(refresh),
        refresh_expires_at=T0 + timedelta(days=180),
        obtained_at=T0,
    )


def test_round_trip_in_a_file_only_its_owner_reads(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / ".ksctl" / "tokens")
    saved = store.put(SCOPE, grant())
    assert saved.revision == 1
    again = TokenStore(tmp_path / ".ksctl" / "tokens").get(SCOPE, "3xk9d2a1")
    assert again is not None
    assert again.access_token.reveal() == "kat_AAAA1111"
    assert again.refresh_token.reveal() == "krt_BBBB2222"
    assert again.scopes == ("user_base", "user_video_live")
    assert again.expires_at == T0 + timedelta(days=2)
    mode = stat.S_IMODE((tmp_path / ".ksctl" / "tokens").stat().st_mode)
    assert mode == 0o600
    # A repr of a grant never shows a token.
    assert "kat_" not in repr(again) and "krt_" not in repr(again)


def test_the_file_stays_0600_under_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        TokenStore(tmp_path / "tokens").put(SCOPE, grant())
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "tokens").stat().st_mode) == 0o600


def test_with_a_key_no_token_is_in_clear(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    path = tmp_path / "tokens"
    TokenStore(path, key=key).put(SCOPE, grant())
    data = path.read_bytes()
    for clear in (b"kat_AAAA1111", b"krt_BBBB2222", b"3xk9d2a1", b"user_base"):
        assert clear not in data
    got = TokenStore(path, key=key).get(SCOPE, "3xk9d2a1")
    assert got is not None and got.access_token.reveal() == "kat_AAAA1111"


def test_an_encrypted_store_without_the_key_or_with_another_is_one_clear_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tokens"
    TokenStore(path, key=Fernet.generate_key().decode()).put(SCOPE, grant())
    with pytest.raises(TokenStoreError, match="is encrypted: set KSCTL_TOKEN_KEY"):
        TokenStore(path).get(SCOPE, "3xk9d2a1")
    with pytest.raises(TokenStoreError, match="does not decrypt"):
        TokenStore(path, key=Fernet.generate_key().decode()).get(SCOPE, "3xk9d2a1")


def test_a_malformed_key_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(TokenStoreError, match=r"not a Fernet key.*generate_key"):
        TokenStore(tmp_path / "tokens", key="hunter2")


def test_a_clear_store_is_encrypted_once_a_key_is_set(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    TokenStore(path).put(SCOPE, grant())
    key = Fernet.generate_key().decode()
    keyed = TokenStore(path, key=key)
    assert keyed.get(SCOPE, "3xk9d2a1") is not None
    keyed.put(SCOPE, grant("3xm7c5b0"))
    assert b"kat_AAAA1111" not in path.read_bytes()
    assert set(keyed.grants(SCOPE)) == {"3xk9d2a1", "3xm7c5b0"}


def test_scopes_keep_targets_apart_and_delete_forgets(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens")
    store.put(SCOPE, grant())
    assert store.get("https://open.kuaishou.com ks_app", "3xk9d2a1") is None
    assert store.delete(SCOPE, "3xk9d2a1") is True
    assert store.delete(SCOPE, "3xk9d2a1") is False
    assert store.get(SCOPE, "3xk9d2a1") is None


def test_an_fsspec_url_is_a_store(tmp_path: Path) -> None:
    url = "memory://ci-bucket/ksctl/tokens"
    key = Fernet.generate_key().decode()
    TokenStore(url, key=key).put(SCOPE, grant())
    got = TokenStore(url, key=key).get(SCOPE, "3xk9d2a1")
    assert got is not None and got.refresh_token.reveal() == "krt_BBBB2222"
    import fsspec

    fs = fsspec.filesystem("memory")
    assert b"krt_BBBB2222" not in fs.cat("/ci-bucket/ksctl/tokens")
    assert not fs.exists("/ci-bucket/ksctl/tokens.lock")  # released


def test_the_environment_names_the_store(tmp_path: Path) -> None:
    assert store_location({}, tmp_path) == str(tmp_path / ".ksctl" / "tokens")
    env = {
        "KSCTL_TOKEN_STORE": "memory://x/tokens",
        "KSCTL_TOKEN_KEY": Fernet.generate_key().decode(),
    }
    store = open_store(env, tmp_path)
    assert store.where == "memory://x/tokens" and store.encrypted


def _rotate(path: str, n: int, account: str) -> None:
    # Each worker: under the lock, read the grant, "rotate" it (revision + token), save.
    store = TokenStore(path)
    for _ in range(n):
        with store.locked(SCOPE, account) as held:
            current = held.get()
            assert current is not None
            fresh = Secret(f"krt_{current.revision + 1:06d}")
            held.put(dataclasses.replace(current, refresh_token=fresh))


def test_locked_rotations_by_several_processes_lose_none(tmp_path: Path) -> None:
    # Four processes rotate two accounts' grants 25 times each: every rotation read the
    # grant the previous one saved (the revision counts all 100), none was overwritten by
    # a stale copy, and the other account's entry survived every write.
    path = str(tmp_path / "tokens")
    store = TokenStore(path)
    store.put(SCOPE, grant("a1"))
    store.put(SCOPE, grant("b2"))
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_rotate, args=(path, 25, a)) for a in ("a1", "a1", "b2", "b2")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    final = TokenStore(path).grants(SCOPE)
    assert final["a1"].revision == 51 and final["b2"].revision == 51
    assert final["a1"].refresh_token.reveal() == "krt_000051"
