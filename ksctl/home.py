"""Where ksctl keeps its state: `.ksctl/` of the working directory (the embedded sandbox,
backups by default, the journal, the lock, download staging)."""

from __future__ import annotations

from pathlib import Path

STATE_DIR = ".ksctl"
# The embedded sandbox's base URL (it lives in STATE_DIR): never resolved, the transport is
# in-process. Here, not in the composition root, because the sandbox's consent command
# recognises it too and the sandbox may not import the composition root.
EMBEDDED_URL = "http://sandbox.ksctl.invalid"


def state_dir(workdir: Path) -> Path:
    """The `.ksctl/` folder of `workdir`."""
    return Path(workdir) / STATE_DIR
