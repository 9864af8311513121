"""The vocabulary: labels and the state machine."""

import pytest

from tickets.statuses import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    Actor,
    HandoffStatus,
    Reason,
    Status,
    can_move,
    label,
)


def test_chinese_labels():
    assert [label(s) for s in Status] == ["已提交", "审核中", "待回收设备", "已注销", "已驳回", "已撤回"]
    assert label("in_review") == "审核中"
    assert [r.label for r in Reason] == ["不再使用", "违规冻结", "店铺关闭或转让", "其他"]
    assert [a.value for a in Actor] == ["bot", "merchant", "staff", "agent"]
    assert [s.label for s in HandoffStatus] == ["排队中", "处理中", "已转回机器人", "已结束"]


def test_state_machine():
    assert OPEN_STATUSES == {Status.SUBMITTED, Status.IN_REVIEW, Status.AWAITING_DEVICE_RETURN}
    assert FINAL_STATUSES == {Status.COMPLETED, Status.REJECTED, Status.WITHDRAWN}
    assert TRANSITIONS[Status.SUBMITTED] == {Status.IN_REVIEW, Status.REJECTED, Status.WITHDRAWN}
    assert TRANSITIONS[Status.IN_REVIEW] == {Status.AWAITING_DEVICE_RETURN, Status.REJECTED, Status.WITHDRAWN}
    assert TRANSITIONS[Status.AWAITING_DEVICE_RETURN] == {Status.COMPLETED, Status.REJECTED, Status.WITHDRAWN}
    assert all(not can_move(final, target) for final in FINAL_STATUSES for target in Status)


def test_stored_values_are_plain_strings():
    assert Status.IN_REVIEW == "in_review" and f"{Status.IN_REVIEW}" == "in_review"
    assert Status("awaiting_device_return") is Status.AWAITING_DEVICE_RETURN


@pytest.mark.parametrize("text", ["in_review", "审核中", " 审核中 "])
def test_parse_value_or_label(text):
    assert Status.parse(text) is Status.IN_REVIEW


def test_parse_unknown_lists_choices():
    with pytest.raises(ValueError, match="已提交"):
        Status.parse("done")
