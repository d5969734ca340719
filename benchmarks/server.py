"""`ksctl sandbox serve` in a subprocess on a free loopback port: for the HTTP benchmarks, and
for every test that needs a served sandbox (one way to start and stop it)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ksctl.sandbox.embedded import DEMO_APP_ID, DEMO_APP_SECRET

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Served:
    endpoint: str
    pid: int

    @property
    def env(self) -> dict[str, str]:
        return {
            "KSCTL_ENDPOINT": self.endpoint,
            "KSCTL_APP_ID": DEMO_APP_ID,
            "KSCTL_APP_SECRET": DEMO_APP_SECRET,
        }

    def peak_rss_mb(self) -> float | None:
        """The server's peak resident set so far (Linux /proc only; None elsewhere)."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


@contextmanager
def served(home: Path, env: Mapping[str, str], *, timeout: float = 30.0) -> Iterator[Served]:
    """Serve the sandbox world of `home/.ksctl/`; stop the server on exit."""
    port = free_port()
    log = (home / "server.log").open("wb")
    command = [
        sys.executable,
        "-m",
        "ksctl.cli",
        "sandbox",
        "--home",
        str(home),
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=dict(env), cwd=home)
    try:
        deadline = time.monotonic() + timeout
        while not _listening(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the sandbox server did not start on port {port}: "
                    + (home / "server.log").read_text(errors="replace")[-500:]
                )
            time.sleep(0.05)
        yield Served(f"http://{HOST}:{port}", proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def child_env(repo: Path) -> dict[str, str]:
    """The environment of every subprocess: this checkout's ksctl, no stray target."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KSCTL_") and k not in ("CI", "PYTHONPATH")
    }
    env["PYTHONPATH"] = str(repo)
    return env
