"""`ksctl plan`, `show` and `import` through the command line, against the sandbox."""

from __future__ import annotations

import collections
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ksctl.app.plan import make_plan
from ksctl.cli import cli
from ksctl.engine.build import PlanOptions
from ksctl.progress import RefreshBar
from ksctl.sandbox.world import World
from tests.conftest import ROOT
from tests.engine.scenario import SCENARIOS, seed


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("KSCTL_ENDPOINT", "KSCTL_APP_ID", "KSCTL_APP_SECRET", "CI", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def ksctl(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def example() -> str:
    return str(ROOT / "examples" / "accounts.yaml")


def test_first_plan_works_with_nothing_configured(here: Path) -> None:
    result = ksctl("plan", example())
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("ksctl: no KSCTL_ENDPOINT set; using the embedded sandbox")
    assert len(result.stderr.splitlines()) == 1
    assert "Plan: 45 actions on 6 of 6 accounts" in result.stdout
    assert "\x1b[" not in result.stdout  # piped: no colour


def test_detailed_exitcode_and_errors(here: Path) -> None:
    assert ksctl("plan", example(), "--detailed-exitcode").exit_code == 2
    seed(here, SCENARIOS / "in_sync" / "world.yaml")
    in_sync = str(SCENARIOS / "in_sync" / "accounts.yaml")
    assert ksctl("plan", in_sync, "--detailed-exitcode").exit_code == 0
    seed(here, SCENARIOS / "blocking" / "world.yaml")
    result = ksctl("plan", str(SCENARIOS / "blocking" / "accounts.yaml"))
    assert result.exit_code == 1
    assert "# account gone0001: error" in result.stdout  # the whole plan is still printed


def test_target_narrows_the_plan(here: Path) -> None:
    result = ksctl("plan", example(), "--target", "8qv2n6e4", "--format", "json")
    data = json.loads(result.stdout)
    assert [a["id"] for a in data["accounts"]] == ["8qv2n6e4"]
    unknown = ksctl("plan", example(), "--target", "nope1234")
    assert unknown.exit_code == 1
    assert unknown.stderr.splitlines()[-1] == (
        "ksctl: error: --target nope1234: not in the configuration"
    )


def test_saved_plan_shows_the_same_in_every_format(here: Path) -> None:
    saved = ksctl("plan", example(), "--out", "plan.json")
    for fmt in ("text", "markdown", "json"):
        shown = ksctl("show", "plan.json", "--format", fmt)
        assert shown.exit_code == 0
        if fmt == "text":
            assert shown.stdout == saved.stdout
    assert json.loads(Path("plan.json").read_text())["checksum"].startswith("sha256:")


def test_show_refuses_what_is_not_a_plan(here: Path) -> None:
    Path("bad.json").write_text("{not json", encoding="utf-8")
    result = ksctl("show", "bad.json")
    assert result.exit_code == 1
    assert result.stderr == "bad.json:1:2: not a ksctl plan file (not JSON)\n"


def test_colour_only_when_asked_and_allowed() -> None:
    from ksctl.render.text import render_text
    from tests.engine.scenario import CREATED  # noqa: F401  (same fixtures)

    plan = _demo_plan()
    assert "\x1b[" in render_text(plan, color=True)
    assert "\x1b[" not in render_text(plan, color=False)


def _demo_plan():  # type: ignore[no-untyped-def]
    import tempfile

    from tests.engine.scenario import plan_scenario

    with tempfile.TemporaryDirectory() as tmp:
        return plan_scenario("hard_closure", Path(tmp)).plan


def test_import_prints_config_that_validates_and_plans_to_no_change(here: Path) -> None:
    ids = ["3xk9d2a1", "3xm7c5b0", "5wl8t3q6", "8qv2n6e4"]
    result = ksctl("import", *ids)
    assert result.exit_code == 0, result.stderr
    assert "13800001" not in result.stdout  # no phone number
    Path("imported.yaml").write_text(result.stdout, encoding="utf-8")
    assert [a["id"] for a in yaml.safe_load(result.stdout)["accounts"]] == ids
    assert ksctl("validate", "imported.yaml").exit_code == 0
    planned = ksctl("plan", "imported.yaml", "--detailed-exitcode")
    assert planned.exit_code == 0, planned.stdout
    assert "No changes: 4 accounts match the configuration." in planned.stdout


def test_import_of_unknown_account_is_an_error(here: Path) -> None:
    result = ksctl("import", "zzzz9999")
    assert result.exit_code == 1
    assert (
        result.stderr.splitlines()[-1] == "ksctl: error: no such account on the platform: zzzz9999"
    )


def test_refreshing_1000_accounts_costs_one_read_per_batch(here: Path) -> None:
    n = 1000
    world = World.model_validate(
        {
            "platform": {"now": "2026-11-25T10:00:00+08:00", "read_rate_per_second": 1000},
            "apps": [
                {
                    "app_id": "demo_app",
                    "app_secret": "demo_secret",
                    "accounts": [f"a{i:05d}" for i in range(n)],
                }
            ],
            "accounts": [
                {
                    "id": f"a{i:05d}",
                    "kind": "personal",
                    "live": {"permission": "enabled"},
                    "replays": [
                        {"id": "r1", "recorded_at": "2026-11-01T20:00:00+08:00", "size_bytes": 10}
                    ],
                }
                for i in range(n)
            ],
        }
    )
    store = seed(here, world)
    Path("big.yaml").write_text(
        "version: 1\ndefaults: {live: {permission: disabled}, backups: {replays: present}}\n"
        "accounts:\n" + "".join(f"  - id: a{i:05d}\n" for i in range(n)),
        encoding="utf-8",
    )
    result = ksctl("plan", "big.yaml", "--max-close-count", "5000", "--max-close-share", "1")
    assert result.exit_code == 0, result.stderr
    reads = collections.Counter(r["operation"] for r in store.request_log() if r["kind"] == "read")
    batch = 200
    assert reads.pop("list_accounts") <= -(-n // batch)
    assert sum(reads.values()) <= 1, reads  # the quota read; nothing per account

    heard: list[tuple[int, int]] = []
    make_plan(
        ["big.yaml"],
        progress=lambda done, total: heard.append((done, total)),
        options=PlanOptions(1.0, 5000),
    )
    assert [d for d, _ in heard] == sorted(d for d, _ in heard)  # never goes back
    assert heard[-1] == (n, n) and len(heard) == -(-n // batch)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("total", "tty", "drawn"), [(1000, True, True), (1000, False, False), (200, True, False)]
)
def test_refresh_bar_only_for_large_refreshes_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, total: int, tty: bool, drawn: bool
) -> None:
    err = _Terminal() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with RefreshBar() as bar:
        for done in range(200, total + 1, 200):
            bar(done, total)
    assert ("reading accounts" in err.getvalue()) is drawn
    if drawn:
        assert f"{total}/{total}" in err.getvalue()


def test_plan_reads_time_from_the_platform_clock(here: Path) -> None:
    from datetime import timedelta

    from ksctl.sandbox.embedded import embedded_store

    embedded_store(here).advance(timedelta(days=100))  # the virtual clock: 2027-03-05
    result = ksctl("plan", example(), "--target", "8qv2n6e4")
    assert "exportable until 2027-04-04" in result.stdout


def test_local_backups_in_a_ci_workspace_are_warned_about(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = ksctl("plan", example(), "--target", "8qv2n6e4")
    assert (
        "warning: backups go to the local folder .ksctl/backups in a CI workspace, which is "
        "thrown away after the run: use a durable destination (an fsspec URL)"
    ) in result.stdout
