"""One measurement in its own process: `python -m benchmarks.worker SPEC_JSON`.

SPEC is a JSON object: `kind` (load, plan or apply), `config`, `workdir`, `db` (the sandbox
file whose request log is counted), `env` (the KSCTL_* target; empty for the embedded
sandbox), `out` (where the result JSON goes), `n` (accounts, apply only: it seeds its own
world). Imports happen before the clock starts: the figures are the work, not the start-up.
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ksctl.config import load_config
from ksctl.engine.build import PlanOptions
from ksctl.sandbox.store import Store

# Nothing here is refused as unsafe: the benchmark closes live on every account on purpose.
OPTIONS = PlanOptions(max_close_share=1.0, max_close_count=10**9)


def peak_rss_mb() -> float:
    """This process's peak resident set size (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def _last_seq(store: Store) -> int:
    log = store.request_log()
    return log[-1]["seq"] if log else 0


def _calls_since(store: Store, seq: int) -> dict[str, Any]:
    """Requests answered since `seq`: `calls` counts them by `kind:operation` (e.g.
    `read:get_quota`), `refused` by kind those refused (a `result` other than 1, e.g. 400002
    over the rate: refusals are HTTP 200, so the status does not tell)."""
    log = [r for r in store.request_log() if r["seq"] > seq]
    return {
        "calls": dict(Counter(f"{r['kind']}:{r['operation']}" for r in log)),
        "refused": dict(Counter(r["kind"] for r in log if r["result"] != 1)),
    }


def measure_load(spec: dict[str, Any]) -> dict[str, Any]:
    start = time.perf_counter()
    config = load_config([spec["config"]])
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "accounts": len(config.accounts)}


def measure_csafe(spec: dict[str, Any]) -> dict[str, Any]:
    """A bare load of the same file with PyYAML's C loader: no marks, no checks, no models."""
    import yaml

    start = time.perf_counter()
    text = Path(spec["config"]).read_text(encoding="utf-8")
    data = yaml.load(text, Loader=yaml.CSafeLoader)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "accounts": len(data["accounts"])}


def measure_plan(spec: dict[str, Any]) -> dict[str, Any]:
    from ksctl.app.plan import make_plan

    if not spec["env"]:  # the in-process sandbox (its FastAPI app loads lazily): imported
        from ksctl.sandbox import app, embedded  # noqa: F401  now, not on the clock

    store = Store(Path(spec["db"]))
    before = _last_seq(store)
    start = time.perf_counter()
    planned = make_plan(
        [spec["config"]], workdir=Path(spec["workdir"]), env=spec["env"], options=OPTIONS
    )
    seconds = time.perf_counter() - start
    rss = peak_rss_mb()
    summary = planned.plan.summary
    return {
        "seconds": seconds,
        "peak_rss_mb": rss,
        **_calls_since(store, before),
        "accounts": summary.accounts,
        "actions": summary.actions,
        "write_calls": summary.write_calls,
        "errors": summary.errors,
    }


def measure_apply(spec: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.worlds import workspace
    from ksctl.app.plan import make_plan
    from ksctl.cli import run_apply
    from ksctl.engine.planfile import save_plan
    from ksctl.sandbox import app, embedded  # noqa: F401  imported now, not on the clock

    workdir = Path(spec["workdir"])
    db, config = workspace(workdir, spec["n"])
    store = Store(db)
    start = time.perf_counter()
    plan = make_plan([str(config)], workdir=workdir, env={}, options=OPTIONS).plan
    plan_seconds = time.perf_counter() - start
    plan_file = workdir / "plan.json"
    save_plan(plan, plan_file)
    if spec.get("faults"):  # after the plan's refresh: only the apply meets them
        store.configure(faults=spec["faults"])
    before = _last_seq(store)
    shown = io.StringIO()  # the plan and the progress lines: not this benchmark's output
    start = time.perf_counter()
    with contextlib.redirect_stdout(shown), contextlib.redirect_stderr(shown):
        # The embedded target reads SMS codes from the sandbox's inbox by itself.
        exit_code = run_apply(
            [str(plan_file)],
            auto_approve=True,
            targets=(),
            force=True,
            parallelism=8,
            options=OPTIONS,
            env={},
            workdir=workdir,
        )
    seconds = time.perf_counter() - start
    rss = peak_rss_mb()
    return {
        "seconds": seconds,
        "plan_seconds": plan_seconds,
        "peak_rss_mb": rss,
        "exit_code": exit_code,
        "accounts": plan.summary.accounts,
        "planned_write_calls": plan.summary.write_calls,
        "committed_writes": len(store.writes()),
        **_calls_since(store, before),
        "tail": shown.getvalue().splitlines()[-3:] if exit_code else [],
    }


KINDS = {
    "load": measure_load,
    "csafe": measure_csafe,
    "plan": measure_plan,
    "apply": measure_apply,
}


def main(argv: list[str]) -> None:
    from ksctl import gcpolicy

    gcpolicy.tune()  # as `ksctl` does at start-up: the figures are of the command's work
    spec = json.loads(argv[0])
    result = KINDS[spec["kind"]](spec)
    Path(spec["out"]).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
