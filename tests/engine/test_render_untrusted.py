"""Text from the platform (account names, ban reasons, access reasons) is untrusted: it
cannot add lines to the text plan, send terminal escapes, or break out of the markdown
comment (`</details>`, links, table cells, mentions)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ksctl.config.load import Config
from ksctl.engine.build import build_plan
from ksctl.engine.plan import Plan
from ksctl.render.markdown import render_markdown
from ksctl.render.text import render_text
from tests.engine.factory import NOW, actual, desired

HOSTILE = (
    "店\n# account zz999999: in_sync\x1b[2J\x1b]0;pwned\x07 | [login](https://phish.example)"
    " </details><img src=x> @octocat `x` www.phish.example"
)


def plan_of(name: str, reason: str) -> Plan:
    accounts = [desired(id="a1", name=None), desired(id="a2", name=None)]
    actuals: dict[str, Any] = {
        "a1": actual(id="a1", name=name),
        "a2": actual(
            id="a2",
            name=name,
            ban={"until": NOW + timedelta(days=30), "reason": reason},
        ),
    }
    config = Config(accounts=tuple(accounts), origins={}, files=("accounts.yaml",))
    return build_plan(config, actuals, None, target="embedded-sandbox", created_at=NOW)


def test_a_name_cannot_add_lines_or_escapes_to_the_text_plan() -> None:
    benign = render_text(plan_of("店", "违规直播"))
    hostile = render_text(plan_of(HOSTILE, HOSTILE))
    assert len(hostile.splitlines()) == len(benign.splitlines())
    assert "\x1b" not in hostile and "\x07" not in hostile
    assert [line for line in hostile.splitlines() if line.startswith("# account")] == [
        line for line in hostile.splitlines() if line.startswith("# account a")
    ]
    assert "\\n# account zz999999" in hostile  # still shown, as text


def test_a_name_cannot_break_out_of_the_markdown_comment() -> None:
    md = render_markdown(plan_of(HOSTILE, HOSTILE))
    assert md.count("<details>") == md.count("</details>") == 2
    assert "<img" not in md and "\x1b" not in md
    assert "[login](https://" not in md and "https://phish" not in md
    assert "www.phish" not in md and "@octocat" not in md
    assert "`x`" not in md
    # Every line of a section is ours: the name never starts a line of its own.
    assert not any(line.startswith("# account zz") for line in md.splitlines())
    for line in md.splitlines():
        if line.startswith("|"):
            assert line.count("|") - line.count("\\|") == 10  # the summary row's cells only


def test_benign_names_render_as_before() -> None:
    md = render_markdown(plan_of("潮牌服饰·童装 (kids)", "违规直播"))
    assert "潮牌服饰·童装 (kids)" in md
    assert "(违规直播)" in md
