"""Read form answers out of what a merchant typed (normalised the same way NLU sees it)."""

from __future__ import annotations

import re
from typing import Optional, Tuple

import shapes
from chinese_nlp.normalizer import normalize_text
from shapes.masking import CARD_PLACEHOLDER
from shapes.numbers import find_card_numbers, split_serial_prefix
from tickets.statuses import Reason

MAX_TEXT = 200

_REASON_WORDS = (
    (Reason.FROZEN, ("冻结", "违规", "封", "风控", "限制")),
    (Reason.SHOP_CLOSED, ("关店", "店关", "关门", "转让", "倒闭", "不开了", "结业", "关闭")),
    (Reason.NO_LONGER_USED, ("不用", "不再使用", "闲置", "用不上", "换")),
)


def _clean(text: Optional[str]) -> str:
    return normalize_text(text or "")[: MAX_TEXT * 2]


def contains_card_number(text: Optional[str]) -> bool:
    """A card number, or the marker the web channel leaves where it hid one."""
    text = (text or "")[: MAX_TEXT * 2]
    return CARD_PLACEHOLDER in text or bool(find_card_numbers(text))


def merchant_no_in(text: Optional[str]) -> Optional[str]:
    return shapes.MERCHANT_NO.single_in(_clean(text))


def phone_in(text: Optional[str]) -> Optional[str]:
    return shapes.PHONE.single_in(_clean(text))


def terminal_sn_in(text: Optional[str]) -> Optional[str]:
    """The one serial in the text; the SN keyword glued to it is not part of it."""
    runs = shapes.TERMINAL_SN.in_text.findall(_clean(text))
    candidates = [split_serial_prefix(run)[1].upper() for run in runs]
    return candidates[0] if len(candidates) == 1 else None


def ticket_no_in(text: Optional[str]) -> Optional[str]:
    return shapes.TICKET_NO.single_in(_clean(text))


def reason_in(text: Optional[str]) -> Tuple[Reason, Optional[str]]:
    """A reason category; anything else is 其他 with the merchant's words as the detail."""
    cleaned = _clean(text).strip()
    for reason, words in _REASON_WORDS:
        if any(word in cleaned for word in words):
            return reason, None
    detail = re.sub(r"^其他[:：,，\s]*", "", cleaned)[:MAX_TEXT] or None
    return Reason.OTHER, detail


# "No balance left" is a yes to "is the balance cleared?", though it says 没.
_NOTHING_LEFT = re.compile(r"(没有?|无)(余额|钱)|余额(已经)?(没|无|为零|为0|是0|清零)|(钱|余额)都(转|提|取)")
_NO_WORDS = ("没", "未", "不", "还有", "否")
_YES_WORDS = ("是", "已", "对", "好", "转出了", "确认", "继续", "可以", "行", "嗯")


def yes_no_in(text: Optional[str]) -> Optional[bool]:
    """A yes/no answer in words ("还没有转出" → False); None when it is neither."""
    cleaned = _clean(text)
    if _NOTHING_LEFT.search(cleaned):
        return True
    if any(word in cleaned for word in _NO_WORDS):
        return False
    if any(word in cleaned for word in _YES_WORDS):
        return True
    return None


def recognised_reason(text: Optional[str]) -> Optional[Reason]:
    reason, _ = reason_in(text)
    return None if reason is Reason.OTHER else reason
