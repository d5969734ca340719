"""Run every benchmark and write the results table: `python -m benchmarks [--quick]`.

For each size: seed a world, serve it over loopback HTTP, then repeat, interleaved so that
a noisy moment hits every figure alike: load the YAML only (the baseline), plan in-process,
plan over HTTP with a read rate that never binds, plan over HTTP at the default read rate,
and the drift check of the same fleet once converged (in-process, every account in sync).
Then apply one mid-size plan, several times on fresh worlds, without and with injected
faults. Medians go to RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import report, worlds
from benchmarks.report import DRIFT, EMBEDDED, HTTP, HTTP_LIMITED
from benchmarks.server import Served, child_env, served
from ksctl.sandbox.store import Store
from ksctl.sandbox.world import PlatformSettings

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "benchmarks" / "RESULTS.md"
FULL_SIZES = (100, 1_000, 10_000)
QUICK_SIZES = (100, 1_000)
DEFAULT_READ_RATE = int(PlatformSettings.model_fields["read_rate_per_second"].default)

MODES = (EMBEDDED, HTTP, HTTP_LIMITED)
# The apply under faults: refused calls and lost responses, retried by the client.
APPLY_FAULTS = {"error_rate": 0.05, "lost_response_rate": 0.05, "seed": 7}


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of sizes: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive integers")
    return sizes


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        help="accounts per plan, comma-separated (default 100,1000,10000)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: sizes 100,1000 unless --sizes says otherwise",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each measurement; the median is reported (default 3)",
    )
    parser.add_argument(
        "--apply-accounts",
        type=int,
        default=100,
        help="accounts in the apply benchmark's world (default 100)",
    )
    parser.add_argument(
        "--no-faults", action="store_true", help="skip the apply under injected faults"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="the markdown file to write (default benchmarks/RESULTS.md); "
        "the raw measurements go next to it as JSON",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the worlds here instead of a temporary folder",
    )
    args = parser.parse_args(list(argv))
    if args.sizes is None:
        args.sizes = QUICK_SIZES if args.quick else FULL_SIZES
    if args.repeat < 1 or args.apply_accounts < 1:
        parser.error("--repeat and --apply-accounts must be at least 1")
    return args


class Runner:
    """Runs workers in fresh processes of this checkout's ksctl."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.env = child_env(REPO)
        self.count = 0

    def measure(self, kind: str, cwd: Path, **spec: Any) -> dict[str, Any]:
        self.count += 1
        out = self.scratch / f"result-{self.count}.json"
        spec = {"kind": kind, "out": str(out), **spec}
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.worker", json.dumps(spec)],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"benchmark worker {kind} failed ({proc.returncode}):\n" + proc.stderr[-2000:]
            )
        return dict(json.loads(out.read_text(encoding="utf-8")))


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_size(runner: Runner, root: Path, n: int, repeat: int) -> dict[str, Any]:
    start = time.perf_counter()
    db, config = worlds.workspace(root, n)
    store = Store(db)
    common = {"config": str(config), "workdir": str(root), "db": str(db)}
    drift_root = root / "converged"
    drift_db, drift_config = worlds.workspace(drift_root, n, converged=True)
    drift = {"config": str(drift_config), "workdir": str(drift_root), "db": str(drift_db)}
    runs: dict[str, list[dict[str, Any]]] = {"load": [], **{m: [] for m in (*MODES, DRIFT)}}
    with served(root, runner.env) as server:
        # Untimed: the server's first requests pay for lazy imports and cold caches.
        _plan_once(runner, root, store, server, HTTP, common)
        for i in range(repeat):
            runs["load"].append(runner.measure("load", root, **common))
            for mode in MODES:
                runs[mode].append(_plan_once(runner, root, store, server, mode, common))
            runs[DRIFT].append(_drift_once(runner, drift_root, drift))
            line = ", ".join(f"{m} {runs[m][-1]['seconds']:.2f}s" for m in ("load", *MODES, DRIFT))
            _say(f"  {n} accounts, run {i + 1}/{repeat}: {line}")
        server_rss = server.peak_rss_mb()
    _say(f"  {n} accounts done in {time.perf_counter() - start:.0f}s")
    return {"accounts": n, "runs": runs, "server_peak_rss_mb": server_rss}


def _plan_once(
    runner: Runner, root: Path, store: Store, server: Served, mode: str, common: dict[str, str]
) -> dict[str, Any]:
    if mode == HTTP_LIMITED:
        store.configure(read_rate_per_second=DEFAULT_READ_RATE)
    try:
        result = runner.measure("plan", root, env={} if mode == EMBEDDED else server.env, **common)
    finally:
        store.configure(read_rate_per_second=worlds.HIGH_READ_RATE)
    if result["errors"]:  # a plan of errors would be timed as if it were the real work
        raise RuntimeError(f"the {mode} plan has {result['errors']} account(s) in error")
    return result


def _drift_once(runner: Runner, root: Path, spec: dict[str, str]) -> dict[str, Any]:
    result = runner.measure("plan", root, env={}, **spec)
    if result["actions"] or result["errors"]:  # then it would not be the drift check timed
        raise RuntimeError(f"the converged fleet's plan is not empty: {result}")
    return result


def bench_apply(
    runner: Runner, scratch: Path, n: int, repeat: int, faults: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    runs = []
    name = "apply-faults" if faults else "apply"
    for i in range(repeat):
        root = scratch / f"{name}-{n}-{i}"  # a fresh world each time: apply changes it
        root.mkdir(parents=True)
        runs.append(runner.measure("apply", root, workdir=str(root), n=n, faults=faults))
        made = report.calls(runs[-1], "write")
        _say(
            f"  {name} on {n} accounts, run {i + 1}/{repeat}: {runs[-1]['seconds']:.2f}s, "
            f"exit {runs[-1]['exit_code']}, {made} write calls for "
            f"{runs[-1]['planned_write_calls']} planned"
        )
    return runs


def run(args: argparse.Namespace, argv: Sequence[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ksctl-bench-") as tmp:
        scratch = args.workdir.resolve() if args.workdir else Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        runner = Runner(scratch)
        started = time.perf_counter()
        sizes = []
        for n in args.sizes:
            _say(f"plan at {n} accounts ({args.repeat} runs of each measurement)")
            sizes.append(bench_size(runner, scratch / f"plan-{n}", n, args.repeat))
        _say(f"apply at {args.apply_accounts} accounts")
        applies = bench_apply(runner, scratch, args.apply_accounts, args.repeat)
        apply: dict[str, Any] = {"accounts": args.apply_accounts, "runs": applies}
        if not args.no_faults:
            _say(f"apply at {args.apply_accounts} accounts under faults {APPLY_FAULTS}")
            apply["faults"] = APPLY_FAULTS
            apply["fault_runs"] = bench_apply(
                runner, scratch, args.apply_accounts, args.repeat, APPLY_FAULTS
            )
        return {
            "command": report.command_line(argv),
            "machine": report.machine(REPO),
            "repeat": args.repeat,
            "default_read_rate": DEFAULT_READ_RATE,
            "batch": report.BATCH,
            "sizes": sizes,
            "apply": apply,
            "elapsed_s": time.perf_counter() - started,
        }


def main(argv: Sequence[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    results = run(args, argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report.render(results), encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    _say(f"wrote {args.out} ({results['elapsed_s']:.0f}s)")
