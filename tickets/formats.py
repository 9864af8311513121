"""The shapes of the values merchants give — one home for the store, which validates whole
values, and the actions, which find them inside typed text."""
from __future__ import annotations

import re
from typing import Any, Optional

# [0-9], not \d: \d also matches full-width digits, which the normaliser turns into ASCII first.
MERCHANT_NO = r"[0-9]{15}"
PHONE = r"1[3-9][0-9]{9}"
TERMINAL_SN = r"[A-Za-z0-9]{8,20}"
TICKET_PREFIX = "ZX"
TICKET_NO = TICKET_PREFIX + r"[0-9]{12}"
HANDOFF_PREFIX = "RG"  # 人工: handoff case numbers, RG + yyyymmdd + 4 digits
HANDOFF_CASE_NO = HANDOFF_PREFIX + r"[0-9]{12}"
PHONE_LAST4 = r"[0-9]{4}"


def digits_in_text(shape: str) -> re.Pattern:
    """Find `shape` in text where it is not part of a longer run of digits."""
    return re.compile(rf"(?<![0-9]){shape}(?![0-9])")


def checked(value: Any, pattern: re.Pattern, what: str, *, upper: bool = False, max_len: int = 64) -> str:
    """`value` stripped (and upper-cased) if it matches `pattern` whole, else ValueError naming
    `what` — never the value, which may be a phone or card number."""
    if not isinstance(value, str) or len(value) > max_len:
        raise ValueError(f"{what}格式不正确")
    cleaned = value.strip().upper() if upper else value.strip()
    if not pattern.fullmatch(cleaned):
        raise ValueError(f"{what}格式不正确")
    return cleaned


def bounded_text(value: Any, max_len: int, what: str, *, required: bool) -> Optional[str]:
    if value is None:
        cleaned = ""
    elif isinstance(value, str):
        cleaned = value.strip()
    else:
        raise ValueError(f"{what}必须是文本")
    if len(cleaned) > max_len:
        raise ValueError(f"{what}不能超过{max_len}个字")
    if required and not cleaned:
        raise ValueError(f"{what}不能为空")
    return cleaned or None
