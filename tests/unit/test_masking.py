"""Masking for people, redaction for logs: no phone, merchant or card number in clear."""

import pytest

from shapes.masking import (
    CARD_PLACEHOLDER,
    hide_card_numbers,
    mask_merchant_no,
    mask_phone,
    redact,
)
from shapes.numbers import find_card_numbers, luhn_ok

VISA = "4111111111111111"  # standard test numbers that pass Luhn
UNIONPAY = "6212345678901265"
AMEX = "378282246310005"  # 15 digits, like a merchant number


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"


def test_mask_merchant_no():
    assert mask_merchant_no("862014937715503") == "8620*******5503"
    assert mask_merchant_no("1234") == "****"


def test_luhn():
    assert luhn_ok(VISA) and luhn_ok(UNIONPAY) and luhn_ok(AMEX)
    assert not luhn_ok("4111111111111112") and not luhn_ok("41111a1111111111")


@pytest.mark.parametrize(
    "text, cards",
    [
        (f"卡号{VISA}", [VISA]),
        ("卡号 4111 1111 1111 1111 谢谢", [VISA]),
        ("6212-3456-7890-1265", [UNIONPAY]),
        (f"{AMEX}", [AMEX]),
        ("4111111111111112", []),  # fails Luhn
        ("411111111111", []),  # 12 digits
        ("41111111111111111111", []),  # 20 digits
        (f"两张卡 {VISA}，{UNIONPAY}", [VISA, UNIONPAY]),
        (f"卡 {VISA} 13812345678", [VISA]),  # a phone glued on by a space is not part of the card
        ("手机13812345678 工单ZX202611270001", []),
        ("+86 138 1234 5678", []),
    ],
)
def test_find_card_numbers(text, cards):
    assert find_card_numbers(text) == cards


def test_redact_masks_everything_sensitive():
    text = (
        "商户号862014937715503，手机13812345678，备用 +86 139-1234-5678，"
        "卡号 4111 1111 1111 1111，工单ZX202611270001，终端QR5507781294"
    )
    redacted = redact(text)
    assert redacted == (
        "商户号8620*******5503，手机138****5678，备用 +86 139****5678，"
        "卡号 ************1111，工单ZX202611270001，终端QR5507781294"
    )
    for secret in ["862014937715503", "13812345678", "1234-5678", "4111 1111 1111 1111"]:
        assert secret not in redacted


def test_redact_leaves_ordinary_text_alone():
    text = "我要注销POS机，余额100元，工单ZX202611270001，2026年11月27日"
    assert redact(text) == text


def test_redact_reads_other_scripts_digits_and_leaves_symbols_alone():
    # Full-width and Arabic-Indic digits are digits; "❶" and "²" only look like them (hypothesis).
    assert redact("手机１３８１２３４５６７８") == "手机138****5678"
    assert redact("手机١٣٨١٢٣٤٥٦٧٨") == "手机138****5678"
    assert redact("第❶步，10²") == "第❶步，10²"
    assert not luhn_ok("❶²")


def test_redact_prefers_card_over_merchant_mask():
    # A 15-digit run that passes Luhn is masked as a card: only the last 4 digits survive.
    assert redact(AMEX) == "***********0005"


def test_card_search_stays_fast_on_long_digit_input():
    import time

    start = time.perf_counter()
    find_card_numbers("1 " * 5000)
    redact("12 " * 5000)
    assert time.perf_counter() - start < 5  # was cubic: minutes for a few kilobytes


def test_card_numbers_are_hidden_before_anything_stores_them():
    assert hide_card_numbers("我的卡号 6212-3456-7890-1265 能注销吗") == f"我的卡号 {CARD_PLACEHOLDER} 能注销吗"
    assert hide_card_numbers(f"卡号{VISA}，手机13812345678") == f"卡号{CARD_PLACEHOLDER}，手机13812345678"
    # 15 digits read as a merchant number even when they pass Luhn; shown masked all the same.
    assert hide_card_numbers(f"商户号{AMEX}") == f"商户号{AMEX}"
    assert AMEX not in redact(f"商户号{AMEX}")


def test_log_lines_are_masked_whatever_logs_them(caplog):
    import logging

    from runtime.logs import RedactingFilter

    logger = logging.getLogger("test.privacy")
    caplog.handler.addFilter(RedactingFilter())
    logger.warning("lookup failed for %s, card %s", "13812345678", "6212 3456 7890 1265")
    assert "13812345678" not in caplog.text and "6212 3456 7890 1265" not in caplog.text
    assert "138****5678" in caplog.text


def test_a_long_application_number_is_never_taken_for_a_card():
    """Past 9 999 a day the sequence has five digits; one such number in ten passes Luhn."""
    ticket = "ZX2026120510006"
    assert luhn_ok(ticket[2:])
    for typed in (f"查询{ticket}", f"查询zx-{ticket[2:]}", f"RG{ticket[2:]}"):
        assert hide_card_numbers(typed) == typed
    assert hide_card_numbers(f"卡号{ticket[2:]}") == "卡号" + CARD_PLACEHOLDER  # without its prefix: a card
