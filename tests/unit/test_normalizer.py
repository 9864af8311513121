"""The normaliser turns what merchants type into the text NLU was trained on."""

import pytest

from chinese_nlp.normalizer import normalize, normalize_text


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("註銷隨行付機器要收費嗎", "注销随行付POS机要收费吗"),  # Traditional → Simplified
        ("ＰＯＳ机注销？", "POS机注销?"),  # full width → half width
        ("手机 139 1234 5678", "手机 13912345678"),  # grouped digits
        ("电话139-1234-5678", "电话13912345678"),
        ("+86 138 0013 8000", "13800138000"),
        ("银行ka卡怎么解绑", "银行卡怎么解绑"),  # obfuscation from the policy article
        ("结算KA解帮", "结算卡解绑"),
        ("我要注消", "我要注销"),  # homophone typos
        ("住销刷卡机", "注销POS机"),
        ("zhuxiao 收款机", "注销 POS机"),  # pinyin
        ("机子不用了", "POS机不用了"),
        ("pos机注销", "POS机注销"),
        ("查询zx202611270001", "查询ZX202611270001"),  # ticket prefix upper case
        ("申请编号ZX 2026 1205 0031", "申请编号ZX202612050031"),  # copied in groups
        ("单号zx-2026-1204-0003", "单号ZX202612040003"),
        ("zx2026 1205 0031", "ZX202612050031"),
        ("ZX-20240815-0721", "ZX202408150721"),
        ("ZX 2026 1205 0031 5678", "ZX202612050031 5678"),  # a last-4 proof after it stays apart
        ("IDZX202612050031", "IDZX202612050031"),  # letters before a ticket number: no crash
        ("abzx202611270001", "ABZX202611270001"),
        ("机器号N7X2026001893", "机身号N7X2026001893"),  # not a POS机号
        ("收款机器号AB12345678", "POS机身号AB12345678"),
        ("机身号qr5507781294", "机身号QR5507781294"),  # lettered serials too
        ("我 要 注 销", "我要注销"),
        ("S/N QR5507781294", "SN QR5507781294"),  # stray spaces between Chinese characters
    ],
)
def test_normalises_what_merchants_type(typed, expected):
    assert normalize_text(typed) == expected


@pytest.mark.parametrize(
    "text",
    [
        "你是机器人吗",
        "商户号833581054110023",
        "商户号861391234567890",
        "861300000000000",
        "2026年11月",
        "kakao",
        "机身号WP19283746501",
        "我要zx 13912345678",  # zx for 注销, then a phone: not a ticket number
    ],
)
def test_leaves_meaningful_text_alone(text):
    assert normalize_text(text) == text


def test_short_numbers_with_spaces_are_not_glued_together():
    assert "12" not in normalize_text("第 1 台 和 第 2 台")
    assert normalize_text("123 456") == "123 456"


def test_entity_spans_follow_the_normalised_text():
    typed = "我电话 139 1234 5678，谢谢"
    start = typed.index("139")
    end = typed.index("5678") + 4
    result = normalize(typed)
    new_start, new_end = result.span_from_original(start, end)
    assert result.text[new_start:new_end] == "13912345678"


def test_spans_after_a_changed_word_shift_correctly():
    typed = "註銷機子 SN：WP19283746501"
    start = typed.index("WP")
    result = normalize(typed)
    new_start, new_end = result.span_from_original(start, start + len("WP19283746501"))
    assert result.text[new_start:new_end] == "WP19283746501"


def test_empty_and_whitespace_only_text():
    assert normalize_text("") == ""
    assert normalize_text("   ") == ""


@pytest.mark.parametrize("typed", ["／restart", " /restart", "\u3000/session_start", '／greet{"phone": "1"}'])
def test_the_pipeline_never_turns_text_into_a_rasa_command(typed):
    """Rasa's RegexMessageHandler runs after the NLU pipeline and treats a leading "/" as a command."""
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    from chinese_nlp.rasa_components import TextNormalizer

    message = Message({TEXT: typed})
    TextNormalizer().process([message])
    assert not message.get(TEXT).startswith("/")
