"""A world of one's own, with its own app id and secret, plans and applies on the embedded
sandbox with nothing configured: the sandbox acts as the world's first app and says so."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ksctl.cli import cli
from ksctl.compose import resolve_target
from ksctl.sandbox.embedded import demo_world, embedded_store

CONFIG = """\
version: 1
accounts:
  - id: "8qv2n6e4"
    schedules: cleared
    monetization: {short_video_tipping: enabled}
"""


def own_world(tmp_path: Path) -> Path:
    world = demo_world().model_dump(mode="json")
    world["apps"] = [
        {**app, "app_id": f"agency_{i}", "app_secret": f"agency-secret-{i}"}
        for i, app in enumerate(world["apps"])
    ]
    path = tmp_path / "my-world.yaml"
    path.write_text(yaml.safe_dump(world, allow_unicode=True), encoding="utf-8")
    return path


def test_a_world_with_its_own_app_plans_and_applies_with_nothing_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("KSCTL_ENDPOINT", "KSCTL_APP_ID", "KSCTL_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    seeded = runner.invoke(cli, ["sandbox", "seed", str(own_world(tmp_path))])
    assert seeded.exit_code == 0, seeded.output
    (tmp_path / "accounts.yaml").write_text(CONFIG, encoding="utf-8")

    planned = runner.invoke(cli, ["plan", "accounts.yaml", "--detailed-exitcode"])
    assert planned.exit_code == 2, planned.output
    assert "refused the app credentials" not in planned.output
    assert "as app agency_0 " in planned.stderr and "agency-secret" not in planned.output

    applied = runner.invoke(cli, ["apply", "accounts.yaml", "--auto-approve"])
    assert applied.exit_code == 0, applied.output
    writes = embedded_store(tmp_path).writes()
    assert writes and {w["app_id"] for w in writes} == {"agency_0"}

    again = runner.invoke(cli, ["plan", "accounts.yaml", "--detailed-exitcode"])
    assert again.exit_code == 0, again.output


def test_reseeding_a_world_without_apps_forgets_the_last_ones(tmp_path: Path) -> None:
    store = embedded_store(tmp_path)
    assert store.first_app() == ("demo_app", "demo_secret")
    store.seed(demo_world().model_copy(update={"apps": []}))
    assert store.first_app() is None
    target = resolve_target({}, tmp_path)  # falls back to the demo app: refused, clearly
    assert target.app_id == "demo_app"
