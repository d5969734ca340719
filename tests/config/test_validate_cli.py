"""`ksctl validate`: exit codes and the exact one-line errors of every broken fixture."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ksctl.cli import cli
from tests.conftest import FIXTURES

BROKEN = sorted(p.name for p in (FIXTURES / "config" / "broken").iterdir())


@pytest.mark.parametrize("name", BROKEN)
def test_broken_fixture_fails_with_located_one_line_errors(
    name: str, in_repo: Path, snapshot: object
) -> None:
    path = f"tests/fixtures/config/broken/{name}"
    result = CliRunner().invoke(cli, ["validate", path])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines, "an error must be reported"
    for line in lines:
        file, lineno, col, message = line.split(":", 3)
        assert file.startswith(path)
        assert int(lineno) >= 1 and int(col) >= 1
        assert message.strip()
    assert result.stderr == snapshot


def test_example_is_valid(in_repo: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "examples/accounts.yaml"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "ok: 6 account(s) in 1 file\n"


def test_folder_of_files_is_one_config(in_repo: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "tests/fixtures/config/good/split"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "ok: 3 account(s) in 2 files\n"


def test_missing_path_is_an_error(in_repo: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "no/such/file.yaml"])
    assert result.exit_code == 1
    assert result.stderr == "no/such/file.yaml:1:1: no such file or folder\n"


def test_warnings_do_not_fail(tmp_path: Path) -> None:
    config = tmp_path / "a.yaml"
    config.write_text(
        'version: 1\naccounts:\n  - id: "a1"\n'
        '    live: {copyright_proof: "x"}\n'
        "    backups: {destination: backups/here}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["validate", str(config)])
    assert result.exit_code == 0
    assert "warning: account a1: copyright_proof is only used by closure: hard" in result.stderr
    assert "warning: account a1: backups hold viewers' data" in result.stderr


def test_console_script_prints_no_traceback(in_repo: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ksctl.cli", "validate", "tests/fixtures/config/broken/binary.yaml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr == (
        "tests/fixtures/config/broken/binary.yaml:1:1: binary file, not YAML text\n"
    )


def _commands(
    group: click.Group, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # lazy commands too (imported by get_command)
        command = group.get_command(ctx, name)
        assert command is not None, name
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def test_help_for_every_command_and_subcommand() -> None:
    runner = CliRunner()
    seen = []
    for path, command in _commands(cli):
        seen.append(" ".join(path))
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        assert command.help and command.help.strip(), f"{path} has no help text"
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help or (param.is_flag and param.name == "help"), (path, param.name)
    assert {"plan", "apply", "sandbox seed", "sandbox clock"} <= set(seen)


def test_start_up_does_not_load_the_sandbox_server() -> None:
    """`ksctl validate` and `--help` never need FastAPI: it loads only with the sandbox app."""
    import subprocess
    import sys

    code = (
        "import sys, ksctl.cli; ksctl.cli._register_optional(); "
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'deepdiff') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[]"


def test_help_lists_the_lazy_commands_with_their_own_help_and_imports_none() -> None:
    """`ksctl --help` names the subsystems' commands without importing them (the sandbox
    brings httpx, pydantic and its world models); each one-line help is the command's own."""
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from ksctl.cli import cli; "
        "out = CliRunner().invoke(cli, ['--help']).output; "
        "print(sorted(m for m in ('httpx', 'pydantic', 'ksctl.sandbox.store', "
        "'ksctl.attestations.store') if m in sys.modules)); print(out)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    loaded, _, listing = out.partition("\n")
    assert loaded == "[]"
    from ksctl.cli import KsctlGroup, cli

    ctx = click.Context(cli)
    for name, (_, short) in KsctlGroup.lazy.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.get_short_help_str(1000) == short
        assert f"  {name} " in listing
