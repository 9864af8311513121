"""The project's own spaCy zh pipeline: jieba with the domain dictionary and the entity ruler."""

import pytest
import spacy

from chinese_nlp import spacy_pipeline
from chinese_nlp.normalizer import normalize_text
from chinese_nlp.rasa_components import placeholder_for
from shapes.masking import CARD_PLACEHOLDER, hide_card_numbers


@pytest.fixture(scope="module")
def nlp(tmp_path_factory):
    path = tmp_path_factory.mktemp("spacy") / "zh"
    spacy_pipeline.build(path)
    return spacy.load(path)  # load from disk, as Rasa's SpacyNLP does


def entities(nlp, text):
    return [(e.label_, e.text) for e in nlp(normalize_text(text)).ents]


def test_domain_words_are_single_tokens(nlp):
    tokens = [t.text for t in nlp(normalize_text("注销pos机后余额怎么转出，随行付结算卡要解绑吗"))]
    for word in ("注销", "POS机", "余额", "随行付", "结算卡", "解绑"):
        assert word in tokens
    assert "机后" not in tokens


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我手机13912345678", [("phone", "13912345678")]),
        ("手机 139 1234 5678", [("phone", "13912345678")]),
        ("商户号833581054110023", [("merchant_no", "833581054110023")]),
        ("机身号：WP19283746501", [("terminal_sn", "WP19283746501")]),
        ("SN12345678AB要注销", [("terminal_sn", "12345678AB")]),
        ("序列号是 00001234567890", [("terminal_sn", "00001234567890")]),
        ("S/N QR5507781294", [("terminal_sn", "QR5507781294")]),
        ("查下zx202611270001", [("ticket_no", "ZX202611270001")]),
        # The bot calls it 申请编号, and 编号 is also a serial keyword: still an application number.
        ("申请编号zx202603280117，审核过了没", [("ticket_no", "ZX202603280117")]),
        ("机身号 ab6603118824", [("terminal_sn", "AB6603118824")]),
        ("查询进度，申请编号ZX 2026 1205 0031", [("ticket_no", "ZX202612050031")]),  # copied in groups
        ("机器号N7X2026001893，电话186-0217-3345", [("terminal_sn", "N7X2026001893"), ("phone", "18602173345")]),
        ("收款机器号AB12345678", [("terminal_sn", "AB12345678")]),
        ("ZX-20240815-0721到哪一步了", [("ticket_no", "ZX202408150721")]),
        (
            "商户号 833581054110023 电话 186-0571-2293",
            [("merchant_no", "833581054110023"), ("phone", "18605712293")],
        ),
    ],
)
def test_structured_entities(nlp, text, expected):
    assert entities(nlp, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "我的机身号是多少",  # keyword without a value
        "电话12345678901",  # not a mobile prefix
        "卡号6222021234567890123",  # bank card: not one of our entities
        "ZX2026112700",  # ticket number too short
        "一共1391234567元",  # ten digits
        "会话编号RG202611270001",  # a handoff case number is not a serial
    ],
)
def test_no_entity_where_there_is_none(nlp, text):
    assert entities(nlp, text) == []


def test_pipeline_carries_its_dictionary(tmp_path):
    spacy_pipeline.build(tmp_path / "zh")
    assert (tmp_path / "zh" / "tokenizer" / "userdict.txt").read_text(encoding="utf-8").startswith("随行付")


def test_a_hidden_card_number_is_one_value_token(nlp):
    """The web channel hides card numbers before NLU sees them; the classifier must read the marker
    as a value (like the digits it replaced), not as the words 卡号 and 隐藏."""
    text = hide_card_numbers("我的卡是6222 0212 3456 7890 128，你看下")
    tokens = [t.text for t in nlp(normalize_text(text))]
    assert CARD_PLACEHOLDER in tokens and "卡号" not in tokens
    assert placeholder_for(CARD_PLACEHOLDER) == placeholder_for("6222021234567890128") == "<number>"
