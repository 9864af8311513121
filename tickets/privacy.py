"""Masking for what people see and redaction for what logs keep.

Phone, merchant and bank card numbers must never reach a log line in clear. `redact` is the
safety net for free text (user messages, exception strings); code that logs on purpose should
log ticket numbers only.
"""
from __future__ import annotations

import re
from typing import Iterator, List, Tuple

# Mainland mobile: 1[3-9] + 9 digits, optionally +86/86 and grouped as 3-4-4 with spaces/dashes.
_PHONE = re.compile(r"(?<!\d)(\+?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
# Merchant numbers are exactly 15 digits standing alone.
_MERCHANT = re.compile(r"(?<!\d)\d{15}(?!\d)")
# A run of digits where single spaces or dashes may separate groups ("6222 0212 3456 7890").
# A leading "+" marks an international phone number, never a card.
_DIGIT_RUN = re.compile(r"(?<![\d+])\d+(?:[ -]\d+)*(?!\d)")

CARD_MIN_DIGITS, CARD_MAX_DIGITS = 13, 19


def mask_phone(phone: str) -> str:
    """"13812345678" -> "138****5678"; anything too short to keep a prefix is fully masked."""
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
    digits = re.sub(r"\D", "", card_no)
    return "*" * (len(digits) - 4) + digits[-4:] if len(digits) > 4 else "*" * len(digits)


def luhn_ok(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _is_card(digits: str) -> bool:
    return CARD_MIN_DIGITS <= len(digits) <= CARD_MAX_DIGITS and luhn_ok(digits)


def _card_spans(text: str) -> Iterator[Tuple[int, int]]:
    """Spans of card numbers in `text`.

    A separated run may hold more than one number ("6222 0212 3456 7890 128 13812345678"),
    so when the whole run is not a card we try windows of whole groups, longest first,
    left to right. A card is never cut inside a group of digits.
    """
    for run in _DIGIT_RUN.finditer(text):
        groups = [(m.start(), m.end()) for m in re.finditer(r"\d+", run.group())]
        digits_before = [0]  # digits in groups[:i], so a window's size is a subtraction
        for start, end in groups:
            digits_before.append(digits_before[-1] + end - start)
        offset = run.start()
        first = 0
        while first < len(groups):
            # Only windows of at most CARD_MAX_DIGITS digits can be cards: linear in the run.
            last = first
            while last + 1 < len(groups) and digits_before[last + 2] - digits_before[first] <= CARD_MAX_DIGITS:
                last += 1
            for last in range(last, first - 1, -1):
                start, end = groups[first][0], groups[last][1]
                if _is_card(re.sub(r"\D", "", run.group()[start:end])):
                    yield offset + start, offset + end
                    first = last + 1
                    break
            else:
                first += 1


def find_card_numbers(text: str) -> List[str]:
    """Card numbers (13-19 digits passing Luhn) in `text`, separators removed."""
    return [re.sub(r"\D", "", text[start:end]) for start, end in _card_spans(text)]


def redact(text: str) -> str:
    """`text` with card, mobile and 15-digit merchant numbers masked, safe to log.

    Cards go first: a card number contains digit runs that could look like the others.
    """
    pieces, cursor = [], 0
    for start, end in _card_spans(text):
        pieces += [text[cursor:start], mask_card_no(text[start:end])]
        cursor = end
    pieces.append(text[cursor:])
    masked = "".join(pieces)
    masked = _PHONE.sub(lambda m: (m.group(1) or "") + mask_phone("".join(m.groups()[1:])), masked)
    return _MERCHANT.sub(lambda m: mask_merchant_no(m.group()), masked)
