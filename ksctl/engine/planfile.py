"""Saving and loading plan files; a loaded plan is checked for edits and format."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from ksctl.engine.plan import FORMAT_VERSION, Plan
from ksctl.errors import ConfigError, KsctlError, Problem


class PlanNotSaved(KsctlError):
    """The plan could not be written (a read-only folder, a full disk): one line."""


def save_plan(plan: Plan, path: Path, *, text: str | None = None) -> None:
    """Write atomically, so a reader never sees half a plan. `text` is the plan's JSON
    when the caller has rendered it already (`plan --out F --format json`)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise PlanNotSaved(f"cannot save the plan to {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(plan.to_json() if text is None else text)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise PlanNotSaved(f"cannot save the plan to {path}: {exc.strerror or exc}") from None
        raise


def looks_like_plan(head: bytes) -> bool:
    """Whether bytes start the way `save_plan` starts a file (even if cut short later)."""
    return head.lstrip().startswith(b"{") and b'"format_version"' in head[:256]


def _ends_early(raw: bytes, exc: ValueError) -> bool:
    # JSON that fails only where the bytes run out was cut, not written wrong.
    end = len(raw.rstrip())
    if isinstance(exc, json.JSONDecodeError):
        return exc.pos >= len(exc.doc.rstrip())
    return isinstance(exc, UnicodeDecodeError) and exc.end >= end


class PlanRefused(ConfigError):
    """A real plan file that must not be used: edited after it was made, or of another
    format version. (Not JSON, or not a plan at all, is plain bad input.)"""


def load_plan(path: Path) -> Plan:
    name = str(path)

    def fail(message: str, line: int = 1, col: int = 1) -> ConfigError:
        return ConfigError([Problem(name, line, col, message)])

    def refuse(message: str) -> PlanRefused:
        return PlanRefused([Problem(name, 1, 1, message)])

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line, col = (exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else (1, 1)
        if looks_like_plan(raw) and _ends_early(raw, exc):
            raise fail(
                f"the plan file is truncated ({len(raw)} bytes, the JSON stops before its "
                "end): a copy or an upload was cut short; save the plan again",
                line,
                col,
            ) from None
        raise fail("not a ksctl plan file (not JSON)", line, col) from None
    if not isinstance(data, dict) or "format_version" not in data:
        raise fail("not a ksctl plan file (no format_version)")
    if data["format_version"] != FORMAT_VERSION:
        raise refuse(
            f"plan format {data['format_version']!r} is not supported "
            f"(this ksctl reads format {FORMAT_VERSION}); plan again"
        )
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise fail(f"not a valid ksctl plan: {where}: {first['msg']}") from None
    if plan.checksum != plan.compute_checksum():
        raise refuse("the plan was modified after it was made (checksum mismatch); plan again")
    return plan
