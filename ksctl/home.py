"""Where ksctl keeps its state: `.ksctl/` of the working directory (the embedded sandbox,
backups by default, the journal, the lock, download staging)."""

from __future__ import annotations

from pathlib import Path

STATE_DIR = ".ksctl"


def state_dir(workdir: Path) -> Path:
    """The `.ksctl/` folder of `workdir`."""
    return Path(workdir) / STATE_DIR
