"""The recipe publishes the fleet report: built after apply and drift, uploaded as the
artifact `ksctl-report`, linked from the job summary."""

from __future__ import annotations

import shutil

from tests.gitops.test_workflow_steps import Runner, runner, step, workflow  # noqa: F401


def test_apply_and_drift_build_the_report_and_link_it(runner: Runner) -> None:  # noqa: F811
    code, out, log = runner.run("ksctl-plan.yml", "plan")
    reviewed = runner.workspace / "reviewed"
    reviewed.mkdir()
    shutil.copy(runner.workspace / "plan.json", reviewed / "plan.json")
    runner.run("ksctl-apply.yml", "apply", APPLY_ARGS="reviewed/plan.json")
    for name in ("ksctl-apply.yml", "ksctl-drift.yml"):
        (runner.workspace / "report.html").unlink(missing_ok=True)
        code, out, log = runner.run(name, "report")
        assert code == 0, log
        assert out["built"] == "true"
        assert (
            out["counts"].startswith("2 account(s) (")
            and "waiting on the platform" in out["counts"]
        ), out
        page = (runner.workspace / "report.html").read_text(encoding="utf-8")
        assert page.startswith("<!doctype html>") and 'data-account="8qv2n6e4"' in page
        code, _, log = runner.run(
            name,
            "link-report",
            REPORT_URL="https://example.invalid/artifacts/1",
            COUNTS=out["counts"],
        )
        assert code == 0, log
        summary = (runner.workspace / "github_step_summary").read_text(encoding="utf-8")
        assert "**[The fleet report](https://example.invalid/artifacts/1)**" in summary


def test_a_report_that_cannot_be_built_warns_and_fails_nothing(runner: Runner) -> None:  # noqa: F811
    (runner.workspace / "accounts" / "agency.yaml").write_text("version: 2\n")
    code, out, log = runner.run("ksctl-apply.yml", "report")
    assert code == 0 and out == {}, log
    assert "::warning title=ksctl report::the report could not be built" in log


def test_the_report_is_uploaded_and_linked_only_once_built() -> None:
    for name in ("ksctl-apply.yml", "ksctl-drift.yml"):
        upload = step(name, "upload-report")
        assert upload["uses"].startswith("actions/upload-artifact@")
        assert upload["with"]["name"] == "ksctl-report" and upload["if"].endswith(
            "steps.report.outputs.built == 'true'"
        )
        link = step(name, "link-report")
        assert link["env"]["REPORT_URL"] == "${{ steps.upload-report.outputs.artifact-url }}"
    assert workflow("ksctl-apply.yml")  # still a valid document
