"""`ksctl auth login` in its own process (it waits for the callbacks, as for a person)."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

URL = re.compile(r"^(?P<account>[A-Za-z0-9_-]+): (?P<url>https?://\S+/oauth2/authorize\?\S+)$")
CLEAN_ENV = ("KSCTL_ENDPOINT", "KSCTL_APP_ID", "KSCTL_APP_SECRET", "KSCTL_TOKEN_STORE", "CI")


def env_for(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    env.update(extra)
    return env


class Login:
    """A running `ksctl auth login ACCOUNT...`: its URLs, its output, its exit code."""

    def __init__(self, home: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ksctl.cli", "auth", "login", *args],
            cwd=home,
            env=env or env_for(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.stdout: list[str] = []
        self.stderr = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.stdout.append(line.rstrip("\n"))
            self.lines.put(line.rstrip("\n"))

    def urls(self, count: int, timeout: float = 120.0) -> dict[str, str]:
        """The first `count` authorization URLs printed, by account."""
        found: dict[str, str] = {}
        deadline = time.monotonic() + timeout
        while len(found) < count:
            left = deadline - time.monotonic()
            assert left > 0, f"no URLs printed: {self.stdout} {self.process.poll()}"
            try:
                line = self.lines.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            match = URL.match(line)
            if match:
                found[match["account"]] = match["url"]
        return found

    def wait(self, timeout: float = 120.0) -> int:
        code = self.process.wait(timeout)
        self._reader.join(10)
        assert self.process.stderr is not None and self.process.stdout is not None
        self.stderr = self.process.stderr.read()
        self.process.stderr.close()
        self.process.stdout.close()
        return code

    @property
    def output(self) -> str:
        return "\n".join(self.stdout) + "\n" + self.stderr


class ThreadLogin:
    """`ksctl auth login`'s work (service.login) in a thread of this process: quicker than
    a process, for tests about what happens after the login."""

    def __init__(self, home: Path, *accounts: str, timeout: float = 60.0, **env: str) -> None:
        from ksctl.auth import flow, service

        self.lines: queue.Queue[str] = queue.Queue()
        self.results: list[flow.Result] = []
        self.error: BaseException | None = None
        environment = {**env_for(), **env}

        def run() -> None:
            try:
                self.results = service.login(
                    accounts,
                    listen="127.0.0.1:0",
                    timeout=timeout,
                    scopes=flow.DEFAULT_SCOPES,
                    show=self.lines.put,
                    note=lambda line: None,
                    env=environment,
                    workdir=home,
                )
            except BaseException as exc:
                self.error = exc

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def urls(self, count: int, timeout: float = 60.0) -> dict[str, str]:
        found: dict[str, str] = {}
        deadline = time.monotonic() + timeout
        while len(found) < count:
            assert time.monotonic() < deadline and self.error is None, self.error
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            match = URL.match(line)
            if match:
                found[match["account"]] = match["url"]
        return found

    def wait(self, timeout: float = 60.0) -> list[object]:
        self.thread.join(timeout)
        assert not self.thread.is_alive() and self.error is None, self.error
        return list(self.results)
