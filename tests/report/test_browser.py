"""The report in a real headless Chromium (the distribution's): it loads with no console
error and no network request, every account of a seeded fleet appears, the filters work.

Each test writes a screenshot to tests/artifacts/ (uploaded by CI). With
KSCTL_UPDATE_SCREENSHOTS=1, the two the docs show are replaced too: docs/images/report.png
(the demo fleet mid-closure, in the README) and docs/images/rehearsal-report.png (the end of
docs/rehearsal.md).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.worlds import workspace
from tests.chromium import chromium
from tests.conftest import ROOT
from tests.docs import shell_blocks
from tests.report.conftest import ACCOUNTS, WORLD, Here

ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS_SHOT = ROOT / "docs" / "images" / "report.png"
REHEARSAL = ROOT / "docs" / "rehearsal.md"
LOGS = {"goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"}}


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    with chromium(tmp_path, capabilities=LOGS, window=(1400, 1800)) as driver:
        yield driver


def open_page(driver: Any, page: Path) -> None:
    driver.get(page.as_uri())
    driver.find_element("css selector", "#accounts-table .info")


def problems(driver: Any, page: Path) -> tuple[list[str], list[str]]:
    """(console messages of warning or worse, requests the page made for anything but
    itself), since the last call."""
    console = [e["message"] for e in driver.get_log("browser") if e["level"] != "INFO"]
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] != "Network.requestWillBeSent":
            continue
        params = message["params"]
        # what the page asked for (the browser's own new-tab page is not the report's)
        if params.get("documentURL") == page.as_uri() and params["request"]["url"] != page.as_uri():
            requests.append(params["request"]["url"])
    return console, requests


def shown(driver: Any) -> list[str]:
    rows = driver.find_elements("css selector", "#accounts-table tbody tr")
    return [r.get_attribute("data-account") for r in rows if r.is_displayed()]


def eventually(check: Any, timeout: float = 10.0) -> None:
    """The search box filters once typing pauses: wait for the page to get there."""
    from selenium.webdriver.support.wait import WebDriverWait

    WebDriverWait(None, timeout, poll_frequency=0.1).until(lambda _: check())


def info(driver: Any) -> str:
    return driver.find_element("css selector", "#accounts-table .info").text


def shoot(driver: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, min(max(height, 800), 4000))
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    return path


def test_a_fleet_in_every_state_loads_offline_and_filters(here: Here, browser: Any) -> None:
    here.ksctl("sandbox", "seed", str(WORLD))
    page = here.root / "report.html"
    assert here.ksctl("report", str(ACCOUNTS), "--out", str(page)).exit_code == 0
    open_page(browser, page)
    console, requests = problems(browser, page)
    assert console == [] and requests == []
    everyone = ["ban00001", "gone0001", "lost0001", "soon0001", "sync0001", "xss00001"]
    assert sorted(shown(browser)) == everyone
    # the platform's markup is text on the page: no alert ran, the name reads as written
    assert browser.execute_script("return document.querySelectorAll('main img').length") == 0
    assert "<script>alert('name')</script>" in browser.find_element("id", "accounts").text
    # a tally at a glance filters the table by its state; again shows everyone
    browser.find_element("css selector", "button.tally.blocked").click()
    assert shown(browser) == ["ban00001"]
    browser.find_element("css selector", "button.tally.blocked").click()
    assert sorted(shown(browser)) == everyone
    search = browser.find_element("css selector", "#accounts-table input.search")
    search.send_keys("即将")
    eventually(lambda: shown(browser) == ["soon0001"])
    search.clear()
    search.send_keys("no such thing")
    eventually(lambda: info(browser) == "nothing matches")
    assert shown(browser) == []
    overdue = browser.find_elements("css selector", "#timeline svg circle.overdue")
    soon = browser.find_elements("css selector", "#timeline svg circle.soon")
    assert len(overdue) == 1 and len(soon) == 1
    shoot(browser, "report-every-state.png")
    assert problems(browser, page) == ([], [])


def test_every_account_of_a_larger_fleet_appears_page_by_page(tmp_path: Path, browser: Any) -> None:
    _, config = workspace(tmp_path, 130)
    here = Here(tmp_path)
    os.chdir(tmp_path)
    page = tmp_path / "report.html"
    assert here.ksctl("report", str(config), "--out", str(page)).exit_code == 0
    open_page(browser, page)
    assert info(browser) == "showing 1–50 of 130, page 1 of 3"
    seen = shown(browser)
    for _ in range(2):
        browser.find_element("css selector", "#accounts-table button.next").click()
        seen += shown(browser)
    assert sorted(seen) == [f"bench{i:06d}" for i in range(130)]
    assert browser.find_element("css selector", "#accounts-table button.next").get_attribute(
        "disabled"
    )
    # sorting by account, descending, puts the last account first
    header = browser.find_element("css selector", "#accounts-table th")
    header.click()
    header.click()
    assert shown(browser)[0] == "bench000129"
    select = browser.find_element("css selector", "#accounts-table select.filter")
    select.send_keys("in sync")
    assert shown(browser) == [] and info(browser) == "nothing matches"
    assert problems(browser, page) == ([], [])
    shoot(browser, "report-130-accounts.png")


def test_the_rehearsed_closure_report(here: Here, browser: Any) -> None:
    """The report the docs show: the demo fleet after its first apply, work waiting."""
    example = "accounts.yaml"  # as a user in their folder names it, on the page
    (here.root / example).write_bytes((ROOT / "examples" / "accounts.yaml").read_bytes())
    assert here.ksctl("apply", example, "--auto-approve").exit_code == 3
    here.ksctl("sandbox", "clock", "--advance", "49h")
    assert here.ksctl("apply", example, "--auto-approve").exit_code == 3
    page = here.root / "report.html"
    assert here.ksctl("report", example, "--out", str(page)).exit_code == 0
    open_page(browser, page)
    assert problems(browser, page) == ([], [])
    assert len(shown(browser)) == 6
    shot = shoot(browser, "report.png")
    if os.environ.get("KSCTL_UPDATE_SCREENSHOTS"):
        DOCS_SHOT.parent.mkdir(parents=True, exist_ok=True)
        DOCS_SHOT.write_bytes(shot.read_bytes())


def test_the_checks_above_do_see_a_request_and_an_error(here: Here, browser: Any) -> None:
    """A page that asks for an image on loopback is caught (blocked by its CSP, or sent)."""
    page = here.root / "report.html"
    here.ksctl("report", str(ROOT / "examples" / "accounts.yaml"), "--out", str(page))
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("<main>", '<main><img src="http://127.0.0.1:9/x.png">'))
    open_page(browser, page)
    console, requests = problems(browser, page)
    assert console or requests
    assert any("127.0.0.1:9" in line for line in console + requests)


def test_the_rehearsal_guides_report(tmp_path: Path, browser: Any) -> None:
    """docs/rehearsal.md's commands up to its report, then its page: the guide's screenshot."""
    text = REHEARSAL.read_text(encoding="utf-8")
    until_reset = text.split("\n## 5. ", 1)[0]
    result = shell_blocks.run(until_reset, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    page = tmp_path / "closure-rehearsal" / "report.html"
    open_page(browser, page)
    assert problems(browser, page) == ([], [])
    assert sorted(shown(browser)) == ["3xk9d2a1", "3xm7c5b0"]
    shot = shoot(browser, "rehearsal-report.png")
    if os.environ.get("KSCTL_UPDATE_SCREENSHOTS"):
        (ROOT / "docs" / "images" / "rehearsal-report.png").write_bytes(shot.read_bytes())
