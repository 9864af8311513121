"""Numbers inside what merchants type: how each kind is written, what may split it into groups, and
which reading wins when digits fit two kinds.

shapes/__init__.py says what a whole value is; this module says how values sit in text. The
normaliser, the spaCy entity ruler, the classifier's placeholders, the form readers, masking and
the web channel's card hiding all read numbers through it, and nothing outside shapes/ writes a
number pattern of its own (tests/unit/test_number_rules.py looks for them).

Two kinds of text are searched here:
- typed text: the merchant's words once the normaliser has made full-width forms half width. The
  normaliser rewrites it with the TYPED_ patterns, and the classifier was trained on what they make.
- folded text: `fold(text)`, every digit and separator in its ASCII form, character for character,
  so a span found in it is a span of the original. Masking and the card search read it.
"""

from __future__ import annotations

import re
import unicodedata
from types import MappingProxyType
from typing import FrozenSet, Iterable, Iterator, List, Mapping, Optional, Tuple

from shapes import (
    CASE_NO,
    CASE_PREFIX,
    DATED_LENGTHS,
    MERCHANT_NO,
    MERCHANT_NO_DIGITS,
    MOBILE_HEAD,
    PHONE,
    PHONE_DIGITS,
    TERMINAL_SN,
    TICKET_NO,
    TICKET_PREFIX,
)

# ---- What may stand between groups of digits ----

# "139 1234 5678", "6222-0212-3456-7890", "ZX.2026.1205.0031": a space, a dot or a dash, typed in
# ASCII, in full width ("１３９－１２３４") or as the dashes and dots an IME or a copied document
# gives ("139—1234—5678"). Each reads as its ASCII form.
_FULL_WIDTH = {"\u3000": " ", "\uff0e": ".", "\uff0d": "-"}
_TYPOGRAPHIC = {
    "\u00b7": ".",  # · middle dot
    "\u2010": "-",  # ‐ hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # ‒ figure dash
    "\u2013": "-",  # – en dash
    "\u2014": "-",  # — em dash (an IME's ——)
    "\u2212": "-",  # − minus
}
GROUP_SEPARATORS: Mapping[str, str] = MappingProxyType({" ": " ", ".": ".", "-": "-", **_FULL_WIDTH, **_TYPOGRAPHIC})


def _char_class(chars: Iterable[str]) -> str:
    return "[" + "".join(re.escape(ch) for ch in sorted(set(chars))) + "]"


# One separator in folded text: every one above is its ASCII form there.
SEPARATOR = _char_class(GROUP_SEPARATORS.values())

# One separator in typed text, where full-width forms are already half width. The normaliser has
# never joined groups split by these rarer dashes, and the model is trained on what it writes:
# taking them too would change what the classifier reads, so that waits for a retraining.
NOT_JOINED_WHEN_TYPED = frozenset("\u2010\u2011\u2012\u2212")
TYPED_SEPARATOR = _char_class(set(GROUP_SEPARATORS) - set(_FULL_WIDTH) - NOT_JOINED_WHEN_TYPED)

# Between +86 and a mobile number, and inside that number, the normaliser has always taken any
# whitespace (tabs and line breaks too) and ASCII dots and dashes, not · – —. Trained on, as above.
COUNTRY_CODE_GAP = r"[\s.\-]"


def _fold_char(ch: str) -> str:
    if ch in GROUP_SEPARATORS:
        return GROUP_SEPARATORS[ch]
    # Decimal digits only: "❶" and "²" are digits to str.isdigit() but not numbers int() reads.
    if "\uff01" <= ch <= "\uff5e" or ch == "\u3000" or (ch.isdecimal() and not ch.isascii()):
        folded = unicodedata.normalize("NFKC", ch)
        if len(folded) == 1 and (folded.isascii() or folded.isdecimal()):
            return str(int(folded)) if folded.isdecimal() and not folded.isascii() else folded
    return ch


def fold(text: str) -> str:
    """`text` with full-width (and other non-ASCII) digits, full-width punctuation and the separators
    above as ASCII, character for character: the same length, so a span found here is a span of `text`."""
    return "".join(_fold_char(ch) for ch in text)


def digits_of(text: str) -> str:
    """The digits of a written number, its separators dropped."""
    return re.sub(r"\D", "", text)


# ---- Phones: a mainland mobile, maybe after +86 ----

# Folded text: grouped 3-4-4 or not, +86 kept apart (group 1) so a mask can show it.
PHONE_WRITTEN = re.compile(
    rf"(?<![\d+])(\+?86{SEPARATOR}?)?({MOBILE_HEAD}\d){SEPARATOR}?(\d{{4}}){SEPARATOR}?(\d{{4}})(?!\d)"
)
# Typed text: the 86 to drop, only before a whole mobile number (a merchant number may begin 8613…).
COUNTRY_CODE_BEFORE_MOBILE = re.compile(
    rf"(?<![\d+])\+?86{COUNTRY_CODE_GAP}*(?={MOBILE_HEAD}\d(?:{COUNTRY_CODE_GAP}*\d){{{PHONE_DIGITS - 3}}}(?!\d))"
)

# ---- Merchant numbers: 15 digits ----

# Folded text: standing alone, or grouped 4-4-4-3.
MERCHANT_NO_WRITTEN = re.compile(
    rf"(?<![\d+])(?:\d{{{MERCHANT_NO_DIGITS}}}|\d{{4}}{SEPARATOR}\d{{4}}{SEPARATOR}\d{{4}}{SEPARATOR}\d{{3}})(?!\d)"
)

# ---- Digits in groups (typed text) ----

# Only phone, merchant and card numbers are written in groups: two to five groups of 3–6 digits are
# joined when they make 11 to 19 digits; shorter numbers ("123 456", "2026 11") stay as typed.
DIGIT_GROUPS_TYPED = re.compile(rf"(?<!\d)\d{{3,6}}(?:{TYPED_SEPARATOR}+\d{{3,6}}){{1,4}}(?!\d)")
CARD_MIN_DIGITS, CARD_MAX_DIGITS = 13, 19
JOINED_LENGTHS = (PHONE_DIGITS, CARD_MAX_DIGITS)


def joined_digit_groups(match: re.Match) -> str:
    """DIGIT_GROUPS_TYPED's replacement: the digits alone when they have a joined number's length."""
    digits = digits_of(match.group(0))
    return digits if JOINED_LENGTHS[0] <= len(digits) <= JOINED_LENGTHS[1] else match.group(0)


# ---- Application (ZX…) and case (RG…) numbers: prefix + date + 4–6 digits ----

DATED_PREFIXES = rf"(?:{TICKET_PREFIX}|{CASE_PREFIX})"  # a regex: either prefix
# Typed text: "zx202611270001", "ZX 2026 1205 0031", "ZX-20240815-0721" — the prefix in any case and
# the digits in any grouping, only a whole number (a last-4 proof after it stays apart).
DATED_NUMBER_TYPED = re.compile(
    rf"(?<![a-z])({DATED_PREFIXES}){TYPED_SEPARATOR}*"
    rf"((?:[0-9]{TYPED_SEPARATOR}*){{{DATED_LENGTHS[0] - 1},{DATED_LENGTHS[1] - 1}}}[0-9])(?![0-9])",
    re.IGNORECASE,
)


def joined_dated_number(match: re.Match) -> str:
    """DATED_NUMBER_TYPED's replacement: "ZX202612050031"."""
    return match.group(1).upper() + digits_of(match.group(2))


# Folded text: the prefix right before a run of digits.
_DATED_PREFIX_BEFORE = re.compile(rf"(?<![A-Za-z]){DATED_PREFIXES}{SEPARATOR}*$", re.IGNORECASE)


def is_dated_number(folded: str, run: re.Match) -> bool:
    """Whether a run of digits in folded text is an application or case number's ("ZX2026120510006"):
    right after ZX/RG with a dated number's length, the digits are that number whatever else they fit
    (past 9 999 a day one in ten passes Luhn)."""
    if not DATED_LENGTHS[0] <= len(digits_of(run.group())) <= DATED_LENGTHS[1]:
        return False
    near = max(0, run.start() - 8)  # the prefix and a few separators; not the whole text each time
    return bool(_DATED_PREFIX_BEFORE.search(folded, near, run.start()))


# ---- Terminal serials (机身号) ----

# Letters then digits ("QB7720391845") is a serial even without a keyword: phones and merchant
# numbers are digits only. Typed text: such letters are upper-cased, like the ZX/RG prefixes.
SERIAL_LETTERS, SERIAL_DIGITS = r"[A-Za-z]{1,4}", r"[0-9]{6,16}"
SERIAL_LETTERS_TYPED = re.compile(rf"(?<![a-z0-9]){SERIAL_LETTERS}(?={SERIAL_DIGITS}(?![a-z0-9]))", re.IGNORECASE)
# One spaCy token (entity ruler): application and case numbers (ZX…, RG…) are not serials.
LETTERED_SERIAL_TOKEN = rf"^(?!(?i:{TICKET_PREFIX}|{CASE_PREFIX})[0-9]){SERIAL_LETTERS}{SERIAL_DIGITS}$"
# After a serial keyword, any serial-shaped token except an application or case number
# ("申请编号ZX…": the bot's own name for it ends in 编号).
SERIAL_AFTER_KEYWORD_TOKEN = rf"^(?!(?:{TICKET_NO.body}|{CASE_NO.body})$)(?:{TERMINAL_SN.body})$"

# Words after which a run of letters and digits is a serial, and digits are not a phone or a
# merchant number (spaCy tokens, lower case; the normaliser has made 机身码, 机器号… 机身号).
SERIAL_KEYWORDS: FrozenSet[str] = frozenset({"机身号", "序列号", "终端号", "sn", "编号", "终端", "设备号"})
# What may stand between such a keyword and the serial ("机身号：是 WP1234…").
BETWEEN_KEYWORD_AND_SERIAL: FrozenSet[str] = frozenset(
    {":", "：", "是", "为", "=", "号", "-", "/", "改成", "改为", "换成", "应该是"}
)
# Typed text: "S/N", "s / n" → SN, the keyword's one spelling.
SN_KEYWORD_TYPED = re.compile(r"(?<![a-z])s\s*/\s*n(?![a-z])", re.IGNORECASE)
# "SN12345678", "S/N12345678": the keyword glued to a serial.
_SN_GLUED = re.compile(rf"^(SN|S/N)(?=(?:{TERMINAL_SN.body})$)", re.IGNORECASE)


def split_serial_prefix(word: str) -> Tuple[str, str]:
    """("SN", serial) when `word` is the SN keyword glued to a serial, else ("", word)."""
    prefix = _SN_GLUED.match(word)
    return (prefix.group(1), word[prefix.end() :]) if prefix else ("", word)


# ---- Bank cards: 13–19 digits passing Luhn ----


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


def is_card(digits: str) -> bool:
    return CARD_MIN_DIGITS <= len(digits) <= CARD_MAX_DIGITS and luhn_ok(digits)


# Folded text: a run of digits where single separators may split groups ("6222 0212 3456 7890").
# A leading "+" marks an international phone number, never a card.
_DIGIT_RUN = re.compile(rf"(?<![\d+])\d+(?:{SEPARATOR}\d+)*(?!\d)")


def card_spans(folded: str) -> Iterator[Tuple[int, int]]:
    """Spans of card numbers in folded text.

    A separated run may hold more than one number ("6222 0212 3456 7890 128 13812345678"),
    so when the whole run is not a card we try windows of whole groups, longest first,
    left to right. A card is never cut inside a group of digits, and an application or case
    number's digits are never a card.
    """
    for run in _DIGIT_RUN.finditer(folded):
        if is_dated_number(folded, run):
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
                if is_card(digits_of(run.group()[start:end])):
                    yield offset + start, offset + end
                    first = last + 1
                    break
            else:
                first += 1


def find_card_numbers(text: str) -> List[str]:
    """Card numbers (13-19 digits passing Luhn) in `text`, separators removed, as ASCII digits."""
    folded = fold(text)
    return [digits_of(folded[start:end]) for start, end in card_spans(folded)]


# ---- Which reading wins ----

# 15 digits are a merchant number before they are a card: one merchant number in ten passes Luhn.
# (Wherever text is shown or logged, a 15-digit card is masked all the same.) The form reads these
# kinds before it refuses a card.
READ_BEFORE_CARD: FrozenSet[str] = frozenset({MERCHANT_NO.name})


def may_be_merchant_no(digits: str) -> bool:
    """Whether a card's digits are also a merchant number, which wins where the text is kept."""
    return MERCHANT_NO.whole.fullmatch(digits) is not None


def token_kind(token: str) -> Optional[str]:
    """Which kind of value a whole token is, for the classifier's placeholders: application and case
    numbers first, then phones, merchant numbers, other runs of digits (4 digits: a last-4 proof;
    more: cards and the rest), serials last (any of the others is serial-shaped too)."""
    for shape in (TICKET_NO, CASE_NO, PHONE, MERCHANT_NO):
        if shape.whole.fullmatch(token):
            return shape.name
    if token.isascii() and token.isdigit() and len(token) >= 4:
        return "digits4" if len(token) == 4 else "number"
    if TERMINAL_SN.whole.fullmatch(token):
        return TERMINAL_SN.name
    return None
