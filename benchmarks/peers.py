"""Whole-process figures next to a peer: octoDNS planning as many DNS records as ksctl plans
accounts, 10 % of them changing, each tool in a fresh process from start-up to its last line.

octoDNS (`pip install 'ksctl[bench]'`) plans a zone read by its YAML source against the same
zone held by its YAML target: 10,000 A records, every tenth with another address. ksctl plans
`--format json` a fleet of as many accounts against the embedded sandbox, every tenth
account to be closed (four actions), the others in sync. Neither writes anything.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import worlds
from ksctl.sandbox.embedded import sandbox_path
from ksctl.sandbox.store import Store

CHANGED_EVERY = 10  # every tenth record or account changes

OCTODNS_CONFIG = """\
providers:
  config:
    class: octodns.provider.yaml.YamlProvider
    directory: ./config
  target:
    class: octodns.provider.yaml.YamlProvider
    directory: ./target
zones:
  example.com.:
    sources: [config]
    targets: [target]
"""


def octodns_available() -> bool:
    return importlib.util.find_spec("octodns") is not None


def octodns_version() -> str | None:
    if not octodns_available():
        return None
    from importlib.metadata import version

    return version("octodns")


def _zone(n: int, *, changed: bool) -> str:
    records = []
    for i in range(n):
        address = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"
        if changed and i % CHANGED_EVERY == 0:
            address = f"172.16.{i >> 8 & 255}.{i & 255}"
        records.append(f"host{i:06d}:\n  type: A\n  value: {address}\n")
    return "---\n" + "".join(records)


def octodns_workspace(root: Path, n: int) -> Path:
    """The zone in the YAML source (desired) and the YAML target (actual); the config file."""
    for folder, changed in (("config", True), ("target", False)):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "example.com.yaml").write_text(_zone(n, changed=changed))
    config = root / "octodns.yaml"
    config.write_text(OCTODNS_CONFIG)
    return config


def ksctl_workspace(root: Path, n: int) -> Path:
    """A fleet of `n` accounts, every tenth still to be closed, checked by the drift
    configuration: the others are in sync. Returns the configuration file."""
    root.mkdir(parents=True, exist_ok=True)
    config = root / "accounts.yaml"
    config.write_text(worlds.config_text(n, converged=True), encoding="utf-8")
    Store(sandbox_path(root)).seed(worlds.world(n, converged=True, closing_every=CHANGED_EVERY))
    return config


def timed_process(args: list[str], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """Wall time from start to exit and the process's peak RSS (Linux: wait4's ru_maxrss)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed ({proc.returncode}): {stderr[-2000:]!r}")
    rss = usage.ru_maxrss / (1 << 20) if sys.platform == "darwin" else usage.ru_maxrss / 1024
    return {"seconds": seconds, "peak_rss_mb": rss}


def ksctl_command() -> list[str]:
    """`ksctl` of this checkout's interpreter (the console script beside it, else -m)."""
    script = Path(sys.executable).with_name("ksctl")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from ksctl.cli import main; main()"]


def octodns_command() -> list[str]:
    script = Path(sys.executable).with_name("octodns-sync")
    return [str(script)] if script.exists() else [shutil.which("octodns-sync") or "octodns-sync"]
