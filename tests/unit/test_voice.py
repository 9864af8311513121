"""Every reply text — domain.yml, and the code that talks to merchants — speaks in one voice
(docs/voice.md) and never invents facts."""

import ast
import re
from pathlib import Path

import pytest
import yaml

from dialogue.topics import FAQ_TOPICS

PROJECT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))
RESPONSES = DOMAIN["responses"]

OFFER_PERSON = "如需人工帮助，请输入“转人工”。"
OFFICIAL_NOTICE = "具体以随行付官方通知为准"
SILENT_MARKERS = ("没有提到", "未提到", "没有说明", "未说明", "没有给出", "未给出", "没有规定", "没有写明")
# The only long digit run allowed: the format example of a ticket number.
ALLOWED_DIGIT_RUNS = {"utter_ask_ticket_no": ["ZX20261208048213"]}
NO_TOPIC_KEYS = {"not_covered"}  # answers that are never offered as a button


def _texts():
    for name, variants in RESPONSES.items():
        for variant in variants:
            if variant.get("text"):
                yield name, variant["text"]


# Modules whose module-level Chinese strings reach the merchant (channel notices, actions' texts).
MERCHANT_FACING_MODULES = [
    "web/channel.py",
    "web/pages.py",
    "web/feedback.py",
    "web/console_api.py",
    "dialogue/topics.py",
    *(str(p.relative_to(PROJECT)) for p in sorted((PROJECT / "actions").glob("*.py"))),
]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _python_texts():
    """(module:NAME, text) of every module-level string constant with Chinese in it."""
    for path in MERCHANT_FACING_MODULES:
        tree = ast.parse((PROJECT / path).read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                for constant in ast.walk(node.value):
                    if (
                        isinstance(constant, ast.Constant)
                        and isinstance(constant.value, str)
                        and CJK.search(constant.value)
                    ):
                        yield f"{path}:{'/'.join(names)}", constant.value


TEXTS = list(_texts()) + list(_python_texts())
FAQ_TEXTS = [(name, text) for name, text in TEXTS if name.startswith("utter_faq/")]


def _without_placeholders(text: str) -> str:
    return re.sub(r"\{\w+\}", "", text)


def _faq_topic_keys() -> set:
    return set(FAQ_TOPICS)


def _training_keys() -> set:
    data = yaml.safe_load((PROJECT / "data" / "nlu" / "faq.yml").read_text(encoding="utf-8"))
    return {item["intent"].split("/", 1)[1] for item in data["nlu"] if item.get("intent", "").startswith("faq/")}


def test_the_domain_and_the_code_have_reply_texts():
    assert len(TEXTS) > 50 and len(FAQ_TEXTS) >= 28
    assert any(name.startswith("web/channel.py:") for name, _ in TEXTS)


@pytest.mark.parametrize("name, text", TEXTS, ids=[name for name, _ in TEXTS])
def test_replies_quote_with_chinese_quotation_marks_only(name, text):
    assert '"' not in text, f"{name}: ASCII double quote"
    assert "「" not in text and "」" not in text, f"{name}: corner brackets"
    assert text.count("“") == text.count("”"), f"{name}: unbalanced quotation marks"


@pytest.mark.parametrize("name, text", TEXTS, ids=[name for name, _ in TEXTS])
def test_replies_speak_as_the_company_not_as_a_reader_of_an_article(name, text):
    assert "注销指南" not in text, name


@pytest.mark.parametrize("name, text", TEXTS, ids=[name for name, _ in TEXTS])
def test_replies_use_no_internal_jargon(name, text):
    for jargon in ("登记人工", "人工服务暂时无法登记", "工单系统", "会话编号", "这就为您转接"):
        assert jargon not in text, f"{name}: {jargon}"


@pytest.mark.parametrize("name, text", TEXTS, ids=[name for name, _ in TEXTS])
def test_replies_use_the_glossary_terms(name, text):
    # docs/voice.md: 注销申请 / 申请编号, 机身号, 商户编号, 撤回 for a withdrawn application.
    for other in ("工单", "单号", "商户号", "终端号", "序列号", "撤销申请", "已撤销"):
        assert other not in text, f"{name}: {other}"


@pytest.mark.parametrize("name, text", TEXTS, ids=[name for name, _ in TEXTS])
def test_revoking_is_only_ever_about_authorisations(name, text):
    # 撤回 = the merchant withdraws an application; 撤销 only in 撤销授权 / 撤销关联授权.
    assert not re.search(r"撤销(?!授权|关联授权)", text), name


@pytest.mark.parametrize("name, text", FAQ_TEXTS, ids=[name for name, _ in FAQ_TEXTS])
def test_policy_answers_that_admit_silence_defer_to_the_official_notice(name, text):
    if any(marker in text for marker in SILENT_MARKERS):
        assert "随行付的注销说明中没有提到" in text, name
        assert OFFICIAL_NOTICE in text, name


@pytest.mark.parametrize("name, text", TEXTS, ids=[name for name, _ in TEXTS])
def test_offers_of_a_person_use_the_standard_sentence(name, text):
    if "转人工" in text and text.rstrip()[-1:] in "。！？":  # a sentence, not a button's title
        assert OFFER_PERSON in text, name
        assert text.rstrip().endswith(OFFER_PERSON), f"{name}: the offer of a person comes last"


def test_the_fallback_apology_does_not_announce_the_transfer_the_next_reply_announces():
    [fallback] = RESPONSES["utter_fallback_handoff"]
    assert "转接" not in fallback["text"] and "人工" not in fallback["text"]
    for queued in ("utter_handoff_queued", "utter_handoff_no_agent"):
        assert "转接人工客服" in RESPONSES[queued][0]["text"]


def test_only_the_application_flow_promises_to_keep_what_was_typed():
    assert "保留" not in RESPONSES["utter_ticket_store_unavailable"][0]["text"]
    assert "保留" in RESPONSES["utter_application_store_unavailable"][0]["text"]


def test_application_replies_name_no_return_method_and_no_mail_return():
    for name in ("utter_application_submitted", "utter_application_summary"):
        text = RESPONSES[name][0]["text"]
        assert "{return_method_label}" not in text and "邮寄" not in text and "回收方式" not in text, name


def test_submitted_application_lists_every_next_step_in_the_policys_order():
    # The order: docs/policy_coverage.md, "The order of the steps, as every reply says it"
    # (tests/unit/test_policy_answers.py checks it in every reply).
    text = RESPONSES["utter_application_submitted"][0]["text"]
    steps = ["材料", "审核", "确认短信或邮件", "撤销关联授权", "解绑银行卡"]
    steps += ["交还POS机", "安全验证", "正式生效", "注销状态"]
    positions = [text.find(step) for step in steps]
    assert -1 not in positions, text
    assert positions == sorted(positions), text


@pytest.mark.parametrize(
    "name",
    [
        "utter_faq/process_steps",
        "utter_faq/confirm_result",
        "utter_faq/takes_effect",
        "utter_faq/step_order",
        "utter_application_submitted",
    ],
)
def test_deregistration_takes_effect_only_after_device_return_and_security_check(name):
    text = RESPONSES[name][0]["text"]
    assert "安全验证" in text and ("正式生效" in text or "正式注销" in text), name
    effect = max(text.find("正式生效"), text.find("正式注销"))
    assert text.find("安全验证") < effect, name


def test_greeting_says_what_the_assistant_does():
    [greeting] = RESPONSES["utter_greet"]
    for does in ("解答", "提交注销申请", "查询", "撤回", "人工"):
        assert does in greeting["text"], does
    assert "说明注销申请" not in greeting["text"]
    assert greeting["buttons"] and all(not b["payload"].startswith("/") for b in greeting["buttons"])


@pytest.mark.parametrize("name, text", TEXTS, ids=[name for name, _ in TEXTS])
def test_replies_invent_no_numbers_urls_amounts_or_days(name, text):
    plain = _without_placeholders(text)
    for allowed in ALLOWED_DIGIT_RUNS.get(name, []):
        plain = plain.replace(allowed, "")
    assert not re.search(r"\d{5,}", plain), f"{name}: long digit run (phone, account, …)"
    assert not re.search(r"(?<!\d)[48]00[-\s]?\d|\d{3,}[-\s]\d{3,}", plain), f"{name}: hotline or phone number"
    assert not re.search(r"https?://|www\.|\.(com|cn|net)\b", plain, flags=re.I), f"{name}: URL"
    assert not re.search(r"\d\s*(元|块)", plain), f"{name}: an amount of money"
    assert not re.search(r"[\d一二两三四五六七八九十]+\s*个?\s*(天|工作日)", plain), f"{name}: a number of days"


def test_every_button_topic_has_an_answer_and_every_answer_but_the_honest_one_a_topic():
    answers = {name.split("/", 1)[1] for name in RESPONSES if name.startswith("utter_faq/")}
    topics = _faq_topic_keys()
    assert topics, "FAQ_TOPICS not found in dialogue/topics.py"
    assert topics == answers - NO_TOPIC_KEYS
    assert NO_TOPIC_KEYS <= answers


def test_every_policy_answer_has_training_examples_and_every_trained_topic_an_answer():
    answers = {name.split("/", 1)[1] for name in RESPONSES if name.startswith("utter_faq/")}
    assert _training_keys() == answers
