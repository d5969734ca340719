"""Hypothesis strategies: sandbox worlds (valid by construction), matching desired
configurations (valid: `ksctl validate` passes) and fault settings.

A generated case is a `Case`: the world, the configuration as a mapping, and the fault
settings of each faulty run. Everything stays small (a handful of accounts, tiny replays)
so that one example runs a dozen CLI invocations in a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from ksctl.sandbox.world import World

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=CST)
APP_ID, APP_SECRET = "demo_app", "demo_secret"  # what the embedded target signs in with
ORGS = ("org_a", "org_b")
SHORT_BAN_DAYS = 2  # a ban that ends while the runs go on
LONG_BAN_UNTIL = "2027-06-30"  # a ban that outlasts every run: the account stays blocked
PROOF = "国作登字-2026-F-00000001"


@dataclass
class Case:
    world: World
    config: dict[str, Any]
    faults: list[dict[str, Any]] = field(default_factory=list)  # one per faulty run
    saved: list[bool] = field(default_factory=list)  # that run applies a saved plan file

    def __repr__(self) -> str:
        # Hypothesis pretty-prints a failing example field by field, which walks into
        # pydantic internals (and a deprecated mypy_extensions name under
        # filterwarnings=error); the test notes the whole case as YAML instead.
        ids = ", ".join(a.id for a in self.world.accounts)
        return f"Case(accounts=[{ids}], faulty_runs={len(self.faults)})"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


@st.composite
def account_seed(draw: st.DrawFn, index: int, mains: list[str]) -> dict[str, Any]:
    """One account of the world; `mains` are earlier accounts that may be a matrix parent."""
    account_id = f"acc{index:02d}"
    permission = draw(st.sampled_from(["enabled"] * 4 + ["disabled"]))
    live: dict[str, Any] = {"permission": permission}
    if permission == "disabled":
        # Closed long ago (data gone), within the 30-day window, or at its very end.
        closed = draw(st.sampled_from([None, 3, 3, 29, 45]))
        live["closed_at"] = None if closed is None else _iso(NOW - timedelta(days=closed))
    else:
        live["streaming"] = draw(st.sampled_from([False, False, True]))
    kind = draw(st.sampled_from(["personal", "personal", "enterprise", "institution"]))
    seed: dict[str, Any] = {
        "id": account_id,
        "name": f"主播{index}",
        "kind": kind,
        # An institution without an org is out of every app's reach: rare, not the rule.
        "org": draw(
            st.sampled_from(
                [*ORGS, ORGS[0]] if kind == "institution" and index % 4 else [None, *ORGS, ORGS[0]]
            )
        ),
        "parent": draw(st.sampled_from([None, None, *mains])) if mains else None,
        "phone": f"1{draw(st.integers(3, 9))}{draw(st.integers(0, 10**9 - 1)):09d}",
        "live": live,
        "certification": {"live_certified": draw(st.booleans()), "blue_v": draw(st.booleans())},
        "quality_streamer": draw(st.booleans()),
        "interactions": {
            "days": draw(st.integers(0, 90)),
            "viewer_phone_numbers": draw(st.sampled_from([0, 0, 3, 120])),
        },
        "monetization": {
            "short_video_tipping": draw(st.sampled_from(["enabled", "disabled"])),
            "shopping_cart": draw(st.sampled_from(["enabled", "disabled"])),
        },
    }
    ban = draw(st.sampled_from([None] * 6 + ["short", "long"]))
    if ban == "short":
        seed["ban"] = {"until": _iso(NOW + timedelta(days=SHORT_BAN_DAYS)), "reason": "违规直播"}
    elif ban == "long":
        seed["ban"] = {"until": LONG_BAN_UNTIL, "reason": "违规直播"}
    contract = draw(st.sampled_from([None] * 5 + ["active", "ended"]))
    if contract:
        seed["contract"] = {
            "mcn": "星河MCN",
            "min_live_hours_per_month": draw(st.integers(0, 80)),
            "until": "2027-03-31" if contract == "active" else "2026-11-01",
        }
    seed["schedules"] = [
        {
            "id": f"s{i}",
            "title": f"预约{i}",
            "start_at": _iso(NOW + timedelta(hours=draw(st.integers(-120, 240)))),
            "status": draw(st.sampled_from(["pending", "pending", "cancelled"])),
        }
        for i in range(draw(st.integers(0, 2)))
    ]
    seed["replays"] = [
        {
            "id": f"r{i}",
            "title": f"回放{i}",
            "recorded_at": _iso(NOW - timedelta(days=draw(st.integers(1, 80)))),
            "size_bytes": draw(st.sampled_from([0, 1, 777, 4096])),
            "online": draw(st.booleans()),
        }
        for i in range(draw(st.integers(0, 2)))
    ]
    return seed


@st.composite
def worlds(draw: st.DrawFn, max_accounts: int = 4) -> World:
    count = draw(st.integers(1, max_accounts))
    accounts: list[dict[str, Any]] = []
    for i in range(count):
        mains = [a["id"] for a in accounts if a["parent"] is None]
        accounts.append(draw(account_seed(i, mains)))
    ids = [a["id"] for a in accounts]
    # Mostly the app may write to every account; now and then one is out of its reach.
    ungranted = draw(st.sampled_from([None, None, None, *ids]))
    app = {
        "app_id": APP_ID,
        "app_secret": APP_SECRET,
        "admin_orgs": [o for o in ORGS if o != draw(st.sampled_from([None] * 4 + [*ORGS]))],
        "accounts": [i for i in ids if i != ungranted],
    }
    platform = {
        "now": _iso(NOW),
        "write_quota_per_day": draw(st.sampled_from([8, 12, 100])),
        "read_rate_per_second": 10_000,  # the per-second read limit is real time: not tested
        "gift_ledger_delay_hours": draw(st.sampled_from([0, 2, 48])),
        "takedown_review_hours": draw(st.sampled_from([0, 72])),
        "export_delay_minutes": draw(st.sampled_from([0, 0, 90])),
    }
    world = World.model_validate({"platform": platform, "apps": [app], "accounts": accounts})
    world.check()
    return world


BACKUP = st.sampled_from([None, "present", "present", "ignore"])
TOGGLE = st.sampled_from([None, "enabled", "disabled"])


def _prune(value: Any) -> Any:
    """Drop unsaid (None) properties and sections left empty."""
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items() if v is not None}
        return {k: v for k, v in out.items() if v != {}}
    return value


@st.composite
def account_spec(draw: st.DrawFn, account_id: str) -> dict[str, Any]:
    """A desired state for one account that `ksctl validate` accepts."""
    permission = draw(st.sampled_from([None, "disabled", "disabled", "disabled", "enabled"]))
    closure = draw(st.sampled_from([None, "soft", "hard"]))
    if permission == "enabled" and closure == "hard":
        closure = "soft"
    hard = closure == "hard"
    backups = {"interactions": draw(BACKUP), "gift_ledger": draw(BACKUP), "replays": draw(BACKUP)}
    acknowledge: dict[str, Any] = {
        "contract_breach": draw(st.sampled_from([None, True, True, False]))
    }
    if hard:  # a hard closure keeps a copy of every replay unless told otherwise
        if draw(st.booleans()):
            backups["replays"] = "present"
        else:
            acknowledge["replays_without_backup"] = True
    certified = draw(st.sampled_from([None, None, False, False, True]))
    if certified and permission == "disabled":
        certified = False
    spec = {
        "id": account_id,
        "live": {
            "permission": permission,
            "closure": closure,
            "copyright_proof": PROOF if hard else None,
        },
        "schedules": draw(st.sampled_from([None, "cleared", "cleared", "cleared", "keep"])),
        "backups": backups,
        "certification": {"live_certified": certified},
        "privacy": {"purge_viewer_phone_numbers": draw(st.sampled_from([None, True, False]))},
        "monetization": {"short_video_tipping": draw(TOGGLE), "shopping_cart": draw(TOGGLE)},
        "acknowledge": acknowledge,
    }
    return _prune(spec)


@st.composite
def configs(draw: st.DrawFn, world: World) -> dict[str, Any]:
    """A configuration for some or all of the world's accounts; defaults merged deeply."""
    ids = [a.id for a in world.accounts]
    chosen = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True))
    config: dict[str, Any] = {
        "version": 1,
        "accounts": [draw(account_spec(i)) for i in sorted(chosen)],
    }
    if draw(st.booleans()):
        # Sections with no cross-field rule, so that the merged accounts stay valid.
        config["defaults"] = _prune(
            {
                "backups": {"interactions": draw(BACKUP), "gift_ledger": draw(BACKUP)},
                "privacy": {"purge_viewer_phone_numbers": draw(st.sampled_from([None, True]))},
                "schedules": draw(st.sampled_from([None, "cleared"])),
            }
        )
    return config


FAULTS = st.fixed_dictionaries(
    {
        "error_rate": st.sampled_from([0.0, 0.1, 0.3]),
        "lost_response_rate": st.sampled_from([0.0, 0.2, 0.5]),
        "latency_ms": st.sampled_from([0, 0, 5]),
        "seed": st.integers(1, 10_000),
    }
)


@st.composite
def cases(draw: st.DrawFn, max_accounts: int = 5, max_faulty_runs: int = 4) -> Case:
    world = draw(worlds(max_accounts))
    config = draw(configs(world))
    faults = draw(st.lists(FAULTS, min_size=1, max_size=max_faulty_runs))
    saved = [draw(st.booleans()) for _ in faults]
    return Case(world, config, faults, saved)
