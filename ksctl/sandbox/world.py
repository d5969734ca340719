"""The sandbox world seed: a contract (docs/architecture.md). It may grow, what is there
must keep working.

Every model forbids unknown keys so that a typo in a world file is an error, not a silently
ignored setting. Times without an offset are Shanghai time; a bare date where a moment is
expected (a contract's or a ban's `until`) means the end of that day.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from ksctl.contract.wire import AccountKind, ScheduleStatus, Toggle
from ksctl.errors import ConfigError
from ksctl.sandbox.clock import end_of_day, to_shanghai
from ksctl.yamlio import load_yaml_model, read


def _date_means_end_of_day(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return end_of_day(value)
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return end_of_day(date.fromisoformat(value.strip()))
        except ValueError:
            return value
    return value


Moment = Annotated[datetime, AfterValidator(to_shanghai)]
Until = Annotated[datetime, BeforeValidator(_date_means_end_of_day), AfterValidator(to_shanghai)]


class Seed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Faults(Seed):
    error_rate: float = Field(
        0.0, ge=0.0, le=1.0, description="share of requests refused with 503000 before handling"
    )
    lost_response_rate: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="share of writes committed, then refused with 503000 as if the answer was lost",
    )
    latency_ms: int = Field(0, ge=0, le=60_000)
    seed: int = 1


class OAuthSettings(Seed):
    """Lifetimes of the authorization-code flow, in seconds of virtual time (the real
    platform's examples: a code lives about 2 minutes, tokens 172800 s and 15552000 s)."""

    code_expires_in: int = Field(120, ge=1)
    access_expires_in: int = Field(172_800, ge=1)
    refresh_expires_in: int = Field(15_552_000, ge=1)


class PlatformSettings(Seed):
    now: Moment
    write_quota_per_day: int = Field(100, ge=0)
    read_rate_per_second: int = Field(20, ge=1)
    gift_ledger_delay_hours: float = Field(48, ge=0)
    takedown_review_hours: float = Field(72, ge=0)
    export_delay_minutes: float = Field(0, ge=0)
    token_expires_in: int = Field(172_800, ge=1, description="seconds of virtual time")
    profile: Literal["modelled", "open_platform"] = Field(
        "modelled",
        description="open_platform: serve only the real open platform's endpoints "
        "(user_info, photo/*, the token endpoints)",
    )
    refusal_status: Literal["real", "modelled"] = Field(
        "real",
        description="real: every refusal is HTTP 200 with the code in the body, as the real "
        "platform answers; modelled: the code's own HTTP status (4xx/5xx, the sandbox's "
        "answers before 2026-12-02), for scripts that went by it",
    )
    oauth: OAuthSettings = OAuthSettings()
    faults: Faults = Faults()


class App(Seed):
    app_id: str = Field(min_length=1, max_length=64)
    app_secret: str = Field(min_length=1, repr=False)
    admin_orgs: list[str] = []
    accounts: list[str] = Field(
        [],
        description="accounts authorized from the start through a modelled app-wide grant: "
        "the app's own token acts on them; any other account needs `ksctl auth login`",
    )


class LiveSeed(Seed):
    permission: Toggle
    closed_at: Moment | None = None
    streaming: bool = False


class BanSeed(Seed):
    until: Until
    reason: str = ""


class CertificationSeed(Seed):
    live_certified: bool = False
    blue_v: bool = False


class ContractSeed(Seed):
    mcn: str
    min_live_hours_per_month: int = Field(ge=0)
    until: Until


class ScheduleSeed(Seed):
    id: str = Field(min_length=1, max_length=64)
    title: str = ""
    start_at: Moment
    status: ScheduleStatus = ScheduleStatus.pending


class ReplaySeed(Seed):
    id: str = Field(min_length=1, max_length=64)
    title: str = ""
    recorded_at: Moment
    size_bytes: int = Field(ge=0, le=1 << 30)
    online: bool = True


class InteractionsSeed(Seed):
    days: int = Field(90, ge=0, le=90)
    viewer_phone_numbers: int = Field(0, ge=0)


class MonetizationSeed(Seed):
    short_video_tipping: Toggle = Toggle.disabled
    shopping_cart: Toggle = Toggle.disabled


def _unique_ids(items: list[Any], what: str) -> list[Any]:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"duplicate {what} id {item.id!r}")
        seen.add(item.id)
    return items


class AccountSeed(Seed):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = ""
    kind: AccountKind
    org: str | None = None
    parent: str | None = None
    phone: str | None = Field(None, pattern=r"^1\d{10}$", repr=False)
    live: LiveSeed
    ban: BanSeed | None = None
    certification: CertificationSeed = CertificationSeed()
    quality_streamer: bool = False
    contract: ContractSeed | None = None
    schedules: list[ScheduleSeed] = []
    replays: list[ReplaySeed] = []
    interactions: InteractionsSeed = InteractionsSeed()
    monetization: MonetizationSeed = MonetizationSeed()

    @field_validator("schedules")
    @classmethod
    def _schedule_ids(cls, value: list[ScheduleSeed]) -> list[ScheduleSeed]:
        return _unique_ids(value, "schedule")

    @field_validator("replays")
    @classmethod
    def _replay_ids(cls, value: list[ReplaySeed]) -> list[ReplaySeed]:
        return _unique_ids(value, "replay")


class World(Seed):
    platform: PlatformSettings
    apps: list[App] = []
    accounts: list[AccountSeed] = []

    @field_validator("apps")
    @classmethod
    def _app_ids(cls, value: list[App]) -> list[App]:
        seen: set[str] = set()
        for app in value:
            if app.app_id in seen:
                raise ValueError(f"duplicate app_id {app.app_id!r}")
            seen.add(app.app_id)
        return value

    def problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Cross-references a field validator cannot see: (where in the file, what is wrong)."""
        found: list[tuple[tuple[str | int, ...], str]] = []
        by_id: dict[str, AccountSeed] = {}
        for i, account in enumerate(self.accounts):
            if account.id in by_id:
                found.append((("accounts", i, "id"), f"duplicate account id {account.id!r}"))
            by_id.setdefault(account.id, account)
        for i, account in enumerate(self.accounts):
            if account.parent is None:
                continue
            parent = by_id.get(account.parent)
            if parent is None:
                message = f"parent {account.parent!r} is not an account of this world"
                found.append((("accounts", i, "parent"), message))
            elif parent.parent is not None:
                message = (
                    f"parent {parent.id!r} is itself a sub-account (a matrix has one main account)"
                )
                found.append((("accounts", i, "parent"), message))
        return found

    def check(self) -> None:
        """Raise ValueError on the first cross-reference problem (for worlds built in code)."""
        for where, message in self.problems():
            raise ValueError(f"{'.'.join(str(p) for p in where)}: {message}")


# A world file holds every account's schedules, replays and facts (the benchmark's: 600
# bytes an account, 100,000 accounts in 60 MB), and cannot be split across files.
WORLD_MAX_BYTES = 1 << 30


def load_world(path: Path) -> World:
    """Read and validate a world file; errors are `file:line:col: message` problems."""
    world = load_yaml_model(Path(path), World, max_bytes=WORLD_MAX_BYTES)
    problems = world.problems()
    if problems:
        located = read(Path(path), max_bytes=WORLD_MAX_BYTES)
        raise ConfigError([located.problem(where, message) for where, message in problems])
    return world
