"""Headless Chromium for tests, from the distribution's packages (shared by every browser test).

    from tests.chromium import chromium

    def test_page(tmp_path):
        with chromium(tmp_path) as driver:
            driver.get(url)

Selenium drives Debian's `/usr/bin/chromium` through `/usr/bin/chromedriver`, both given
explicitly so that Selenium Manager never downloads anything. Each browser gets a fresh
profile folder and the flags that keep it off the network (no sync, no component
updates, no background requests). Without a browser the test is skipped on a developer's
machine, but FAILS under CI (`CI` set): a browser test that quietly never runs is worse
than none. `.ci/run` installs the packages when they are missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

BROWSER_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver",)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers give /dev/shm 64 MB: the renderer crashes in it
)


def _first(candidates: tuple[str, ...], name: str) -> str | None:
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    return shutil.which(name)


def browser_paths() -> tuple[str, str]:
    """(browser, driver) paths; skips the test when missing, fails it under CI."""
    browser = _first(BROWSER_CANDIDATES, "chromium")
    driver = _first(DRIVER_CANDIDATES, "chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        driver = None
    if browser and driver:
        return browser, driver
    missing = ", ".join(
        n for n, p in (("chromium", browser), ("chromedriver/selenium", driver)) if not p
    )
    if os.environ.get("CI"):
        pytest.fail(f"CI: the browser test needs {missing} (.ci/run installs them)")
    pytest.skip(f"no {missing} on this machine")


@contextmanager
def chromium(
    profile_root: Path,
    *,
    timeout: float = 20.0,
    capabilities: dict[str, Any] | None = None,
    window: tuple[int, int] | None = None,
) -> Iterator[Any]:
    """A headless Chromium WebDriver with a fresh profile under `profile_root`, quit on exit.

    `capabilities` are set on the options (e.g. `goog:loggingPrefs` for the console and
    network logs); `window` is the window size (width, height), for screenshots."""
    browser, driver_path = browser_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    profile = profile_root / "chromium-profile"
    profile.mkdir(parents=True, exist_ok=True)
    options.add_argument(f"--user-data-dir={profile}")
    if window:
        options.add_argument(f"--window-size={window[0]},{window[1]}")
    for name, value in (capabilities or {}).items():
        options.set_capability(name, value)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(timeout)
    try:
        yield driver
    finally:
        driver.quit()
