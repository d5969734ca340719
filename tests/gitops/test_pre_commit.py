"""The pre-commit hooks (.pre-commit-hooks.yaml) in a throwaway config repository.

`ksctl-validate-system` (ksctl on PATH) is tested always: it needs no package index.
`ksctl-validate` (language: python) makes pre-commit build a virtualenv and pip-install
ksctl from this repository, which needs a package index (for hatchling and the
dependencies): it is tested for real where one is reachable, as on CI here, and skipped,
saying so, where none is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
version: 1
defaults:
  live: {permission: disabled, closure: soft}
accounts:
  - id: "8qv2n6e4"
    name: 老王美食
"""
BAD = """\
version: 1
accounts:
  - id: "3xk9d2a1"
    live: {permision: disabled}
"""

pytestmark = pytest.mark.skipif(
    shutil.which("pre-commit") is None
    or shutil.which("ksctl") is None
    or shutil.which("git") is None,
    reason="needs pre-commit, ksctl and git",
)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def env(pre_commit_home: Path, tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "KSCTL_"))}
    clean.update(
        {
            "PRE_COMMIT_HOME": str(pre_commit_home),
            "HOME": str(tmp_path),
            "NO_COLOR": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Hook Test",
            "GIT_AUTHOR_EMAIL": "hook@example.invalid",
            "GIT_COMMITTER_NAME": "Hook Test",
            "GIT_COMMITTER_EMAIL": "hook@example.invalid",
        }
    )
    return clean


def sh(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def config_repo(tmp_path: Path, env: dict[str, str]) -> Path:
    """A config repository: one good account file, and files that are not account files."""
    repo = tmp_path / "accounts-repo"
    (repo / "accounts").mkdir(parents=True)
    (repo / "accounts" / "food.yaml").write_text(GOOD, encoding="utf-8")
    shutil.copytree(ROOT / "examples" / "gitops" / ".github", repo / ".github")
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    (repo / "README.md").write_text("# accounts\n", encoding="utf-8")
    assert sh(["git", "init", "-q", "-b", "main"], repo, env).returncode == 0
    assert sh(["git", "add", "."], repo, env).returncode == 0
    return repo


def try_repo(
    hook: str, repo: Path, env: dict[str, str], *files: str
) -> subprocess.CompletedProcess[str]:
    selection = ["--files", *files] if files else ["--all-files"]
    return sh(["pre-commit", "try-repo", str(ROOT), hook, *selection], repo, env, timeout=300)


def test_the_hooks_file_declares_both_variants() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["ksctl-validate"]["language"] == "python"
    assert hooks["ksctl-validate-system"]["language"] == "system"
    for hook in hooks.values():
        assert hook["entry"] == "ksctl validate"
        assert hook["pass_filenames"] is False  # the whole configuration: checks span files


def test_system_hook_passes_a_good_configuration(config_repo: Path, env: dict[str, str]) -> None:
    result = try_repo("ksctl-validate-system", config_repo, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_system_hook_fails_a_bad_configuration(config_repo: Path, env: dict[str, str]) -> None:
    (config_repo / "accounts" / "broken.yaml").write_text(BAD, encoding="utf-8")
    sh(["git", "add", "."], config_repo, env)
    result = try_repo("ksctl-validate-system", config_repo, env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout
    assert (
        "accounts/broken.yaml:4:12: accounts[0].live: unknown key 'permision'; "
        "did you mean 'permission'?"
    ) in result.stdout


def test_system_hook_skips_commits_without_yaml(config_repo: Path, env: dict[str, str]) -> None:
    (config_repo / "accounts" / "broken.yaml").write_text(BAD, encoding="utf-8")
    result = try_repo("ksctl-validate-system", config_repo, env, "README.md")
    assert result.returncode == 0
    assert "Skipped" in result.stdout


def test_the_hook_blocks_a_commit(config_repo: Path, env: dict[str, str]) -> None:
    """Installed as a git hook, from this repository's committed hooks file."""
    head = sh(["git", "rev-parse", "HEAD"], ROOT, env)
    shown = sh(["git", "show", "HEAD:.pre-commit-hooks.yaml"], ROOT, env)
    if head.returncode != 0 or "ksctl-validate-system" not in shown.stdout:
        pytest.skip("this checkout has no committed .pre-commit-hooks.yaml to install from")
    (config_repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump(
            {
                "repos": [
                    {
                        "repo": str(ROOT),
                        "rev": head.stdout.strip(),
                        "hooks": [{"id": "ksctl-validate-system", "args": ["accounts/"]}],
                    }
                ]
            }
        )
    )
    assert sh(["pre-commit", "install"], config_repo, env).returncode == 0
    sh(["git", "add", "."], config_repo, env)
    first = sh(["git", "commit", "-q", "-m", "good"], config_repo, env)
    assert first.returncode == 0, first.stdout + first.stderr
    (config_repo / "accounts" / "broken.yaml").write_text(BAD, encoding="utf-8")
    sh(["git", "add", "."], config_repo, env)
    second = sh(["git", "commit", "-q", "-m", "bad"], config_repo, env)
    assert second.returncode == 1
    assert "unknown key 'permision'" in second.stdout + second.stderr
    log = sh(["git", "log", "--oneline"], config_repo, env).stdout
    assert "good" in log and "bad" not in log


NO_INDEX = (
    "No matching distribution found",
    "Could not find a version",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


def test_python_hook_builds_its_environment_and_validates(
    config_repo: Path, env: dict[str, str]
) -> None:
    result = try_repo("ksctl-validate", config_repo, env)
    output = result.stdout + result.stderr
    log = Path(env["PRE_COMMIT_HOME"]) / "pre-commit.log"
    detail = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    if result.returncode != 0 and any(m in output + detail for m in NO_INDEX):
        pytest.skip(
            "no package index reachable: pre-commit cannot build a python hook "
            "environment here (ksctl-validate-system is the offline variant)"
        )
    assert result.returncode == 0, output + detail[-3000:]
    assert "Passed" in result.stdout
    (config_repo / "accounts" / "broken.yaml").write_text(BAD, encoding="utf-8")
    sh(["git", "add", "."], config_repo, env)
    failed = try_repo("ksctl-validate", config_repo, env)
    assert failed.returncode == 1
    assert "unknown key 'permision'" in failed.stdout
