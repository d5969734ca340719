"""Which actions the platform performs through its API, and the step in the app for the rest.

The modelled API (and its sandbox) performs every action type. A provider for the real
open platform will perform only those with real endpoints (DESIGN §7): its plan marks the
others `manual` with the exact path in the app, apply waits for the person, and the next
refresh verifies the step (an action a fresh plan no longer needs is done).
"""

from __future__ import annotations

from dataclasses import dataclass

from ksctl.engine.action import ActionType

T = ActionType

# The path in the app, per action type. From the domain source: disable_live (seed §1),
# export_interactions, request_gift_ledger and download_replay (§2), takedown_replays (§6).
# The others are this project's best description until a real provider confirms them.
MANUAL_STEPS: dict[ActionType, str] = {
    T.enable_feature: "创作者中心 → 变现 → 开通功能（短视频打赏、购物车）",
    T.disable_feature: "创作者中心 → 变现 → 关闭功能",
    T.export_interactions: "数据中心 → 直播记录 → 下载互动数据（近 3 个月）",
    T.request_gift_ledger: "联系客服 → 申请礼物流水数据打包",
    T.download_gift_ledger: "联系客服 → 下载已准备好的礼物流水",
    T.download_replay: "直播回放 → 下载至本地",
    T.purge_viewer_pii: "数据中心 → 观众信息 → 删除观众手机号",
    T.cancel_schedule: "直播中心 → 直播预约 → 取消预约",
    T.remove_certification: "设置 → 账号与安全 → 直播中心 → 直播认证 → 撤销认证",
    T.enable_live: "设置 → 账号与安全 → 直播中心 → 开通直播权限",
    T.disable_live: "设置 → 账号与安全 → 直播中心 → 关闭直播权限（短信验证码）",
    T.takedown_replays: "内容申诉 → 提交版权证明 → 申请下架直播回放",
}


@dataclass(frozen=True)
class Provider:
    name: str
    performs: frozenset[ActionType]

    def manual_step(self, type_: ActionType) -> str | None:
        """The app path a person follows for `type_`, or None when the API performs it."""
        return None if type_ in self.performs else MANUAL_STEPS[type_]


MODELLED_API = Provider("modelled-api", frozenset(ActionType))
