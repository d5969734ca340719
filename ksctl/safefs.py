"""Files that hold viewers' data are opened without following symbolic links.

A link planted in `.ksctl/staging` (or in a backup folder) would otherwise make a download
append to, and chmod, whatever file it points at. Files are opened with O_NOFOLLOW, and
the folders from a root down are made (0700) or checked one by one, refusing any that is
a link: O_NOFOLLOW alone guards only the last component of a path.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePath

from ksctl.errors import KsctlError


class UnsafePath(KsctlError):
    """A path ksctl refuses to write through (a symbolic link, or not a folder)."""


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def real_folder(root: Path, relative: PurePath | str = "") -> Path:
    """`root / relative` as a folder, made 0700 where missing; refused (UnsafePath) when
    `root` or any folder below it is a symbolic link or not a folder. Above `root`,
    links are the operator's business (`.ksctl` may be a link to a cache)."""
    root.parent.mkdir(parents=True, exist_ok=True)
    path = root
    for part in ("", *PurePath(relative).parts):
        path = path / part if part else path
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            os.mkdir(path, 0o700)
            continue
        if stat.S_ISLNK(mode):
            raise UnsafePath(
                f"{_shown(path)} is a symbolic link: refusing to put viewers' data through it"
            )
        if not stat.S_ISDIR(mode):
            raise UnsafePath(f"{_shown(path)} is not a folder: refusing to stage files in it")
    return path


def open_nofollow(path: Path, flags: int, mode: int = 0o600) -> int:
    """`os.open` that refuses a symbolic link at `path` with one line (UnsafePath)."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePath(
                f"{_shown(path)} is a symbolic link: refusing to put viewers' data through it"
            ) from None
        raise
