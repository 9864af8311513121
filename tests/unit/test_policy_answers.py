"""The replies say the policy's facts one way: the order of the steps defined once in
docs/policy_coverage.md ("The order of the steps, as every reply says it"), the policy's own
hedges (通常 for the designated place, 如果…绑定了银行卡 for unbinding), and nothing credited to
the policy that it does not say."""

import re
from pathlib import Path

import pytest
import yaml

from shapes import TICKET_NO

PROJECT = Path(__file__).resolve().parents[2]
RESPONSES = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))["responses"]
COVERAGE = (PROJECT / "docs" / "policy_coverage.md").read_text(encoding="utf-8")

# Replies that list what the assistant answers (topic names such as 解绑), not steps to take.
TOPIC_LISTS = {"utter_greet", "utter_out_of_scope"}


def _texts():
    for name, variants in RESPONSES.items():
        for variant in variants:
            if variant.get("text"):
                yield name, variant["text"]


TEXTS = [(name, text) for name, text in _texts() if name not in TOPIC_LISTS]
IDS = [name for name, _ in TEXTS]


def _step_order():
    """[(step, [words])] from the one code block of the coverage map's order section."""
    section = COVERAGE.split("## The order of the steps, as every reply says it", 1)[1].split("\n## ", 1)[0]
    [line] = re.findall(r"```\n(.+?)\n```", section)
    return [step.strip().split("/") for step in line.split("→")]


STEPS = _step_order()


def _first(text, words):
    found = [text.find(word) for word in words if word in text]
    return min(found) if found else -1


def _sentences(text):
    return [s for s in re.split(r"[。；！？\n]", text) if s]


def test_the_order_is_defined_once_with_every_step():
    assert [words[0] for words in STEPS] == [
        "提交申请",
        "审核",
        "确认短信或邮件",
        "撤销",
        "解绑",
        "交还",
        "安全验证",
        "生效",
        "检查注销状态",
    ]


@pytest.mark.parametrize("name, text", TEXTS, ids=IDS)
def test_every_reply_names_the_steps_in_the_one_order(name, text):
    positions = [(_first(text, words), words[0]) for words in STEPS]
    named = [(position, step) for position, step in positions if position >= 0]
    if len(named) < 2:
        return
    in_text = [step for _, step in sorted(named)]
    in_order = [step for _, step in named]
    assert in_text == in_order, f"{name}: steps in the order {in_text}, the policy's order is {in_order}"


@pytest.mark.parametrize("name, text", TEXTS, ids=IDS)
def test_the_designated_place_is_usually_the_place(name, text):
    # 三.3 and 四.4: 「这通常涉及在指定地点交还POS机设备」.
    for sentence in _sentences(text):
        if "指定地点" in sentence:
            assert re.search(r"通常[^，、（）]{0,6}指定地点", sentence), f"{name}: {sentence}"


@pytest.mark.parametrize("name, text", TEXTS, ids=IDS)
def test_unbinding_a_card_is_conditional_on_a_bound_card(name, text):
    # 拓展阅读 五.2: 「如果您在使用随行付POS机时绑定了银行卡，请…解绑」.
    for line in text.splitlines():
        for match in re.finditer("解绑", line):
            before = line[: match.start()]
            assert re.search(r"(如果|如有|若)[^。]{0,20}绑定", before), f"{name}: {line}"


@pytest.mark.parametrize("name, text", TEXTS, ids=IDS)
def test_the_hand_in_is_never_said_to_happen_at_the_application(name, text):
    # The reading: the device-return procedure begins with the application, the hand-in comes
    # after approval. A sentence that hands the device in does not also apply or submit.
    for sentence in _sentences(text):
        if "交还" in sentence:
            assert not re.search(r"申请注销时|申请时|提交", sentence), f"{name}: {sentence}"


def test_the_submitted_application_says_materials_and_a_fee_may_still_be_required():
    # 四.2 (materials as support guides), 拓展阅读 三.2–3 (upload materials, a fee may be due).
    text = RESPONSES["utter_application_submitted"][0]["text"]
    assert "材料" in text and "费用" in text, text
    assert "可能" in text[: text.find("费用")], "the fee is only possible (「可能需要支付一定的注销费用」)"


def test_rejection_names_only_the_causes_the_policy_links_to_failure():
    # 五.1: errors or omissions 「可能导致注销失败」; 拓展阅读 六.3: violations 「可能会影响您的注销结果」.
    # Complete materials are asked for (四.2), but the policy never says their lack fails an application.
    text = RESPONSES["utter_faq/rejection"][0]["text"]
    causes = [line for line in text.splitlines() if re.match(r"\d\.", line)]
    assert len(causes) == 2, causes
    assert "错误或遗漏" in causes[0] and "违反" in causes[1], causes
    assert all("材料" not in cause for cause in causes), causes


@pytest.mark.parametrize(
    "name, words",
    [
        ("utter_faq/reasons", "被迫注销"),  # 二: 也有因违规操作导致的被迫注销
        ("utter_faq/contact_support", "根据您提供的信息给予详细的解答和指导"),  # 四.1
        ("utter_faq/review_time", "如有特殊情况，请及时与客服人员联系"),  # 拓展阅读 四.2
        ("utter_faq/notify_bank", "用户、银行以及第三方支付机构等多个方面的权益和责任"),  # 六
    ],
)
def test_answers_carry_the_statements_the_coverage_map_credits_them_with(name, words):
    assert words in RESPONSES[name][0]["text"]


def test_the_ticket_number_format_is_said_as_it_is():
    # ZX + an 8-digit date + a 4- to 6-digit sequence (shapes.TICKET_NO).
    assert "ZX开头，后面是12到14位数字" in RESPONSES["utter_invalid_ticket_no"][0]["text"]
    [example] = re.findall(r"ZX\d+", RESPONSES["utter_ask_ticket_no"][0]["text"])
    assert TICKET_NO.is_valid(example) and len(example) == 2 + 14, example
