"""The target comes from the environment: all three variables, or none, nothing between."""

from __future__ import annotations

from pathlib import Path

import pytest

from ksctl.compose import TargetError, resolve_target
from ksctl.errors import KsctlError
from ksctl.platform.target import open_client
from tests.platform.fakes import run

FULL = {
    "KSCTL_ENDPOINT": "https://ksctl.example.com/",
    "KSCTL_APP_ID": "app_1",
    "KSCTL_APP_SECRET": "s3cr3t-value",
}


def test_nothing_set_means_the_embedded_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    t = resolve_target({"PATH": "/bin", "KSCTL_ENDPOINT": "  "}, tmp_path)
    assert t.embedded and t.sandbox
    assert (t.app_id, t.app_secret.reveal()) == ("demo_app", "demo_secret")
    assert t.home == tmp_path
    assert t.notice == (
        "ksctl: no KSCTL_ENDPOINT set; using the embedded sandbox in .ksctl/ as app demo_app "
        "(no real account is touched)"
    )
    assert "\n" not in t.notice


def test_all_set_means_that_endpoint(tmp_path: Path) -> None:
    t = resolve_target(FULL, tmp_path)
    assert not t.embedded and not t.sandbox and t.notice is None
    assert t.base_url == "https://ksctl.example.com"
    assert t.app_id == "app_1" and t.app_secret.reveal() == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(t)


@pytest.mark.parametrize(
    "unset, says",
    [
        (
            ["KSCTL_APP_ID", "KSCTL_APP_SECRET"],
            "KSCTL_ENDPOINT is set but KSCTL_APP_ID and KSCTL_APP_SECRET are not",
        ),
        (
            ["KSCTL_APP_SECRET"],
            "KSCTL_ENDPOINT and KSCTL_APP_ID are set but KSCTL_APP_SECRET is not",
        ),
        (["KSCTL_ENDPOINT"], "KSCTL_APP_ID and KSCTL_APP_SECRET are set but KSCTL_ENDPOINT is not"),
    ],
)
def test_half_configured_is_one_clear_line(tmp_path: Path, unset: list[str], says: str) -> None:
    env = {k: v for k, v in FULL.items() if k not in unset}
    with pytest.raises(TargetError) as e:
        resolve_target(env, tmp_path)
    message = str(e.value)
    assert message.startswith(says) and "\n" not in message
    assert "s3cr3t-value" not in message
    assert isinstance(e.value, KsctlError)


@pytest.mark.parametrize("endpoint", ["ksctl.example.com", "ftp://x", "http://"])
def test_endpoint_must_be_a_url(tmp_path: Path, endpoint: str) -> None:
    with pytest.raises(TargetError, match="is not an http"):
        resolve_target({**FULL, "KSCTL_ENDPOINT": endpoint}, tmp_path)


def test_open_client_for_a_remote_target(tmp_path: Path) -> None:
    t = resolve_target(FULL, tmp_path)

    async def go() -> None:
        async with open_client(t, concurrency=2) as c:
            assert c.base_url == "https://ksctl.example.com" and c.app_id == "app_1"
            assert not c.is_sandbox and c.concurrency == 2

    run(go())
