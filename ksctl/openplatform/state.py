"""An account's state on the real open platform: what the API observed, what people attested.

Pure: observations and records in, the `AccountState` the engine plans from out, with
where each value came from. A value nobody could see and nobody attested is taken to be
*not yet as desired*, so that its step stays in the plan (ksctl never claims a step that
nobody attested or evidenced). Where the API can contradict an attestation it does: a work
recorded after live was attested closed, replays still listed after a takedown was
attested and reviewed; the attestation is then set aside and the plan says why.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ksctl.attestations.store import Attestation, Standing, standing
from ksctl.config.model import DesiredAccount, SchedulesPolicy
from ksctl.contract.open_platform import Photo
from ksctl.contract.wire import (
    AccountState,
    Appeal,
    AppealStatus,
    Ticket,
    TicketStatus,
)
from ksctl.engine.action import ActionType
from ksctl.engine.plan import Source

T = ActionType
EXPORT_WINDOW = timedelta(days=30)
# What the platform's documents say a review or a ticket takes; only used to say when to
# look again, never to conclude anything.
TAKEDOWN_REVIEW = timedelta(hours=72)
LEDGER_DELAY = timedelta(hours=48)
ALL_SCHEDULES = "all"
UNSEEN = "nobody attested it, and the API cannot see it"


@dataclass(frozen=True)
class Observed:
    """What the real endpoints said of one account."""

    name: str
    fans: int
    works: Sequence[Photo]
    works_count: int
    backed_up_replays: dict[str, datetime] = field(default_factory=dict)  # not listed any more


@dataclass(frozen=True)
class Synthesis:
    state: AccountState
    sources: tuple[Source, ...]
    warnings: tuple[str, ...]


def _when(photo: Photo) -> datetime:
    return datetime.fromtimestamp(photo.create_time / 1000, UTC)


def _latest(*said: Standing) -> Attestation | None:
    current = [s.current for s in said if s.current is not None]
    return max(current, key=lambda a: a.at) if current else None


class _Sources:
    def __init__(self) -> None:
        self.items: list[Source] = []

    def add(self, value: str, shown: object, how: str, detail: str = "") -> None:
        self.items.append(Source(value=value, shown=str(shown), how=how, detail=detail))

    def attested_or_not(
        self, value: str, shown: object, said: Standing | None, used: Attestation | None
    ) -> None:
        if used is not None:
            self.add(value, shown, "attested", used.describe())
        elif said is not None and said.expired is not None:
            self.add(value, shown, "expired", said.expired.describe())
        else:
            self.add(value, shown, "unknown", UNSEEN)


def synthesize(
    desired: DesiredAccount,
    seen: Observed,
    records: Sequence[Attestation],
    now: datetime,
    max_age: timedelta,
) -> Synthesis:
    def said(type_: ActionType, target: str | None = None) -> Standing:
        return standing(records, type_, target, now, max_age)

    src, warnings = _Sources(), []
    src.add("name", seen.name, "observed", "user_info")
    src.add("works", seen.works_count, "observed", "photo/count, photo/list")
    for s in (said(t) for t in T):
        if s.future is not None:
            warnings.append(
                f"{s.future.step} is attested for {s.future.at.isoformat()}, after the "
                "platform's clock: not counted"
            )

    # Live permission: attested, never observed; a work recorded after the attested
    # closure proves the account still went live.
    closing, opening = said(T.disable_live), said(T.enable_live)
    used = _latest(closing, opening)
    permission, closed_at = "enabled", None
    if used is not None and used.action is T.disable_live:
        later = [p for p in seen.works if _when(p) > used.at]
        if later:
            warnings.append(
                f"live was {used.describe()} as closed, but work {later[0].photo_id} was "
                f"recorded at {_when(later[0]).isoformat()}, after that: the attestation is "
                "set aside; check the app"
            )
            src.add(
                "live.permission", "enabled", "contradicted", f"photo/list: {later[0].photo_id}"
            )
            used = None
        else:
            permission, closed_at = "disabled", used.at
    wanted = desired.live.permission.value if desired.live and desired.live.permission else None
    if used is None and wanted == "enabled":
        permission = "disabled"  # unseen: not yet as desired
    if not any(s.value == "live.permission" for s in src.items):
        src.attested_or_not(
            "live.permission",
            permission,
            closing if wanted != "enabled" else opening,
            used,
        )

    # The 直播认证 tag: gone when live was closed, or when its removal was attested.
    removal = said(T.remove_certification)
    cert_wanted = desired.certification.live_certified if desired.certification else None
    certified = True
    if permission == "disabled" and used is not None:
        certified = False
        if cert_wanted is False:
            src.add("certification.live_certified", False, "attested", "closing live revoked it")
    elif removal.current is not None:
        certified = False
        if cert_wanted is False:
            src.attested_or_not("certification.live_certified", False, removal, removal.current)
    elif cert_wanted is False:
        src.attested_or_not("certification.live_certified", True, removal, None)
    if cert_wanted is True:
        certified = True

    schedules = []
    if desired.schedules is SchedulesPolicy.cleared:
        cancelled = said(T.cancel_schedule)
        if cancelled.current is None:
            schedules.append(
                {
                    "id": ALL_SCHEDULES,
                    "title": "every scheduled live (直播预告)",
                    "start_at": now + timedelta(days=365),
                }
            )
        src.attested_or_not(
            "schedules", "cleared" if not schedules else "unknown", cancelled, cancelled.current
        )

    purge = said(T.purge_viewer_pii)
    phones = 1
    if desired.privacy and desired.privacy.purge_viewer_phone_numbers:
        phones = 0 if purge.current is not None else 1
        src.attested_or_not(
            "privacy.viewer_phone_numbers",
            "none" if not phones else "unknown",
            purge,
            purge.current,
        )

    money = {}
    for feature in ("short_video_tipping", "shopping_cart"):
        want = getattr(desired.monetization, feature, None) if desired.monetization else None
        on, off = said(T.enable_feature, feature), said(T.disable_feature, feature)
        latest = _latest(on, off)
        if latest is not None:
            value = "enabled" if latest.action is T.enable_feature else "disabled"
        elif want is not None:
            value = "disabled" if want.value == "enabled" else "enabled"
        else:
            value = "disabled"
        money[feature] = value
        if want is not None:
            src.attested_or_not(
                f"monetization.{feature}", value, on if want.value == "enabled" else off, latest
            )

    replays = [
        {
            "id": p.photo_id,
            "title": p.caption,
            "recorded_at": _when(p),
            "size_bytes": 0,
            "sha256": "",
            "online": True,
        }
        for p in seen.works
    ]
    listed = {p.photo_id for p in seen.works}
    replays.extend(
        {"id": r, "recorded_at": at, "size_bytes": 0, "sha256": "", "online": False}
        for r, at in sorted(seen.backed_up_replays.items())
        if r not in listed
    )

    ledger = said(T.request_gift_ledger)
    ticket = None
    if ledger.current is not None:
        at = ledger.current.at
        # Nobody can see the ticket: after the usual delay the download becomes a step to
        # try (the evidence of it is what counts), before that it waits.
        ready = now >= at + LEDGER_DELAY
        ticket = Ticket(
            id="客服",
            account_id=desired.id,
            status=TicketStatus.fulfilled if ready else TicketStatus.open,
            created_at=at,
            fulfilled_at=at + LEDGER_DELAY,
        )
        src.add("gift_ledger request", "open", "attested", ledger.current.describe())

    takedown = said(T.takedown_replays)
    appeal = None
    if takedown.current is not None and listed:
        at = takedown.current.at
        if now < at + TAKEDOWN_REVIEW:
            appeal = Appeal(
                id="内容申诉",
                account_id=desired.id,
                status=AppealStatus.reviewing,
                created_at=at,
                decided_at=at + TAKEDOWN_REVIEW,
                replay_ids=sorted(listed),
            )
            src.add("takedown appeal", "reviewing", "attested", takedown.current.describe())
        else:
            warnings.append(
                f"the takedown appeal was {takedown.current.describe()}, but photo/list still "
                f"shows {', '.join(sorted(listed))} after the review time: it was not filed, "
                "or refused; the step is asked for again"
            )
            src.add(
                "takedown appeal", "not effective", "contradicted", "photo/list still lists them"
            )

    # Without an attested closure nobody knows the window closed: never call the data lost.
    exportable = closed_at is None or now <= closed_at + EXPORT_WINDOW
    until = closed_at + EXPORT_WINDOW if closed_at is not None else None
    if until is not None:
        src.add(
            "interactions.exportable_until", until.isoformat(), "attested", "closing live + 30 days"
        )

    data = {
        "id": desired.id,
        "name": seen.name,
        "kind": "personal",  # unseen: no check depends on it for manual steps
        "live": {"permission": permission, "closed_at": closed_at, "streaming": False},
        "certification": {"live_certified": certified},
        "schedules": schedules,
        "replays": replays,
        "interactions": {
            "days": 90,
            "viewer_phone_numbers": phones,
            "exportable": exportable,
            "exportable_until": until,
        },
        "monetization": money,
        "open_work": {"gift_ledger_ticket": ticket, "takedown_appeal": appeal},
        "access": {"write": True},
    }
    version_of = json.dumps(
        {
            "seen": [seen.name, [p.photo_id for p in seen.works], seen.works_count],
            "records": [r.model_dump(mode="json") for r in records],
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    data["version"] = "o-" + hashlib.sha256(version_of.encode()).hexdigest()[:16]
    return Synthesis(AccountState.model_validate(data), tuple(src.items), tuple(warnings))
