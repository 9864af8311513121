"""The shapes of the values merchants give — the one home of each format.

Every user of a shape derives its pattern from here: the spaCy entity ruler (token patterns),
the classifier's placeholders (chinese_nlp), the form readers (values inside typed text), the
store's validators (whole values) and masking. How numbers sit inside text (separators between
groups, +86, ZX/RG before grouped digits, cards, which reading wins) is shapes.numbers; masking
and log redaction are shapes.masking. No SQL, no Rasa: anything may import this package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from dialogue.names import Entity


class InvalidValue(ValueError):
    """A value that does not have its shape. The message names the field, never the value."""


@dataclass(frozen=True)
class Shape:
    """One kind of value: its regex (ASCII letters and digits only), its Chinese name, and how it
    is found inside text."""

    name: str  # the entity / slot name
    label: str  # Chinese name used in messages
    body: str  # the value itself; [0-9], not \d: \d also matches full-width digits
    upper: bool = False  # compared upper-cased (letters in it are case-insensitive for merchants)
    # What may not touch the value in text: digits for numbers, letters and digits for serials.
    boundary: str = "0-9"
    whole: "re.Pattern[str]" = field(init=False, repr=False, compare=False)
    in_text: "re.Pattern[str]" = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        flags = re.IGNORECASE if self.upper else 0
        object.__setattr__(self, "whole", re.compile(self.body, flags))
        around = f"(?<![{self.boundary}])(?:{self.body})(?![{self.boundary}])"
        object.__setattr__(self, "in_text", re.compile(around, flags))

    @property
    def token_regex(self) -> str:
        """A whole spaCy token of this shape (entity ruler)."""
        return f"^(?:{self.body})$"

    def checked(self, value: Any) -> str:
        """`value` stripped (and upper-cased) if it has this shape, else InvalidValue."""
        if not isinstance(value, str) or len(value) > 256:
            raise InvalidValue(f"{self.label}格式不正确")
        cleaned = value.strip().upper() if self.upper else value.strip()
        if not self.whole.fullmatch(cleaned):
            raise InvalidValue(f"{self.label}格式不正确")
        return cleaned

    def is_valid(self, value: Any) -> bool:
        try:
            self.checked(value)
        except InvalidValue:
            return False
        return True

    def single_in(self, text: str) -> Optional[str]:
        """The one value of this shape in `text` (None when there is none or more than one)."""
        found = self.in_text.findall(text)
        return (found[0].upper() if self.upper else found[0]) if len(found) == 1 else None


TICKET_PREFIX = "ZX"  # 注销: deregistration tickets
CASE_PREFIX = "RG"  # 人工: handoff cases
# Ticket and case numbers: prefix + Shanghai date (8 digits) + daily sequence of 4 to 6 digits
# (it grows past 9999 instead of running out).
SEQUENCE_DIGITS = (4, 6)
DATED_LENGTHS = (8 + SEQUENCE_DIGITS[0], 8 + SEQUENCE_DIGITS[1])
DATED_DIGITS = rf"[0-9]{{{DATED_LENGTHS[0]},{DATED_LENGTHS[1]}}}"

MERCHANT_NO_DIGITS = 15
MERCHANT_NO = Shape(Entity.MERCHANT_NO, "商户编号", rf"[0-9]{{{MERCHANT_NO_DIGITS}}}")
MOBILE_HEAD, PHONE_DIGITS = "1[3-9]", 11  # mainland mobiles: 13x to 19x, 11 digits
PHONE = Shape(Entity.PHONE, "手机号", rf"{MOBILE_HEAD}[0-9]{{{PHONE_DIGITS - 2}}}")
# 8–20 letters or digits with at least one digit (a word like "Question" is not a serial).
TERMINAL_SN = Shape(
    Entity.TERMINAL_SN, "机身号", r"(?=[A-Za-z]*[0-9])[A-Za-z0-9]{8,20}", upper=True, boundary="A-Za-z0-9"
)
TICKET_NO = Shape(Entity.TICKET_NO, "申请编号", TICKET_PREFIX + DATED_DIGITS, upper=True)
CASE_NO = Shape("case_no", "会话编号", CASE_PREFIX + DATED_DIGITS, upper=True)

# The structured entities NLU extracts (spaCy entity ruler).
ENTITY_SHAPES: Dict[str, Shape] = {s.name: s for s in (PHONE, MERCHANT_NO, TERMINAL_SN, TICKET_NO)}


def bounded_text(value: Any, max_len: int, label: str, *, required: bool) -> Optional[str]:
    """Free text, stripped, at most `max_len` characters (None when empty and not required)."""
    if value is None:
        cleaned = ""
    elif isinstance(value, str):
        cleaned = value.strip()
    else:
        raise InvalidValue(f"{label}必须是文本")
    if len(cleaned) > max_len:
        raise InvalidValue(f"{label}不能超过{max_len}个字")
    if required and not cleaned:
        raise InvalidValue(f"{label}不能为空")
    return cleaned or None
