"""The real-browser test: headless Chromium (the distribution's) is the account holder.

A served sandbox shows its consent page; the browser approves, follows the redirect to the
loopback callback of `ksctl auth login`, and sees it confirmed; the tokens are stored.
A second account is denied in the browser and stores nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from benchmarks.server import served
from ksctl.auth.store import TokenStore
from ksctl.auth.tokens import scope_of
from tests.apply.conftest import Workspace
from tests.auth.login import ThreadLogin
from tests.chromium import chromium

A, B = "3xm7c5b0", "8qv2n6e4"


def _title(browser: Any) -> str:
    """The callback page's title, once the browser got there (the exchange takes a moment)."""
    from selenium.webdriver.support.ui import WebDriverWait

    return str(
        WebDriverWait(browser, 60).until(
            lambda b: b.find_elements("id", "title") and b.find_element("id", "title").text
        )
    )


def test_chromium_approves_and_denies_on_the_consent_page(ows: Workspace, tmp_path: Path) -> None:
    with served(ows.root, {**os.environ, "PYTHONWARNINGS": "ignore"}) as server:
        login = ThreadLogin(ows.root, A, B, timeout=90, **server.env)
        urls = login.urls(2)
        assert urls[A].startswith(server.endpoint + "/oauth2/authorize?")
        with chromium(tmp_path) as browser:
            browser.get(urls[A])
            assert "user_account_manage" in browser.find_element("id", "scopes").text
            chosen = browser.find_element("css selector", "#account option:checked")
            assert chosen.get_attribute("value") == A  # the state's account, preselected
            browser.find_element("id", "approve").click()
            assert _title(browser) == "Authorized"
            assert browser.current_url.startswith("http://127.0.0.1:")
            assert "code=" in browser.current_url  # the code came back through the browser

            browser.get(urls[B])
            browser.find_element("id", "deny").click()
            assert _title(browser) == "Not authorized"
        results = {r.account_id: r for r in login.wait()}  # type: ignore[attr-defined]
        assert results[A].ok and not results[B].ok
    grants = TokenStore(ows.root / ".ksctl" / "tokens").grants(
        scope_of(server.endpoint, "demo_app")
    )
    assert list(grants) == [A]
