"""Masking for what people see and redaction for what logs keep.

Phone, merchant and bank card numbers must never reach a log line in clear. `redact` is the
safety net for free text (user messages, exception strings); code that logs on purpose should
log ticket numbers only. Which digits are which kind of number is shapes.numbers.
"""

from __future__ import annotations

import re
from typing import List, Tuple

from shapes.numbers import (
    MERCHANT_NO_WRITTEN,
    PHONE_WRITTEN,
    card_spans,
    digits_of,
    fold,
    may_be_merchant_no,
)


def mask_phone(phone: str) -> str:
    """ "13812345678" -> "138****5678"; anything too short to keep a prefix is fully masked."""
    digits = phone.strip()
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_merchant_no(merchant_no: str) -> str:
    """Keep the first 4 and last 4 characters: "862014937715503" -> "8620*******5503"."""
    value = merchant_no.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_card_no(card_no: str) -> str:
    """Keep only the last 4 digits of a card number."""
    digits = digits_of(card_no)
    return "*" * (len(digits) - 4) + digits[-4:] if len(digits) > 4 else "*" * len(digits)


def _phone_mask(match: re.Match) -> str:
    return (match.group(1) or "") + mask_phone("".join(match.groups()[1:]))


def _merchant_mask(match: re.Match) -> str:
    return mask_merchant_no(digits_of(match.group()))


def sensitive_spans(text: str) -> List[Tuple[int, int, str]]:
    """(start, end, masked) for every card, mobile and merchant number in `text`, in order.

    Cards go first: a card number contains digit runs that could look like the others.
    """
    folded = fold(text)
    spans = [(start, end, mask_card_no(folded[start:end])) for start, end in card_spans(folded)]
    for pattern, mask in ((PHONE_WRITTEN, _phone_mask), (MERCHANT_NO_WRITTEN, _merchant_mask)):
        for match in pattern.finditer(folded):
            if not any(match.start() < end and start < match.end() for start, end, _ in spans):
                spans.append((match.start(), match.end(), mask(match)))
    return sorted(spans)


CARD_PLACEHOLDER = "[卡号已隐藏]"


def hide_card_numbers(text: str) -> str:
    """`text` with every card number replaced by CARD_PLACEHOLDER, before anything stores it.

    15 digits are left alone: that is a merchant number's shape, and one in ten passes Luhn (the
    few 15-digit cards are still masked wherever text is shown or logged)."""
    folded = fold(text)
    pieces, cursor = [], 0
    for start, end in card_spans(folded):
        if may_be_merchant_no(digits_of(folded[start:end])):
            continue
        pieces += [text[cursor:start], CARD_PLACEHOLDER]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def redact(text: str) -> str:
    """`text` with card, mobile and 15-digit merchant numbers masked, safe to log and to show."""
    pieces, cursor = [], 0
    for start, end, masked in sensitive_spans(text):
        pieces += [text[cursor:start], masked]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)
