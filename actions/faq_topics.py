"""Titles and example questions for the quick-reply buttons that point at a topic.

The answers themselves live only in domain.yml (`utter_faq/<key>`); a button sends the question
text, so the merchant's click goes through NLU like a typed message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional


@dataclass(frozen=True)
class Topic:
    title: str
    question: str


FAQ_TOPICS: Dict[str, Topic] = {
    "reasons": Topic("注销常见原因", "什么情况下需要注销POS机"),
    "frozen_device": Topic("机器被冻结", "POS机被冻结了能注销吗"),
    "shop_closed": Topic("店铺关闭或转让", "店铺关了POS机怎么办"),
    "policy_and_fees": Topic("注销政策与费用", "注销要收费吗"),
    "preparation": Topic("注销前准备", "注销前要做哪些准备"),
    "required_documents": Topic("所需材料证明", "注销需要准备哪些材料"),
    "device_return": Topic("设备回收", "注销后POS机要交还吗"),
    "contact_support": Topic("客服联系方式", "怎么联系随行付客服"),
    "process_steps": Topic("注销流程", "注销流程是什么"),
    "application_form": Topic("填写申请表", "注销申请表怎么填"),
    "review_time": Topic("审核时间", "注销审核要多久"),
    "balance": Topic("账户余额处理", "注销后余额怎么取出来"),
    "unbind_card": Topic("解绑银行卡", "结算银行卡怎么解绑"),
    "revoke_authorization": Topic("撤销授权", "怎么撤销授权"),
    "confirm_result": Topic("确认注销结果", "怎么确认注销成功了"),
    "precautions": Topic("注意事项", "注销有什么注意事项"),
    "backup_records": Topic("备份与保留记录", "交易记录需要备份吗"),
    "notify_bank": Topic("通知银行等相关方", "注销要通知银行吗"),
    "security_check": Topic("安全验证", "回收时的安全验证是什么"),
    "pos_types": Topic("机型与注销差异", "电签和传统POS机注销一样吗"),
    "takes_effect": Topic("注销何时生效", "注销什么时候生效"),
    "step_order": Topic("办理先后顺序", "先交设备还是先申请"),
    "rejection": Topic("申请未通过", "注销申请为什么会被驳回"),
    "use_during_review": Topic("审核期间使用机器", "审核期间机器还能用吗"),
    "official_channels": Topic("官方渠道与防骗", "注销只能走官方渠道吗"),
    "reopen": Topic("注销后能否恢复", "注销了还能恢复吗"),
    "multiple_terminals": Topic("多台POS机注销", "我有好几台pos，要分别注销吗"),
}
# faq/not_covered is no topic: the honest "the policy does not say" reply is never offered as a button.
NOT_COVERED = "not_covered"

# Non-FAQ intents a merchant may have meant when NLU is unsure.
INTENT_TOPICS: Dict[str, Topic] = {
    "request_deregistration": Topic("申请注销", "我要申请注销POS机"),
    "check_ticket": Topic("查询申请进度", "查询我的注销申请进度"),
    "cancel_ticket": Topic("撤回注销申请", "我要撤回注销申请"),
    "request_human": Topic("转人工", "转人工"),
}


def topic_for(label: str) -> Optional[Topic]:
    """`faq/<key>` or an intent name → its topic, if it has one."""
    if label.startswith("faq/"):
        return FAQ_TOPICS.get(label.split("/", 1)[1])
    return INTENT_TOPICS.get(label)
