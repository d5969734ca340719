"""The world seed format (the world format) is a contract: the documented example loads, errors
point at the line."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from ksctl.errors import ConfigError
from ksctl.sandbox.clock import SHANGHAI
from ksctl.sandbox.embedded import demo_world
from ksctl.sandbox.world import load_world

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "accounts.yaml"
ONE_LINE = re.compile(r"^.+:\d+:\d+: \S.*$")


def test_design_example_loads_verbatim() -> None:
    world = load_world(FIXTURES / "design_example.yaml")
    assert world.platform.now == datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
    assert world.platform.faults.seed == 1
    (account,) = world.accounts
    assert account.id == "3xk9d2a1" and account.kind == "enterprise"
    assert account.schedules[0].start_at.isoformat() == "2026-12-01T20:00:00+08:00"
    assert account.replays[0].size_bytes == 1048576
    assert world.apps[0].admin_orgs == ["org_fashion"]


def test_optional_fields_have_defaults() -> None:
    world = load_world(FIXTURES / "design_example.yaml")
    assert world.platform.export_delay_minutes == 0
    assert world.apps[0].accounts == []


def test_a_bare_date_means_the_end_of_that_day(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        'platform: {now: "2026-11-25T10:00:00+08:00"}\n'
        "accounts:\n"
        "  - id: a1\n"
        "    kind: personal\n"
        "    live: {permission: enabled}\n"
        '    contract: {mcn: m, min_live_hours_per_month: 60, until: "2027-03-31"}\n'
        "    ban: {until: 2026-12-01}\n",
        encoding="utf-8",
    )
    account = load_world(path).accounts[0]
    assert account.contract is not None
    assert account.contract.until.isoformat() == "2027-03-31T23:59:59+08:00"
    assert account.ban is not None and account.ban.until.isoformat() == "2026-12-01T23:59:59+08:00"


def test_secrets_and_phones_stay_out_of_reprs() -> None:
    world = load_world(FIXTURES / "design_example.yaml")
    text = repr(world)
    assert "demo_secret" not in text and "13800001234" not in text


@pytest.mark.parametrize(
    ("name", "line", "fragment"),
    [
        ("syntax.yaml", 7, "invalid YAML"),
        ("unknown_key.yaml", 7, "colour"),
        ("bad_kind.yaml", 5, "kind"),
        ("unknown_parent.yaml", 6, "parent 'nobody'"),
        ("duplicate_account.yaml", 5, "duplicate account id 'a1'"),
        ("bad_rate.yaml", 3, "error_rate"),
        ("not_a_mapping.yaml", 1, "mapping"),
    ],
)
def test_broken_worlds_give_one_line_errors(name: str, line: int, fragment: str) -> None:
    path = FIXTURES / "broken" / name
    with pytest.raises(ConfigError) as caught:
        load_world(path)
    problems = caught.value.problems
    assert problems
    for problem in problems:
        text = str(problem)
        assert ONE_LINE.match(text), text
        assert "\n" not in text
    first = problems[0]
    assert first.file == str(path)
    assert first.line == line, str(first)
    assert fragment in first.message


def test_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_world(tmp_path / "absent.yaml")
    assert ONE_LINE.match(str(caught.value.problems[0]))


def test_demo_world_matches_the_example_configuration() -> None:
    config = yaml.safe_load(EXAMPLES.read_text(encoding="utf-8"))
    wanted = {a["id"]: a["name"] for a in config["accounts"]}
    world = demo_world()
    assert {a.id: a.name for a in world.accounts} == wanted
    by_id = {a.id: a for a in world.accounts}
    assert by_id["3xk9d2a1"].kind == "enterprise"
    assert by_id["3xk9d2a2"].parent == by_id["3xk9d2a3"].parent == "3xk9d2a1"
    assert by_id["3xm7c5b0"].contract is not None
    assert by_id["5wl8t3q6"].kind == "institution"
    assert by_id["5wl8t3q6"].org in world.apps[0].admin_orgs
    assert all(re.fullmatch(r"138000012\d\d", a.phone or "") for a in world.accounts)
    assert world.apps[0].app_id == "demo_app" and world.apps[0].app_secret == "demo_secret"


def test_a_world_larger_than_a_configuration_may_be_loads(tmp_path: Path) -> None:
    # A world cannot be split across files: 100,000 accounts of the benchmark's are 60 MB.
    from ksctl.yamlio import MAX_BYTES

    padding = b"# schedules and replays of many accounts\n" * (MAX_BYTES // 40 + 1)
    path = tmp_path / "world.yaml"
    path.write_bytes((FIXTURES / "design_example.yaml").read_bytes() + padding)
    assert path.stat().st_size > MAX_BYTES
    assert [a.id for a in load_world(path).accounts] == ["3xk9d2a1"]
