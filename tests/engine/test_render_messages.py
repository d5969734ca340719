"""The text plan's last lines say what is true: nothing to do is not "no changes" when
accounts are in error."""

from __future__ import annotations

from ksctl.config.load import Config
from ksctl.engine.build import build_plan
from ksctl.render.text import render_text
from tests.engine.factory import NOW, desired


def test_a_plan_with_every_account_in_error_does_not_say_no_changes() -> None:
    accounts = (desired(id="a1"), desired(id="a2"))
    config = Config(accounts=accounts, origins={}, files=("accounts.yaml",))
    plan = build_plan(config, {}, None, target="embedded-sandbox", created_at=NOW)
    text = render_text(plan)
    assert "No changes" not in text
    assert "No action can be planned, and 2 of 2 accounts do not match the configuration." in text
    assert "2 account(s) in error, 0 blocked: apply leaves them alone." in text
