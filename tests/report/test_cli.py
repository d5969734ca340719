"""`ksctl report` through the command line, as a new user runs it."""

from __future__ import annotations

import json

from tests.conftest import ROOT
from tests.report.conftest import Here

EXAMPLE = str(ROOT / "examples" / "accounts.yaml")


def test_a_new_user_reports_on_the_embedded_sandbox(here: Here) -> None:
    result = here.ksctl("report", EXAMPLE, "--out", "report.html")
    assert result.exit_code == 0, result.stderr
    notice, wrote = result.stderr.splitlines()
    assert notice.startswith("ksctl: no KSCTL_ENDPOINT set; using the embedded sandbox")
    assert wrote == "wrote report.html: 6 account(s) (6 to apply)"
    page = (here.root / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    for account in ("3xk9d2a1", "3xk9d2a2", "3xk9d2a3", "3xm7c5b0", "5wl8t3q6", "8qv2n6e4"):
        assert f'data-account="{account}"' in page
    assert result.stdout == ""
    assert not list(here.root.glob(".report.html.*.part"))


def test_json_gives_the_same_data(here: Here) -> None:
    report = here.report(EXAMPLE)
    assert report["format_version"] == 1 and report["target"] == "embedded-sandbox"
    html = here.ksctl("report", EXAMPLE, "--out", "report.html")
    assert html.exit_code == 0
    page = (here.root / "report.html").read_text(encoding="utf-8")
    for row in report["accounts"]:
        assert f'data-account="{row["id"]}"' in page
        assert row["next_step"] in page
    assert report["target"] in page


def test_target_narrows_the_report(here: Here) -> None:
    out = here.root / "one.json"
    result = here.ksctl(
        "report", EXAMPLE, "--target", "3xm7c5b0", "--out", str(out), "--format", "json"
    )
    assert result.exit_code == 0
    assert [a["id"] for a in json.loads(out.read_text())["accounts"]] == ["3xm7c5b0"]


def test_problems_are_one_line_each_and_nothing_is_written(here: Here) -> None:
    bad = here.root / "bad.yaml"
    bad.write_text("version: 1\naccounts:\n  - {id: '3xk9d2a1', live: {permision: disabled}}\n")
    result = here.ksctl("report", str(bad), "--out", "report.html")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{bad}:3:")
    assert "Traceback" not in result.stderr
    assert not (here.root / "report.html").exists()
    missing = here.ksctl("report", EXAMPLE)
    assert missing.exit_code == 2 and "--out" in missing.stderr


def test_help_says_what_it_shows() -> None:
    from click.testing import CliRunner

    from ksctl.cli import cli

    text = CliRunner().invoke(cli, ["report", "--help"]).stdout
    assert "--format [html|json]" in text and "risk of loss" in text
