"""The results of a benchmark run as markdown (benchmarks/RESULTS.md).

`render(results)` is a pure function of the dict that `benchmarks.run` collects, so it can be
tested on a small fixed dict. Every figure is a median of the runs, shown next to a baseline
measured in the same run: the time to only load the YAML, and the floor that the read rate
limit sets (read calls ÷ reads per second).
"""

from __future__ import annotations

import os
import platform
import shlex
import statistics
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ksctl import __version__
from ksctl.platform.client import BATCH

__all__ = ["BATCH", "command_line", "machine", "render"]

EMBEDDED, HTTP, HTTP_LIMITED, DRIFT = "embedded", "http", "http-limited", "drift"

Run = Mapping[str, Any]


def command_line(argv: Sequence[str]) -> str:
    return shlex.join(["python", "-m", "benchmarks", *argv])


def _git(repo: Path, *args: str) -> str:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def machine(repo: Path) -> dict[str, Any]:
    """What the figures were measured on: no hostname, no user name."""
    commit = _git(repo, "rev-parse", "--short=10", "HEAD")
    dirty = bool(_git(repo, "status", "--porcelain", "--untracked-files=no", "--", "ksctl"))
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "ksctl": __version__,
        "commit": commit or None,
        "ksctl_modified": dirty,
    }


# ---- figures -------------------------------------------------------------------------------


def median(runs: Sequence[Run], key: str | Callable[[Run], float]) -> float:
    get = key if callable(key) else (lambda run: run[key])
    return float(statistics.median(get(run) for run in runs))


def calls(run: Run, kind: str) -> int:
    """Requests of one kind (`read`, `write`, `token`) the sandbox answered in this run."""
    return sum(n for name, n in run["calls"].items() if name.split(":", 1)[0] == kind)


def refused(run: Run, kind: str) -> int:
    return int(run.get("refused", {}).get(kind, 0))


def admitted_reads(run: Run) -> int:
    return calls(run, "read") - refused(run, "read")


def all_calls(run: Run) -> int:
    return sum(run["calls"].values())


def _secs(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def _mb(x: float | None) -> str:
    return "–" if x is None else f"{x:.0f}"


def _ratio(x: float, base: float) -> str:
    return f"×{x / base:.1f}" if base > 0 else "–"


def _per(x: float, accounts: int) -> str:
    return f"{x / accounts:.4f}"


def _per_1000(seconds: float, accounts: int) -> str:
    return _secs(seconds * 1000 / accounts)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _n(x: int) -> str:
    return f"{x:,}"


# ---- tables --------------------------------------------------------------------------------


def summary_table(results: Mapping[str, Any]) -> list[str]:
    """One row per size: the table to paste into the README."""
    rate = results["default_read_rate"]
    lines = [
        f"| accounts | YAML load only (baseline), s | plan in-process, s | plan over HTTP, s "
        f"| plan over HTTP at {rate} reads/s, s | read-rate floor, s "
        f"| plan in-process, s / 1,000 accounts (load only) | read calls / account "
        f"| drift check of the converged fleet, in-process, s "
        f"| peak RSS ksctl / server, MB |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for size in results["sizes"]:
        n, runs = size["accounts"], size["runs"]
        load = median(runs["load"], "seconds")
        emb, http = median(runs[EMBEDDED], "seconds"), median(runs[HTTP], "seconds")
        limited = median(runs[HTTP_LIMITED], "seconds")
        floor = median(runs[HTTP_LIMITED], admitted_reads) / rate
        reads = median(runs[HTTP], lambda r: calls(r, "read"))
        rss = max(median(runs[m], "peak_rss_mb") for m in (EMBEDDED, HTTP, HTTP_LIMITED))
        lines.append(
            f"| {_n(n)} | {_secs(load)} | {_secs(emb)} ({_ratio(emb, load)}) "
            f"| {_secs(http)} ({_ratio(http, load)}) | {_secs(limited)} | {_secs(floor)} "
            f"| {_per_1000(emb, n)} ({_per_1000(load, n)}) | {_per(reads, n)} "
            f"| {_drift(runs, load)} "
            f"| {_mb(rss)} / {_mb(size.get('server_peak_rss_mb'))} |"
        )
    return lines


def _drift(runs: Mapping[str, Sequence[Run]], load: float) -> str:
    if not runs.get(DRIFT):  # results recorded before the drift check was measured
        return "–"
    secs = median(runs[DRIFT], "seconds")
    return f"{_secs(secs)} ({_ratio(secs, load)})"


def size_table(size: Mapping[str, Any], rate: int) -> list[str]:
    n, runs = size["accounts"], size["runs"]
    load = median(runs["load"], "seconds")
    lines = [
        "| measurement | seconds | s / 1,000 accounts | × YAML load | read calls "
        "| read calls / account | peak RSS, MB |",
        "|---|--:|--:|--:|--:|--:|--:|",
        f"| YAML load only (baseline) | {_secs(load)} | {_per_1000(load, n)} | ×1.0 | – | – "
        f"| {_mb(median(runs['load'], 'peak_rss_mb'))} |",
    ]
    labels = {
        EMBEDDED: "plan, in-process sandbox",
        HTTP: "plan, loopback HTTP, read rate unlimited",
        HTTP_LIMITED: f"plan, loopback HTTP, {rate} reads/s",
        DRIFT: "drift check, the fleet converged (every account in sync), in-process",
    }
    for mode, label in labels.items():
        if not runs.get(mode):
            continue
        secs = median(runs[mode], "seconds")
        reads = median(runs[mode], admitted_reads)
        throttled = median(runs[mode], lambda r: refused(r, "read"))
        shown = _n(round(reads)) + (
            f" (+{_n(round(throttled))} refused 400002)" if throttled else ""
        )
        lines.append(
            f"| {label} | {_secs(secs)} | {_per_1000(secs, n)} | {_ratio(secs, load)} "
            f"| {shown} | {_per(reads, n)} "
            f"| {_mb(median(runs[mode], 'peak_rss_mb'))} |"
        )
    reads = median(runs[HTTP_LIMITED], admitted_reads)
    floor = reads / rate
    lines.append(
        f"| read-rate floor ({_n(round(reads))} read calls ÷ {rate}/s) | {_secs(floor)} "
        f"| {_per_1000(floor, n)} | {_ratio(floor, load)} | – | – | – |"
    )
    lines.append(
        f"| sandbox server process (peak over every run) | – | – | – | – | – "
        f"| {_mb(size.get('server_peak_rss_mb'))} |"
    )
    return lines


def apply_table(applies: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [
        "| world | accounts | write calls the plan needs | write calls made "
        "| writes committed | made ÷ needed | read calls / account | API calls / account "
        "| apply, s | s / 1,000 accounts | exit codes | peak RSS, MB |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    rows = []
    for apply in applies:
        rows.append(("no faults", apply["runs"]))
        if apply.get("fault_runs"):
            rows.append((_faults_label(apply.get("faults", {})), apply["fault_runs"]))
    for label, runs in rows:
        n = runs[0]["accounts"]
        needed = median(runs, "planned_write_calls")
        made = median(runs, lambda r: calls(r, "write"))
        committed = median(runs, "committed_writes")
        secs = median(runs, "seconds")
        codes = sorted({r["exit_code"] for r in runs})
        failed = median(runs, lambda r: refused(r, "write"))
        made_cell = _n(round(made)) + (f" ({_n(round(failed))} refused)" if failed else "")
        lines.append(
            f"| {label} | {_n(n)} | {_n(round(needed))} | {made_cell} "
            f"| {_n(round(committed))} | {made / needed if needed else 0:.2f} "
            f"| {_per(median(runs, lambda r: calls(r, 'read')), n)} "
            f"| {_per(median(runs, all_calls), n)} | {_secs(secs)} | {_per_1000(secs, n)} "
            f"| {', '.join(map(str, codes))} | {_mb(median(runs, 'peak_rss_mb'))} |"
        )
    return lines


def peers_table(peers: Mapping[str, Any]) -> list[str]:
    n = peers["size"]
    if not peers.get("runs"):
        return [f"octoDNS was not installed (`pip install 'ksctl[bench]'`): no figures at {_n(n)}."]
    runs = peers["runs"]
    ks, octo = median(runs["ksctl"], "seconds"), median(runs["octodns"], "seconds")
    return [
        "| tool | plans | whole process, s | × octoDNS | peak RSS, MB |",
        "|---|---|--:|--:|--:|",
        f"| octoDNS {peers.get('octodns_version') or ''} (YAML source and target) "
        f"| {_n(n)} A records, 10 % changed | {_secs(octo)} | ×1.00 "
        f"| {_mb(median(runs['octodns'], 'peak_rss_mb'))} |",
        f"| `ksctl plan --format json` (embedded sandbox) | {_n(n)} accounts, 10 % changing "
        f"| {_secs(ks)} | ×{ks / octo:.2f} | {_mb(median(runs['ksctl'], 'peak_rss_mb'))} |",
    ]


def startup_table(startup: Mapping[str, Any]) -> list[str]:
    runs, n = startup["runs"], startup["accounts"]
    helps, bare = median(runs["help"], "seconds"), median(runs["python"], "seconds")
    validate, csafe = median(runs["validate"], "seconds"), median(runs["csafe"], "seconds")
    return [
        "| measurement | s | baseline, s | × baseline |",
        "|---|--:|--:|--:|",
        f"| `ksctl --help`, whole process (baseline: `python -c pass`) | {helps:.3f} "
        f"| {bare:.3f} | {_ratio(helps, bare)} |",
        f"| validate's work on {_n(n)} accounts (baseline: a bare CSafeLoader load) "
        f"| {_secs(validate)} | {_secs(csafe)} | {_ratio(validate, csafe)} |",
    ]


def huge_table(huge: Mapping[str, Any], sizes: Sequence[Mapping[str, Any]]) -> list[str]:
    n, plan = huge["accounts"], huge["plan"]
    ten = [s for s in sizes if s["accounts"] * 10 == n]
    tenth = median(ten[0]["runs"][EMBEDDED], "seconds") if ten else None
    versus = f"×{plan['seconds'] / tenth:.1f} the {_n(n // 10)} figure" if tenth else "–"
    load = huge["load"]["seconds"]
    return [
        "| measurement | s | peak RSS, MB | note |",
        "|---|--:|--:|---|",
        "| `ksctl sandbox seed` of the world file, whole process "
        f"| {_secs(huge['seed']['seconds'])} "
        f"| {_mb(huge['seed']['peak_rss_mb'])} | {huge['seed']['world_mb']:.0f} MB of YAML |",
        f"| `ksctl validate`, whole process | {_secs(huge['validate']['seconds'])} "
        f"| {_mb(huge['validate']['peak_rss_mb'])} | |",
        f"| YAML load only (baseline) | {_secs(load)} | {_mb(huge['load']['peak_rss_mb'])} | |",
        f"| plan, in-process sandbox | {_secs(plan['seconds'])} ({_ratio(plan['seconds'], load)}) "
        f"| {_mb(plan['peak_rss_mb'])} | {versus} |",
    ]


def _faults_label(faults: Mapping[str, Any]) -> str:
    parts = [
        f"{round(float(faults[k]) * 100)}% {label}"
        for k, label in (("error_rate", "errors"), ("lost_response_rate", "lost responses"))
        if faults.get(k)
    ]
    return "faults: " + ", ".join(parts) if parts else "faults"


def _machine_line(m: Mapping[str, Any]) -> str:
    commit = m.get("commit") or "unknown"
    if m.get("ksctl_modified"):
        commit += " (with uncommitted changes under ksctl/)"
    return (
        f"{m['cpus']} CPUs, {m['implementation']} {m['python']}, {m['platform']}; "
        f"ksctl {m['ksctl']} at commit {commit}"
    )


def render(results: Mapping[str, Any]) -> str:
    rate, repeat = results["default_read_rate"], results["repeat"]
    # Results of before 100 and 1,000 accounts were applied hold one apply.
    applies = results.get("applies") or [results["apply"]]
    apply = applies[0]
    out = [
        "# ksctl benchmarks",
        "",
        f"Made by `{results['command']}` (in {_duration(results['elapsed_s'])}), "
        f"on {_machine_line(results['machine'])}.",
        "",
        f"Every figure is the median of {repeat} run(s), each in a fresh process, the "
        "measurements of a size interleaved so that a noisy moment hits them alike. Seconds "
        "are wall time of the work only (imports and start-up excluded), next to two "
        "baselines measured in the same run: loading the YAML only, and the floor that the "
        f"platform's read rate limit sets (read calls ÷ {rate} reads/s, the sandbox default). "
        f'Reads are batched, at most {results["batch"]} accounts a call. "over HTTP" is '
        '`ksctl sandbox serve` on loopback in another process; "in-process" is the '
        "embedded sandbox (httpx ASGI transport). Peak RSS is the process's high-water mark "
        "(the in-process figure includes the sandbox itself). The drift check plans the "
        "same fleet after its closure against the configuration less its backups: every "
        "account in sync, the steady state of a scheduled drift check.",
        "",
        "## Plan",
        "",
        *summary_table(results),
        "",
    ]
    for size in results["sizes"]:
        out += [f"### {_n(size['accounts'])} accounts", "", *size_table(size, rate), ""]
    if results.get("huge"):
        out += [
            f"### {_n(results['huge']['accounts'])} accounts (opt-in: `--with-100k`, one run)",
            "",
            *huge_table(results["huge"], results["sizes"]),
            "",
        ]
    if results.get("peers"):
        out += [
            "## Next to octoDNS",
            "",
            "Whole processes, from start-up to exit, interleaved in the same run: octoDNS "
            "planning a zone of A records from its YAML source against its YAML target, every "
            "tenth record with another address, and `ksctl plan --format json` of a fleet of "
            "as many accounts on the embedded sandbox, every tenth still to be closed (four "
            "actions), the others in sync.",
            "",
            *peers_table(results["peers"]),
            "",
        ]
    if results.get("startup"):
        out += [
            "## Start-up and validate",
            "",
            *startup_table(results["startup"]),
            "",
        ]
    sizes = " and ".join(_n(a["accounts"]) for a in applies)
    out += [
        "## Apply",
        "",
        f"A plan of {sizes} accounts applied on a fresh in-process world "
        '(no write quota in the way). "Needed" is the plan\'s own count of write calls, the '
        'minimum; "made" is every write request the sandbox answered; "committed" is the '
        "sandbox's log of writes that changed something.",
        "",
        *apply_table(applies),
        "",
    ]
    if apply.get("fault_runs"):
        out += [
            "Under faults, write calls made exceed the minimum: a refused call (injected error) "
            "is retried, and a write whose response was lost is sent again with the same "
            "idempotency key, which the sandbox answers from memory without changing anything "
            "again. An account that runs out of retries is left for the next run (exit 1 or 3).",
            "",
        ]
    return "\n".join(out).rstrip("\n") + "\n"
