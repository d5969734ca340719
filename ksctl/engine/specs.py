"""One spec per action type: everything ksctl knows about a kind of action, in one place.

The engine reads it to build and order actions, the renderers to show them, the provider
to say what a person does in the app, and apply registers one reconcile per type
(`ksctl/apply/reconcile.py`). Adding an action type is a member of `ActionType`, its
`ActionSpec` here, the rule in `engine/catalogue.py` that calls for it and its reconcile.
See docs/architecture.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class ActionType(StrEnum):
    # Declaration order is the tie-break of the deterministic sort within an account.
    enable_feature = "enable_feature"
    disable_feature = "disable_feature"
    export_interactions = "export_interactions"
    request_gift_ledger = "request_gift_ledger"
    download_gift_ledger = "download_gift_ledger"
    download_replay = "download_replay"
    purge_viewer_pii = "purge_viewer_pii"
    cancel_schedule = "cancel_schedule"
    remove_certification = "remove_certification"
    enable_live = "enable_live"
    disable_live = "disable_live"
    takedown_replays = "takedown_replays"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def spec(self) -> ActionSpec:
        return SPECS[self]


Symbol = Literal["+", "~", "-"]


@dataclass(frozen=True)
class ActionSpec:
    """What an action type is, independent of any account."""

    symbol: Symbol  # in a diff: creates (+), changes (~) or removes (-)
    write_calls: int  # platform writes it costs when nothing of it is done yet
    irreversible: bool  # no action undoes it
    backup: bool  # it stores a backup file (so the plan names the destination)
    needs_verification: bool  # a second confirmation (the SMS code) before the write
    manual: str  # the path in the app, when a provider's API cannot perform it
    noun: str  # a short name of what it does, for summaries
    description: str  # one line


T = ActionType

# The app paths come from the domain source where it gives them: disable_live (seed §1),
# export_interactions, request_gift_ledger and download_replay (§2), takedown_replays (§6).
# The others are this project's best description until a real provider confirms them.
SPECS: dict[ActionType, ActionSpec] = {
    T.enable_feature: ActionSpec(
        symbol="~",
        write_calls=1,
        irreversible=False,
        backup=False,
        needs_verification=False,
        manual="创作者中心 → 变现 → 开通功能（短视频打赏、购物车）",
        noun="feature switch-on",
        description="switch a monetization feature on (short-video tipping, shopping cart)",
    ),
    T.disable_feature: ActionSpec(
        symbol="~",
        write_calls=1,
        irreversible=False,
        backup=False,
        needs_verification=False,
        manual="创作者中心 → 变现 → 关闭功能",
        noun="feature switch-off",
        description="switch a monetization feature off",
    ),
    T.export_interactions: ActionSpec(
        symbol="+",
        write_calls=1,  # opening the export job; reusing an open one costs none
        irreversible=False,
        backup=True,
        needs_verification=False,
        manual="数据中心 → 直播记录 → 下载互动数据（近 3 个月）",
        noun="interactions backup",
        description="export the viewers' interaction data and store it as a backup",
    ),
    T.request_gift_ledger: ActionSpec(
        symbol="+",
        write_calls=1,
        irreversible=False,
        backup=False,
        needs_verification=False,
        manual="联系客服 → 申请礼物流水数据打包",
        noun="gift-ledger request",
        description="open a ticket for the gift ledger (fulfilled in hours to days)",
    ),
    T.download_gift_ledger: ActionSpec(
        symbol="+",
        write_calls=0,
        irreversible=False,
        backup=True,
        needs_verification=False,
        manual="联系客服 → 下载已准备好的礼物流水",
        noun="gift-ledger backup",
        description="download the fulfilled gift ledger and store it as a backup",
    ),
    T.download_replay: ActionSpec(
        symbol="+",
        write_calls=0,
        irreversible=False,
        backup=True,
        needs_verification=False,
        manual="直播回放 → 下载至本地",
        noun="replay backup",
        description="download a live replay and store it as a backup",
    ),
    T.purge_viewer_pii: ActionSpec(
        symbol="-",
        write_calls=1,
        irreversible=True,
        backup=False,
        needs_verification=False,
        manual="数据中心 → 观众信息 → 删除观众手机号",
        noun="phone-number purge",
        description="delete the viewers' phone numbers the account holds",
    ),
    T.cancel_schedule: ActionSpec(
        symbol="-",
        write_calls=1,
        irreversible=False,
        backup=False,
        needs_verification=False,
        manual="直播中心 → 直播预约 → 取消预约",
        noun="schedule cancellation",
        description="cancel a scheduled live",
    ),
    T.remove_certification: ActionSpec(
        symbol="-",
        write_calls=1,
        irreversible=False,
        backup=False,
        needs_verification=False,
        manual="设置 → 账号与安全 → 直播中心 → 直播认证 → 撤销认证",
        noun="certification removal",
        description="remove the live-certification tag",
    ),
    T.enable_live: ActionSpec(
        symbol="~",
        write_calls=1,
        irreversible=False,
        backup=False,
        needs_verification=False,
        manual="设置 → 账号与安全 → 直播中心 → 开通直播权限",
        noun="live opening",
        description="grant the live-streaming permission",
    ),
    T.disable_live: ActionSpec(
        symbol="~",
        write_calls=3,  # send the SMS code, verify it, disable
        irreversible=False,
        backup=False,
        needs_verification=True,
        manual="设置 → 账号与安全 → 直播中心 → 关闭直播权限（短信验证码）",
        noun="live closure",
        description="close the live-streaming permission (after the backups it needs)",
    ),
    T.takedown_replays: ActionSpec(
        symbol="-",
        write_calls=1,
        irreversible=True,
        backup=False,
        needs_verification=False,
        manual="内容申诉 → 提交版权证明 → 申请下架直播回放",
        noun="replay takedown",
        description="take the online replays down through a copyright appeal",
    ),
}

_RANK = {type_: index for index, type_ in enumerate(ActionType)}

BACKUP_ACTIONS = frozenset(t for t, s in SPECS.items() if s.backup)
IRREVERSIBLE = frozenset(t for t, s in SPECS.items() if s.irreversible)
