"""The recipe's own shell steps, run with bash against the embedded sandbox.

GitHub runs a `run:` step as `bash --noprofile --norc -eo pipefail` (the workflows set
`shell: bash`), with GITHUB_OUTPUT and GITHUB_STEP_SUMMARY naming files. Here the same
scripts run in the same way, so that what the workflows do with ksctl's exit codes (3 is
"scheduled to resume", 4 fails, 2 is drift) is tested, not only linted. Steps that talk to
GitHub (`gh`, actions) are left to actionlint.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "examples" / "gitops"
WORKFLOWS = RECIPE / ".github" / "workflows"

pytestmark = pytest.mark.skipif(shutil.which("ksctl") is None, reason="needs the ksctl script")


def workflow(name: str) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def step(name: str, step_id: str) -> dict:  # type: ignore[type-arg]
    for job in workflow(name)["jobs"].values():
        for s in job["steps"]:
            if s.get("id") == step_id:
                return s
    raise AssertionError(f"{name} has no step {step_id}")


class Runner:
    """Runs steps in one workspace (a checkout of the example config repository)."""

    def __init__(self, workspace: Path, bucket: Path) -> None:
        self.workspace = workspace
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KSCTL_")}
        self.env.update(
            {
                "CI": "true",
                "NO_COLOR": "1",
                "KSCTL_CONFIG": "accounts/",
                "GITHUB_WORKSPACE": str(workspace),
            }
        )
        self.bucket = bucket

    def run(self, workflow_name: str, step_id: str, **env: str) -> tuple[int, dict[str, str], str]:
        script = step(workflow_name, step_id)["run"]
        assert "${{" not in script, "expressions go through env:, never into the script"
        output = self.workspace / "github_output"
        output.write_text("")
        summary = self.workspace / "github_step_summary"
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=self.workspace,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={
                **self.env,
                "GITHUB_OUTPUT": str(output),
                "GITHUB_STEP_SUMMARY": str(summary),
                **env,
            },
        )
        outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if line)
        return result.returncode, outputs, result.stdout + result.stderr

    def ksctl(self, *args: str) -> None:
        subprocess.run(
            ["ksctl", *args],
            cwd=self.workspace,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=60,
        )


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    workspace = tmp_path / "workspace"
    shutil.copytree(RECIPE, workspace)
    bucket = tmp_path / "bucket"  # stands in for s3://: durable, outside the workspace
    config = workspace / "accounts" / "agency.yaml"
    text = config.read_text(encoding="utf-8")
    assert "destination: s3://" in text
    config.write_text(
        re.sub(r"destination: s3://\S+", f"destination: file://{bucket}", text), encoding="utf-8"
    )
    return Runner(workspace, bucket)


def test_pull_request_then_merge_then_resume_then_drift(runner: Runner) -> None:
    # Pull request: validate, plan (saved plan + Markdown), the comment.
    code, _, log = runner.run("ksctl-plan.yml", "validate")
    assert code == 0, log
    code, out, log = runner.run("ksctl-plan.yml", "plan")
    assert (code, out) == (0, {"exitcode": "0"}), log
    assert (runner.workspace / "plan.json").is_file()
    plan_md = (runner.workspace / "plan.md").read_text(encoding="utf-8")
    assert plan_md.startswith("## ksctl plan")
    assert "in a CI workspace" not in plan_md  # the backups go to a durable destination
    code, _, log = runner.run(
        "ksctl-plan.yml",
        "comment",
        HEAD_SHA="abc123",
        RUN_URL="https://example.invalid/run/1",
        PLAN_EXIT="0",
    )
    assert code == 0, log
    comment = (runner.workspace / "comment.md").read_text(encoding="utf-8")
    assert comment.startswith("<!-- ksctl-plan -->\n## ksctl plan")
    assert "abc123" in comment and "ksctl-plan" in comment

    # After the merge: the reviewed plan, downloaded as the artifact into reviewed/.
    reviewed = runner.workspace / "reviewed"
    reviewed.mkdir()
    shutil.copy(runner.workspace / "plan.json", reviewed / "plan.json")
    code, out, log = runner.run("ksctl-apply.yml", "apply", APPLY_ARGS="reviewed/plan.json")
    assert (code, out) == (0, {"state": "resume"}), log  # exit 3 is not a failure
    assert "::notice title=ksctl apply::work left (exit 3): scheduled to resume" in log
    assert (runner.workspace / "apply.log").is_file()
    assert any(runner.bucket.rglob("*.manifest.json"))  # backups landed off the runner

    # The same plan again is stale: refused before any write, and the step fails.
    code, out, log = runner.run("ksctl-apply.yml", "apply", APPLY_ARGS="reviewed/plan.json")
    assert code == 4 and out == {}, log
    assert "::error title=ksctl apply::refused before any write (exit 4)" in log

    # While the apply waits on the platform, the drift check sees changes left (exit 2).
    code, out, log = runner.run("ksctl-drift.yml", "check")
    assert (code, out) == (0, {"drift": "true"}), log

    # The hourly resume, once the platform has done its part (the sandbox's clock).
    runner.ksctl("sandbox", "clock", "--advance", "49h")
    code, out, log = runner.run("ksctl-apply.yml", "apply", APPLY_ARGS="accounts/ --auto-approve")
    assert (code, out) == (0, {"state": "converged"}), log

    # Converged: no drift.
    code, out, log = runner.run("ksctl-drift.yml", "check")
    assert (code, out) == (0, {"drift": "false"}), log
    assert (runner.workspace / "github_step_summary").read_text(encoding="utf-8")


def test_a_plan_error_is_posted_then_fails_the_check(runner: Runner) -> None:
    config = runner.workspace / "accounts" / "agency.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('"5wl8t3q6"', '"zz404"'), encoding="utf-8"
    )
    code, out, log = runner.run("ksctl-plan.yml", "plan")
    assert code == 0 and out["exitcode"] != "0", log
    code, _, log = runner.run(
        "ksctl-plan.yml", "comment", HEAD_SHA="abc", RUN_URL="u", PLAN_EXIT=out["exitcode"]
    )
    assert code == 0, log
    assert "this plan cannot be applied" in (runner.workspace / "comment.md").read_text()


def test_an_invalid_configuration_fails_validation(runner: Runner) -> None:
    config = runner.workspace / "accounts" / "agency.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("closure: soft", "closure: hard"))
    code, _, log = runner.run("ksctl-plan.yml", "validate")
    assert code == 1
    assert "needs live.copyright_proof" in log


def test_the_workflows_keep_their_promises() -> None:
    plan, apply, drift = (
        workflow(n) for n in ("ksctl-plan.yml", "ksctl-apply.yml", "ksctl-drift.yml")
    )
    # PyYAML reads the key `on` as True (YAML 1.1).
    assert "pull_request" in plan[True]
    assert set(apply[True]) == {"push", "schedule", "workflow_dispatch"}
    assert set(drift[True]) == {"schedule", "workflow_dispatch"}
    # Two applies never overlap, and a running one is never cancelled.
    assert apply["concurrency"] == {"group": "ksctl-apply", "cancel-in-progress": False}
    for wf in (plan, apply, drift):
        assert wf["env"]["KSCTL_APP_ID"] == "${{ secrets.KSCTL_APP_ID }}"
        assert wf["env"]["KSCTL_APP_SECRET"] == "${{ secrets.KSCTL_APP_SECRET }}"
    # No credential is written into the repository's files.
    for path in RECIPE.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert "demo_secret" not in text
            for line in text.splitlines():
                if "KSCTL_APP_SECRET:" in line:
                    assert "secrets.KSCTL_APP_SECRET" in line
