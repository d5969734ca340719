"""`ksctl confirm` appends reviewed records; refresh counts them only while they are fresh."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from ksctl.attestations.store import (
    DEFAULT_MAX_AGE,
    Attestation,
    load,
    max_age,
    parse_step,
    standing,
)
from ksctl.cli import cli
from ksctl.engine.action import ActionType
from ksctl.errors import ConfigError, KsctlError
from tests.human.conftest import Workspace

T = ActionType


def records(root: Path, account: str) -> list[Path]:
    return sorted((root / "attestations" / account).glob("*.yaml"))


def test_confirm_appends_a_record_in_the_repository_root(ws: Workspace) -> None:
    (ws.root / ".git").mkdir()  # the configuration repository
    sub = ws.root / "accounts"
    sub.mkdir()
    first = ws.ksctl("confirm", "8qv2n6e4", "disable_live", "--by", "王五", "--note", "已关闭")
    assert first.exit_code == 0, first.output
    again = ws.ksctl("confirm", "8qv2n6e4", "disable_live", "--by", "赵六")
    assert again.exit_code == 0
    made = records(ws.root, "8qv2n6e4")
    assert len(made) == 2  # appended, never overwritten
    data = yaml.safe_load(made[0].read_text())
    assert data["account"] == "8qv2n6e4" and data["action"] == "disable_live"
    assert data["by"] == "王五" and data["note"] == "已关闭"
    # Stamped with the platform's clock: the embedded sandbox's is virtual.
    assert data["at"].startswith("2026-11-25T10:00")
    assert "attested by 王五 at 2026-11-25T10:00" in first.output


def test_a_feature_step_names_its_feature_and_evidence_is_recorded_by_digest(
    ws: Workspace,
) -> None:
    shot = ws.root / "shot.png"
    shot.write_bytes(b"\x89PNG fake screenshot")
    result = ws.ksctl(
        "confirm",
        "8qv2n6e4",
        "enable_feature[short_video_tipping]",
        "--by",
        "王五",
        "--evidence",
        str(shot),
    )
    assert result.exit_code == 0, result.output
    (made,) = records(ws.root, "8qv2n6e4")
    data = yaml.safe_load(made.read_text())
    assert data["target"] == "short_video_tipping"
    assert data["evidence"]["file"] == "shot.png" and len(data["evidence"]["sha256"]) == 64
    assert "fake screenshot" not in made.read_text()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--note", "手机 138 0000 1206 收到验证码"], "phone number"),
        (["--note", "code 493021"], "SMS code"),
        (["--by", "13800001206"], "phone number"),
    ],
)
def test_confirm_refuses_a_phone_number_or_a_code(
    ws: Workspace, args: list[str], says: str
) -> None:
    base = ["confirm", "8qv2n6e4", "disable_live", "--by", "王五"]
    result = ws.runner.invoke(cli, [*base, *args])
    assert result.exit_code == 1
    assert says in result.output and len(result.output.strip().splitlines()) == 1
    assert "1206" not in result.output.replace("8qv2n6e4", "")
    assert not (ws.root / "attestations").exists()


def test_a_backup_is_proven_by_its_file_not_by_a_word() -> None:
    with pytest.raises(KsctlError, match="ksctl evidence add ACCOUNT interactions FILE"):
        parse_step("export_interactions")
    with pytest.raises(KsctlError, match="needs the feature"):
        parse_step("enable_feature")
    with pytest.raises(KsctlError, match="unknown step"):
        parse_step("close_everything")
    assert parse_step("disable_feature[shopping_cart]") == (T.disable_feature, "shopping_cart")


def _attestation(at: object, **over: object) -> Attestation:
    data = {"account": "a1", "action": "disable_live", "by": "王五", "at": at, **over}
    return Attestation.model_validate(data)


def test_an_attestation_counts_until_it_is_too_old_and_never_from_the_future() -> None:
    from tests.engine.factory import NOW

    made = _attestation(NOW)
    assert standing([made], T.disable_live, None, NOW + timedelta(days=29), DEFAULT_MAX_AGE).current
    late = standing([made], T.disable_live, None, NOW + timedelta(days=31), DEFAULT_MAX_AGE)
    assert late.current is None and late.expired == made
    ahead = _attestation(NOW + timedelta(days=2))
    said = standing([made, ahead], T.disable_live, None, NOW, DEFAULT_MAX_AGE)
    assert said.current == made and said.future == ahead
    assert standing([made], T.enable_live, None, NOW, DEFAULT_MAX_AGE).current is None


def test_the_maximum_age_is_configurable() -> None:
    assert max_age({}) == timedelta(days=30)
    assert max_age({"KSCTL_ATTESTATION_MAX_AGE": "7d"}) == timedelta(days=7)
    assert max_age({"KSCTL_ATTESTATION_MAX_AGE": "12h"}) == timedelta(hours=12)
    with pytest.raises(KsctlError, match="30d"):
        max_age({"KSCTL_ATTESTATION_MAX_AGE": "soon"})


def test_a_broken_record_is_located_and_a_misfiled_one_refused(tmp_path: Path) -> None:
    folder = tmp_path / "attestations" / "a1"
    folder.mkdir(parents=True)
    (folder / "x.yaml").write_text("account: a1\naction: close_all\nby: x\nat: 2026-11-25\n")
    with pytest.raises(ConfigError) as caught:
        load(tmp_path)
    assert "x.yaml:2:9" in str(caught.value)
    (folder / "x.yaml").write_text(
        "account: b2\naction: disable_live\nby: x\nat: 2026-11-25T10:00:00+08:00\n"
    )
    with pytest.raises(KsctlError, match="filed under a1"):
        load(tmp_path)
