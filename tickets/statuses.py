"""Ticket and case vocabulary: statuses and the moves between them, reasons, actors.

Stored values are short English words; people only ever see the Chinese labels.
"""

from __future__ import annotations

from enum import Enum
from typing import FrozenSet, Mapping, Union


class LabelledEnum(str, Enum):
    """A str Enum whose members also carry a Chinese label: `Status.COMPLETED.label == "已注销"`."""

    label: str

    def __new__(cls, value: str, label: str) -> "LabelledEnum":
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    def __str__(self) -> str:  # f-strings and logs show the stored value, not "Status.X"
        return self.value

    @classmethod
    def parse(cls, text: str):
        """Accept either the stored value ("in_review") or the Chinese label ("审核中")."""
        cleaned = text.strip()
        for member in cls:
            if cleaned in (member.value, member.label):
                return member
        choices = "、".join(f"{m.value}（{m.label}）" for m in cls)
        raise ValueError(f"无法识别“{cleaned[:40]}”，可选：{choices}")


class Status(LabelledEnum):
    SUBMITTED = ("submitted", "已提交")
    IN_REVIEW = ("in_review", "审核中")
    AWAITING_DEVICE_RETURN = ("awaiting_device_return", "待回收设备")
    COMPLETED = ("completed", "已注销")
    REJECTED = ("rejected", "已驳回")
    WITHDRAWN = ("withdrawn", "已撤回")


class Reason(LabelledEnum):
    NO_LONGER_USED = ("no_longer_used", "不再使用")
    FROZEN = ("frozen", "违规冻结")
    SHOP_CLOSED = ("shop_closed", "店铺关闭或转让")
    OTHER = ("other", "其他")


class Actor(LabelledEnum):
    """Who made a change; recorded on every history row."""

    BOT = ("bot", "机器人")
    MERCHANT = ("merchant", "商户")
    STAFF = ("staff", "工作人员")
    AGENT = ("agent", "人工客服")


# The whole state machine. A merchant (or staff) may withdraw at any point before it is final;
# staff may reject at any point before it is final.
TRANSITIONS: Mapping[Status, FrozenSet[Status]] = {
    Status.SUBMITTED: frozenset({Status.IN_REVIEW, Status.REJECTED, Status.WITHDRAWN}),
    Status.IN_REVIEW: frozenset({Status.AWAITING_DEVICE_RETURN, Status.REJECTED, Status.WITHDRAWN}),
    Status.AWAITING_DEVICE_RETURN: frozenset({Status.COMPLETED, Status.REJECTED, Status.WITHDRAWN}),
    Status.COMPLETED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}

FINAL_STATUSES: FrozenSet[Status] = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
# A terminal may have at most one ticket in these (enforced by a partial unique index).
OPEN_STATUSES: FrozenSet[Status] = frozenset(Status) - FINAL_STATUSES


def can_move(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def label(value: Union[LabelledEnum, str]) -> str:
    """Chinese label of a status (or of any enum above); a plain string is read as a Status value."""
    if isinstance(value, LabelledEnum):
        return value.label
    return Status(value).label


# --- handoff cases: a conversation waiting for, or being served by, a person ---------------------


class HandoffStatus(LabelledEnum):
    QUEUED = ("queued", "排队中")
    CLAIMED = ("claimed", "处理中")
    RETURNED = ("returned", "已转回机器人")
    CLOSED = ("closed", "已结束")


class AgentRole(LabelledEnum):
    AGENT = ("agent", "客服")
    LEAD = ("lead", "客服组长")  # also sees the insights (/console/insights)


class HandoffReason(LabelledEnum):
    REQUESTED = ("requested", "商户要求转人工")
    COMPLAINT = ("complaint", "商户投诉")
    NOT_UNDERSTOOD = ("not_understood", "机器人连续未能理解")


# The whole handoff state machine: claim, return, close and requeue all check it (can_move_case).
HANDOFF_TRANSITIONS: Mapping[HandoffStatus, FrozenSet[HandoffStatus]] = {
    # An agent claims a waiting case, or closes it unread (spam, a merchant who left).
    HandoffStatus.QUEUED: frozenset({HandoffStatus.CLAIMED, HandoffStatus.CLOSED}),
    # Back to the queue when the agent's account is disabled.
    HandoffStatus.CLAIMED: frozenset({HandoffStatus.RETURNED, HandoffStatus.CLOSED, HandoffStatus.QUEUED}),
    HandoffStatus.RETURNED: frozenset(),
    HandoffStatus.CLOSED: frozenset(),
}
# While a case is in one of these the bot stays silent in its conversation (at most one per conversation).
ACTIVE_HANDOFF_STATUSES: FrozenSet[HandoffStatus] = frozenset(
    s for s, targets in HANDOFF_TRANSITIONS.items() if targets
)


def can_move_case(current: HandoffStatus, target: HandoffStatus) -> bool:
    return target in HANDOFF_TRANSITIONS[current]
