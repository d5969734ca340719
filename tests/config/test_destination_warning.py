"""The warning about a backup destination inside the working directory says so only when
it is true: paths are normalized first (`.ksctl/../x` is `x`, `../outside` is outside)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ksctl.cli import cli


def warnings_for(tmp_path: Path, destination: str) -> list[str]:
    config = tmp_path / "a.yaml"
    config.write_text(
        f'version: 1\naccounts:\n  - id: "a1"\n    backups: {{destination: "{destination}"}}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["validate", str(config)])
    assert result.exit_code == 0
    return [line for line in result.stderr.splitlines() if "warning:" in line]


@pytest.mark.parametrize(
    "destination", ["../outside", "../../srv/backups", "./.ksctl/backups", ".ksctl/b/../c"]
)
def test_not_inside_means_no_warning(tmp_path: Path, destination: str) -> None:
    assert warnings_for(tmp_path, destination) == []


@pytest.mark.parametrize(
    "destination, shown",
    [
        (".ksctl/../x", "'.ksctl/../x' (that is 'x')"),
        ("backups/../b", "'backups/../b' (that is 'b')"),
        ("backups", "'backups'"),
    ],
)
def test_inside_is_warned_about_as_written_and_as_meant(
    tmp_path: Path, destination: str, shown: str
) -> None:
    [line] = warnings_for(tmp_path, destination)
    assert f"backups hold viewers' data; {shown} is inside the working directory" in line
