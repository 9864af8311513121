"""Masking for what people see and redaction for what logs keep.

Phone, merchant and bank card numbers must never reach a log line in clear. `redact` is the
safety net for free text (user messages, exception strings); code that logs on purpose should
log ticket numbers only.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator, List, Tuple

from shapes import DATED_LENGTHS, DATED_PREFIXES

# Text is searched in a folded copy of the same length: full-width digits and separators
# ("１３９　１２３４－５６７８") and dashes read as their ASCII forms, so positions still match.
_DASHES = {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00b7": "."}
_SEP = r"[ .\-]"  # what may separate groups of digits: a space, a dot, a dash
# Mainland mobile: 1[3-9] + 9 digits, optionally +86/86, grouped 3-4-4 or not.
_PHONE = re.compile(rf"(?<![\d+])(\+?86{_SEP}?)?(1[3-9]\d){_SEP}?(\d{{4}}){_SEP}?(\d{{4}})(?!\d)")
# Merchant numbers: 15 digits standing alone, or grouped 4-4-4-3.
_MERCHANT = re.compile(rf"(?<![\d+])(?:\d{{15}}|\d{{4}}{_SEP}\d{{4}}{_SEP}\d{{4}}{_SEP}\d{{3}})(?!\d)")
# A run of digits where single separators may split groups ("6222 0212 3456 7890").
# A leading "+" marks an international phone number, never a card.
_DIGIT_RUN = re.compile(rf"(?<![\d+])\d+(?:{_SEP}\d+)*(?!\d)")

# An application or case number's prefix, right before its digits.
_DATED_PREFIX = re.compile(rf"(?<![A-Za-z]){DATED_PREFIXES}{_SEP}*$", re.IGNORECASE)

CARD_MIN_DIGITS, CARD_MAX_DIGITS = 13, 19
MERCHANT_NO_DIGITS = 15


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


def _fold_char(ch: str) -> str:
    if ch in _DASHES:
        return _DASHES[ch]
    # Decimal digits only: "❶" and "²" are digits to str.isdigit() but not numbers int() reads.
    if "\uff01" <= ch <= "\uff5e" or ch == "\u3000" or (ch.isdecimal() and not ch.isascii()):
        folded = unicodedata.normalize("NFKC", ch)
        if len(folded) == 1 and (folded.isascii() or folded.isdecimal()):
            return str(int(folded)) if folded.isdecimal() and not folded.isascii() else folded
    return ch


def fold(text: str) -> str:
    """`text` with full-width (and other non-ASCII) digits, full-width punctuation and dashes as
    ASCII, character for character: the same length, so a span found here is a span of `text`."""
    return "".join(_fold_char(ch) for ch in text)


def mask_card_no(card_no: str) -> str:
    """Keep only the last 4 digits of a card number."""
    digits = re.sub(r"\D", "", card_no)
    return "*" * (len(digits) - 4) + digits[-4:] if len(digits) > 4 else "*" * len(digits)


def luhn_ok(digits: str) -> bool:
    if not (digits.isascii() and digits.isdigit()):
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


def _is_dated_number(text: str, run: re.Match) -> bool:
    """The digits of an application or case number ("ZX2026120500031"): one in ten of the longer
    ones passes Luhn, and hiding it would lose the number the merchant is asking about."""
    digits = len(re.sub(r"\D", "", run.group()))
    near = max(0, run.start() - 8)  # the prefix and a few separators; not the whole text each time
    return DATED_LENGTHS[0] <= digits <= DATED_LENGTHS[1] and bool(_DATED_PREFIX.search(text, near, run.start()))


def _card_spans(text: str) -> Iterator[Tuple[int, int]]:
    """Spans of card numbers in `text`.

    A separated run may hold more than one number ("6222 0212 3456 7890 128 13812345678"),
    so when the whole run is not a card we try windows of whole groups, longest first,
    left to right. A card is never cut inside a group of digits.
    """
    for run in _DIGIT_RUN.finditer(text):
        if _is_dated_number(text, run):
            continue
        groups = [(m.start(), m.end()) for m in re.finditer(r"\d+", run.group())]
        digits_before = [0]  # digits in groups[:i], so a window's size is a subtraction
        for start, end in groups:
            digits_before.append(digits_before[-1] + end - start)
        offset = run.start()
        first = 0
        while first < len(groups):
            # Only windows of at most CARD_MAX_DIGITS digits can be cards: linear in the run.
            widest = first
            while widest + 1 < len(groups) and digits_before[widest + 2] - digits_before[first] <= CARD_MAX_DIGITS:
                widest += 1
            for last in range(widest, first - 1, -1):
                start, end = groups[first][0], groups[last][1]
                if _is_card(re.sub(r"\D", "", run.group()[start:end])):
                    yield offset + start, offset + end
                    first = last + 1
                    break
            else:
                first += 1


def find_card_numbers(text: str) -> List[str]:
    """Card numbers (13-19 digits passing Luhn) in `text`, separators removed, as ASCII digits."""
    folded = fold(text)
    return [re.sub(r"\D", "", folded[start:end]) for start, end in _card_spans(folded)]


def _phone_mask(match: re.Match) -> str:
    return (match.group(1) or "") + mask_phone("".join(match.groups()[1:]))


def _merchant_mask(match: re.Match) -> str:
    return mask_merchant_no(re.sub(r"\D", "", match.group()))


def sensitive_spans(text: str) -> List[Tuple[int, int, str]]:
    """(start, end, masked) for every card, mobile and merchant number in `text`, in order.

    Cards go first: a card number contains digit runs that could look like the others.
    """
    folded = fold(text)
    spans = [(start, end, mask_card_no(folded[start:end])) for start, end in _card_spans(folded)]
    for pattern, mask in ((_PHONE, _phone_mask), (_MERCHANT, _merchant_mask)):
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
    for start, end in _card_spans(folded):
        if len(re.sub(r"\D", "", folded[start:end])) == MERCHANT_NO_DIGITS:
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
