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

from benchmarks import peers, report, worlds
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
        type=_sizes,
        default=(100, 1_000),
        help="accounts in the apply benchmark's worlds, comma-separated (default 100,1000; "
        "from 1,000 accounts one run each: a minute or more)",
    )
    parser.add_argument(
        "--no-peers",
        action="store_true",
        help="skip octoDNS planning as many records as the largest size has accounts "
        "(whole processes; needs pip install 'ksctl[bench]', skipped without it)",
    )
    parser.add_argument(
        "--with-100k",
        action="store_true",
        help="opt-in: also seed (ksctl sandbox seed), validate and plan a 100,000-account "
        "fleet once, in-process, with its peak RSS (several minutes)",
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
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
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


def bench_peers(runner: Runner, root: Path, n: int, repeat: int) -> dict[str, Any]:
    """Whole processes, interleaved: ksctl plan --format json and octoDNS, 10 % changing."""
    config = peers.ksctl_workspace(root / "ksctl", n)
    zone = peers.octodns_workspace(root / "octodns", n)
    commands = {
        "ksctl": ([*peers.ksctl_command(), "plan", "--format", "json", str(config)], config.parent),
        "octodns": ([*peers.octodns_command(), "--config-file", str(zone)], zone.parent),
    }
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in commands}
    for args, cwd in commands.values():  # untimed: byte-compiles, warms the page cache
        peers.timed_process(args, cwd, runner.env)
    for i in range(repeat):
        for name, (args, cwd) in commands.items():
            runs[name].append(peers.timed_process(args, cwd, runner.env))
        line = ", ".join(f"{m} {runs[m][-1]['seconds']:.2f}s" for m in commands)
        _say(f"  {n} accounts / records, 10% changing, run {i + 1}/{repeat}: {line}")
    return {"size": n, "octodns_version": peers.octodns_version(), "runs": runs}


def bench_startup(runner: Runner, root: Path, n: int, repeat: int) -> dict[str, Any]:
    """`ksctl --help` from start to exit next to a bare interpreter's; validate's work next to
    a bare CSafeLoader load of the same file (in fresh processes, imports off the clock)."""
    root.mkdir(parents=True, exist_ok=True)
    config = root / "accounts.yaml"
    config.write_text(worlds.config_text(n), encoding="utf-8")
    ksctl = peers.ksctl_command()
    runs: dict[str, list[dict[str, Any]]] = {"help": [], "python": [], "validate": [], "csafe": []}
    for i in range(max(repeat, 5)):
        runs["help"].append(peers.timed_process([*ksctl, "--help"], root, runner.env))
        runs["python"].append(peers.timed_process([sys.executable, "-c", "pass"], root, runner.env))
        if i < repeat:
            runs["validate"].append(runner.measure("load", root, config=str(config)))
            runs["csafe"].append(runner.measure("csafe", root, config=str(config)))
    return {"accounts": n, "runs": runs}


def bench_huge(runner: Runner, root: Path, n: int) -> dict[str, Any]:
    """Once: the world seeded from its YAML file by `ksctl sandbox seed`, the configuration
    validated by `ksctl validate` (whole processes), then loaded and planned in-process."""
    root.mkdir(parents=True, exist_ok=True)
    world_file = root / "world.yaml"
    world_file.write_text(worlds.world_yaml(n), encoding="utf-8")
    config = root / "accounts.yaml"
    config.write_text(worlds.config_text(n), encoding="utf-8")
    ksctl = peers.ksctl_command()
    seed = peers.timed_process([*ksctl, "sandbox", "seed", str(world_file)], root, runner.env)
    seed["world_mb"] = world_file.stat().st_size / 1e6
    _say(f"  seeded {n} accounts from {seed['world_mb']:.0f} MB in {seed['seconds']:.0f}s")
    validate = peers.timed_process([*ksctl, "validate", str(config)], root, runner.env)
    db = worlds.sandbox_path(root)
    common = {"config": str(config), "workdir": str(root), "db": str(db)}
    load = runner.measure("load", root, **common)
    plan = runner.measure("plan", root, env={}, **common)
    _say(f"  planned {n} accounts in {plan['seconds']:.0f}s, peak {plan['peak_rss_mb']:.0f} MB")
    return {"accounts": n, "seed": seed, "validate": validate, "load": load, "plan": plan}


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
        results: dict[str, Any] = {
            "command": report.command_line(argv),
            "machine": report.machine(REPO),
            "repeat": args.repeat,
            "default_read_rate": DEFAULT_READ_RATE,
            "batch": report.BATCH,
            "sizes": sizes,
        }
        largest = max(args.sizes)
        if args.no_peers:
            pass
        elif not peers.octodns_available():
            _say("octoDNS is not installed (pip install 'ksctl[bench]'): no peer figures")
            results["peers"] = {"size": largest, "octodns_version": None}
        else:
            _say(f"ksctl and octoDNS, whole processes, at {largest} accounts / records")
            results["peers"] = bench_peers(runner, scratch / "peers", largest, args.repeat)
        _say(f"start-up, and validate next to a bare CSafeLoader load, at {largest} accounts")
        results["startup"] = bench_startup(runner, scratch / "startup", largest, args.repeat)
        if args.with_100k:
            _say("plan at 100,000 accounts (opt-in), once")
            results["huge"] = bench_huge(runner, scratch / "plan-100000", 100_000)
        results["applies"] = []
        for n in args.apply_accounts:
            repeat = args.repeat if n < 1_000 else 1
            _say(f"apply at {n} accounts")
            apply: dict[str, Any] = {"accounts": n, "runs": bench_apply(runner, scratch, n, repeat)}
            if not args.no_faults:
                _say(f"apply at {n} accounts under faults {APPLY_FAULTS}")
                apply["faults"] = APPLY_FAULTS
                apply["fault_runs"] = bench_apply(runner, scratch, n, repeat, APPLY_FAULTS)
            results["applies"].append(apply)
        results["elapsed_s"] = time.perf_counter() - started
        return results


def main(argv: Sequence[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    results = run(args, argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report.render(results), encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    _say(f"wrote {args.out} ({results['elapsed_s']:.0f}s)")
