"""Titles and example questions for the quick-reply buttons that point at a topic (the fallback's
「您是想问…」), and the topics' names on the leads' board.

The answers themselves live only in domain.yml (`utter_faq/<topic>`); a button sends the question
text, so the merchant's click goes through NLU like a typed message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional

from dialogue.names import FaqTopic, Intent, faq_label


@dataclass(frozen=True)
class Topic:
    title: str
    question: str


FAQ_TOPICS: Dict[str, Topic] = {
    FaqTopic.REASONS: Topic("注销常见原因", "什么情况下需要注销POS机"),
    FaqTopic.FROZEN_DEVICE: Topic("机器被冻结", "POS机被冻结了能注销吗"),
    FaqTopic.SHOP_CLOSED: Topic("店铺关闭或转让", "店铺关了POS机怎么办"),
    FaqTopic.POLICY_AND_FEES: Topic("注销政策与费用", "注销要收费吗"),
    FaqTopic.PREPARATION: Topic("注销前准备", "注销前要做哪些准备"),
    FaqTopic.REQUIRED_DOCUMENTS: Topic("所需材料证明", "注销需要准备哪些材料"),
    FaqTopic.DEVICE_RETURN: Topic("设备回收", "注销后POS机要交还吗"),
    FaqTopic.CONTACT_SUPPORT: Topic("客服联系方式", "怎么联系随行付客服"),
    FaqTopic.PROCESS_STEPS: Topic("注销流程", "注销流程是什么"),
    FaqTopic.APPLICATION_FORM: Topic("填写申请表", "注销申请表怎么填"),
    FaqTopic.REVIEW_TIME: Topic("审核时间", "注销审核要多久"),
    FaqTopic.BALANCE: Topic("账户余额处理", "注销后余额怎么取出来"),
    FaqTopic.UNBIND_CARD: Topic("解绑银行卡", "结算银行卡怎么解绑"),
    FaqTopic.REVOKE_AUTHORIZATION: Topic("撤销授权", "怎么撤销授权"),
    FaqTopic.CONFIRM_RESULT: Topic("确认注销结果", "怎么确认注销成功了"),
    FaqTopic.PRECAUTIONS: Topic("注意事项", "注销有什么注意事项"),
    FaqTopic.BACKUP_RECORDS: Topic("备份与保留记录", "交易记录需要备份吗"),
    FaqTopic.NOTIFY_BANK: Topic("通知银行等相关方", "注销要通知银行吗"),
    FaqTopic.SECURITY_CHECK: Topic("安全验证", "回收时的安全验证是什么"),
    FaqTopic.POS_TYPES: Topic("机型与注销差异", "电签和传统POS机注销一样吗"),
    FaqTopic.TAKES_EFFECT: Topic("注销何时生效", "注销什么时候生效"),
    FaqTopic.STEP_ORDER: Topic("办理先后顺序", "先交设备还是先申请"),
    FaqTopic.REJECTION: Topic("申请未通过", "注销申请为什么会被驳回"),
    FaqTopic.USE_DURING_REVIEW: Topic("审核期间使用机器", "审核期间机器还能用吗"),
    FaqTopic.OFFICIAL_CHANNELS: Topic("官方渠道与防骗", "注销只能走官方渠道吗"),
    FaqTopic.REOPEN: Topic("注销后能否恢复", "注销了还能恢复吗"),
    FaqTopic.MULTIPLE_TERMINALS: Topic("多台POS机注销", "我有好几台pos，要分别注销吗"),
}
# faq/not_covered (names.NOT_COVERED) has no button: the honest "the policy does not say" is never offered.

# Non-FAQ intents a merchant may have meant when NLU is unsure.
INTENT_TOPICS: Dict[str, Topic] = {
    Intent.REQUEST_DEREGISTRATION: Topic("申请注销", "我要申请注销POS机"),
    Intent.CHECK_TICKET: Topic("查询申请进度", "查询我的注销申请进度"),
    Intent.CANCEL_TICKET: Topic("撤回注销申请", "我要撤回注销申请"),
    Intent.REQUEST_HUMAN: Topic("转人工", "转人工"),
}
_FAQ_PREFIX = faq_label("")


def topic_for(label: str) -> Optional[Topic]:
    """`faq/<topic>` or an intent name → its button, if it has one."""
    if label.startswith(_FAQ_PREFIX):
        return FAQ_TOPICS.get(label[len(_FAQ_PREFIX) :])
    return INTENT_TOPICS.get(label)
