"""The journal of a run: one JSON line per event under `.ksctl/journal/`, no secret in it."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ksctl.platform.redact import Redactor


class Journal:
    def __init__(self, home: Path, run_id: str, redactor: Redactor | None = None) -> None:
        folder = home / "journal"
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{run_id}.jsonl"
        self.run_id = run_id
        self._redactor = redactor
        self._lock = threading.Lock()
        # Hears each entry as written, redacted like the line (`apply --json` follows it).
        self.listener: Callable[[dict[str, Any]], None] | None = None
        fd = os.open(self.path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
        self._file = os.fdopen(fd, "a", encoding="utf-8")

    def redactor_from(self, client: object) -> None:
        """Redact whatever the client learnt is secret (tokens, codes, tickets)."""
        self._redactor = getattr(client, "redact", self._redactor)

    def record(self, event: str, **fields: Any) -> None:
        entry = {
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "run": self.run_id,
            "event": event,
            **fields,
        }
        line = json.dumps(entry, ensure_ascii=False, default=str)
        if self._redactor is not None:
            line = self._redactor(line)
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()
            if self.listener is not None:
                self.listener(json.loads(line))

    def close(self) -> None:
        self._file.close()
