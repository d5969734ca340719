"""Attestation records under `attestations/` of the configuration repository.

One file per record, never rewritten (an attestation is appended, like a log line, and a
pull request that adds one conflicts with nothing):

    attestations/<account>/<time>-<nn>-<action>[-<target>].yaml

Refresh reads the newest record per step; a record older than the maximum age (default
30 days, `KSCTL_ATTESTATION_MAX_AGE`) no longer counts, because the app can be changed
behind ksctl's back and the check must be made again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ksctl.attestations.sensitive import why_sensitive
from ksctl.engine.specs import BACKUP_ACTIONS, ActionType
from ksctl.errors import ConfigError, KsctlError
from ksctl.yamlio import load_yaml_model

FOLDER = "attestations"
ENV_MAX_AGE = "KSCTL_ATTESTATION_MAX_AGE"
DEFAULT_MAX_AGE = timedelta(days=30)
# A record dated this far after the platform's clock was not made by `ksctl confirm` here.
CLOCK_SLACK = timedelta(minutes=10)
SAFE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
FEATURES = ("short_video_tipping", "shopping_cart")
T = ActionType
# What each confirmable step, once attested, says is true of the account.
CONFIRMABLE: dict[ActionType, str] = {
    T.cancel_schedule: "no scheduled live (直播预告) is pending",
    T.purge_viewer_pii: "the viewer phone numbers are deleted",
    T.remove_certification: "the 直播认证 tag is gone",
    T.disable_live: "live permission is closed",
    T.enable_live: "live permission is open",
    T.enable_feature: "the feature is switched on",
    T.disable_feature: "the feature is switched off",
    T.request_gift_ledger: "the gift ledger was requested from 客服",
    T.takedown_replays: "the takedown appeal (内容申诉) was submitted",
}


class EvidenceRef(BaseModel):
    """A file shown as proof; only its name and digest go into git, never its content."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(ge=0)


class Attestation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format_version: int = 1
    account: str = Field(pattern=SAFE.pattern)
    action: ActionType
    target: str | None = Field(None, pattern=SAFE.pattern)
    by: str = Field(min_length=1, max_length=100)
    at: datetime
    note: str | None = Field(None, max_length=1000)
    evidence: EvidenceRef | None = None

    @field_validator("by", "note")
    @classmethod
    def _nothing_sensitive(cls, value: str | None) -> str | None:
        if value is not None and (why := why_sensitive(value)):
            raise ValueError(f"refused: {why} (attestations are reviewed in git)")
        return value

    @property
    def step(self) -> str:
        return self.action.value + (f"[{self.target}]" if self.target else "")

    def describe(self) -> str:
        """Who said so, when: never more (the note may be long)."""
        return f"attested by {self.by} at {self.at.isoformat(timespec='minutes')}"


def parse_step(text: str) -> tuple[ActionType, str | None]:
    """`disable_live` or `enable_feature[short_video_tipping]` -> (type, target)."""
    name, _, rest = text.strip().partition("[")
    target = rest[:-1] if rest.endswith("]") else (rest or None)
    try:
        type_ = ActionType(name)
    except ValueError:
        known = ", ".join(t.value for t in CONFIRMABLE)
        raise KsctlError(f"unknown step {text!r}: one of {known}") from None
    if type_ in BACKUP_ACTIONS:
        kind = {
            T.export_interactions: "interactions",
            T.download_gift_ledger: "gift_ledger",
            T.download_replay: f"replay:{target or 'ID'}",
        }[type_]
        raise KsctlError(
            f"{type_.value} is proven by the file, not by a word: "
            f"ksctl evidence add ACCOUNT {kind} FILE"
        )
    if type_ in (T.enable_feature, T.disable_feature):
        if target not in FEATURES:
            raise KsctlError(
                f"{type_.value} needs the feature: {type_.value}[{'|'.join(FEATURES)}]"
            )
    elif target is not None and type_ is not T.cancel_schedule:
        raise KsctlError(f"{type_.value} takes no [target]")
    if target is not None and not SAFE.fullmatch(target):
        raise KsctlError(f"refusing target {target!r}: letters, digits, '_' and '-' only")
    return type_, target


def max_age(env: Mapping[str, str]) -> timedelta:
    """The age after which an attestation no longer counts: `30d`, `12h`, `90m`."""
    raw = env.get(ENV_MAX_AGE, "").strip().lower()
    if not raw:
        return DEFAULT_MAX_AGE
    match = re.fullmatch(r"(\d+)([dhm])", raw)
    if not match or int(match.group(1)) == 0:
        raise KsctlError(f"{ENV_MAX_AGE}={raw!r}: give an age such as 30d, 12h or 90m")
    unit = {"d": "days", "h": "hours", "m": "minutes"}[match.group(2)]
    return timedelta(**{unit: int(match.group(1))})


def repository_root(start: Path) -> Path:
    """The configuration repository holding `start`: its git top level, else `start`."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def record(root: Path, attestation: Attestation) -> Path:
    """Write `attestation` as a new file; an existing record is never overwritten."""
    stamp = attestation.at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    step = attestation.action.value + (f"-{attestation.target}" if attestation.target else "")
    folder = root / FOLDER / attestation.account
    folder.mkdir(parents=True, exist_ok=True)
    data = attestation.model_dump(mode="json", exclude_none=True)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    # The sequence number keeps records of the same second in the order they were made.
    for n in range(len(list(folder.glob(f"{stamp}-*"))), 100):
        path = folder / f"{stamp}-{n:02d}-{step}.yaml"
        try:
            with open(path, "x", encoding="utf-8") as out:
                out.write(text)
            return path
        except FileExistsError:
            continue
    raise KsctlError(f"too many records made at {stamp} in {folder}")


def load(root: Path, accounts: Iterable[str] | None = None) -> dict[str, list[Attestation]]:
    """Every record under `root/attestations/` (of `accounts`, when given), oldest first.

    A malformed record, or one filed under another account's folder, is a configuration
    error (`file:line:col`), like a typo in the configuration."""
    base = root / FOLDER
    wanted = None if accounts is None else set(accounts)
    found: dict[str, list[Attestation]] = {}
    problems = []
    if not base.is_dir():
        return found
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        if wanted is not None and folder.name not in wanted:
            continue
        for path in sorted(folder.glob("*.yaml")):
            try:
                item = load_yaml_model(path, Attestation)
            except ConfigError as exc:
                problems.extend(exc.problems)
                continue
            if item.account != folder.name:
                raise KsctlError(
                    f"{path}: the record is about account {item.account} but filed under "
                    f"{folder.name}"
                )
            found.setdefault(item.account, []).append(item)
    if problems:
        raise ConfigError(problems)
    for items in found.values():
        items.sort(key=lambda a: a.at)  # stable: records of one second stay in file order
    return found


@dataclass(frozen=True)
class Standing:
    """What the records of one account say about one step, as of `now`."""

    current: Attestation | None  # fresh: it counts
    expired: Attestation | None = None  # the newest one, too old to count
    future: Attestation | None = None  # dated after the platform's clock: not counted


def standing(
    records: Iterable[Attestation],
    type_: ActionType,
    target: str | None,
    now: datetime,
    age: timedelta,
) -> Standing:
    """The newest record of the step, and whether it counts at `now`."""
    mine = [r for r in records if r.action is type_ and r.target == target]
    future = [r for r in mine if r.at > now + CLOCK_SLACK]
    past = [r for r in mine if r.at <= now + CLOCK_SLACK]
    newest = past[-1] if past else None
    if newest is not None and now - newest.at > age:
        return Standing(None, expired=newest, future=future[-1] if future else None)
    return Standing(newest, future=future[-1] if future else None)
