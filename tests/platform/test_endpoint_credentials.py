"""Credentials in KSCTL_ENDPOINT (`http://user:password@host`) are refused in one line that
does not echo them, on every command that reaches a platform: none can then carry them into
a plan file's `target`, a markdown footer or an error message."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ksctl.cli import cli
from ksctl.compose import TargetError, resolve_target

PASSWORD = "hunter2-very-secret"
BASE = {"KSCTL_APP_ID": "demo_app", "KSCTL_APP_SECRET": "demo_secret"}
URLS = [
    f"http://admin:{PASSWORD}@127.0.0.1:9",
    f"https://{PASSWORD}@platform.example.com/api",
    f"http://admin%40corp:{PASSWORD}@platform.example.com",
    f"ftp://admin:{PASSWORD}@platform.example.com",  # not http, still not echoed
    f"admin:{PASSWORD}@platform.example.com",  # no scheme at all
]


@pytest.mark.parametrize("url", URLS)
def test_userinfo_is_refused_without_being_echoed(tmp_path: Path, url: str) -> None:
    with pytest.raises(TargetError) as caught:
        resolve_target({**BASE, "KSCTL_ENDPOINT": url}, tmp_path)
    message = str(caught.value)
    assert PASSWORD not in message and "admin" not in message
    assert "\n" not in message


def test_the_refusal_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(TargetError) as caught:
        resolve_target({**BASE, "KSCTL_ENDPOINT": URLS[0]}, tmp_path)
    assert str(caught.value) == (
        "KSCTL_ENDPOINT holds credentials (user:password@ before the host): remove them; "
        "ksctl signs in with KSCTL_APP_ID and KSCTL_APP_SECRET"
    )


def test_a_url_without_userinfo_still_works(tmp_path: Path) -> None:
    t = resolve_target({**BASE, "KSCTL_ENDPOINT": "http://127.0.0.1:9/path@x"}, tmp_path)
    assert t.base_url == "http://127.0.0.1:9/path@x"  # an @ in the path is no userinfo


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "accounts.yaml"],
        ["plan", "accounts.yaml", "--format", "markdown", "--out", "plan.json"],
        ["apply", "accounts.yaml", "--auto-approve"],
        ["import", "3xk9d2a1"],
    ],
    ids=lambda a: "-".join(a[:2] if a[0] != "plan" else a[:1] + a[2:4]),
)
def test_every_command_refuses_it_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in {**BASE, "KSCTL_ENDPOINT": URLS[0]}.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "accounts.yaml").write_text('version: 1\naccounts:\n  - id: "3xk9d2a1"\n')
    got = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert got.exit_code == 1
    assert PASSWORD not in got.output and PASSWORD not in (got.stderr or "")
    [line] = got.stderr.strip().splitlines()
    assert line.startswith("ksctl: error: KSCTL_ENDPOINT holds credentials")
    assert not (tmp_path / "plan.json").exists()
