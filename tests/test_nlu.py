"""NLU quality through the real Rasa server, on sets never trained on: the held-out test set
(intents and entities), the unanswerable questions (honesty), and the same sentence with many
values (digits never steer the intent)."""

import random
from collections import Counter
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from devtools.nlu_eval import (
    DEV,
    DEV2,
    DEV3,
    HELDOUT,
    UNANSWERABLE,
    UNANSWERABLE_DEV,
    UNANSWERABLE_DEV3,
    evaluate,
    honest_share,
    load_examples,
    load_questions,
    predicted_label,
    write_report,
)
from devtools.nlu_leaks import folded
from shapes.masking import luhn_ok

PROJECT = Path(__file__).resolve().parent.parent
# The held-out test set (FAQ at response-key level): issue #11's target, 0.97 (measured 0.977, S8).
MIN_INTENT_ACCURACY = 0.97
MIN_ENTITY_F1 = 0.98
# The development sets (S8, measured 0.980, 0.997 and 0.995): the first held-out set, a second
# writer's and two more writers' (README, "NLU experiments").
MIN_DEV_INTENT_ACCURACY = {"dev": 0.975, "dev2": 0.99, "dev3": 0.99}
MIN_EXAMPLES_PER_LABEL = 10
MIN_HONEST_SHARE = 0.90  # unanswerable questions answered honestly or asked back
MIN_SAME_INTENT_SHARE = 0.995  # metamorphic: one sentence, many values
VALUES_PER_TEMPLATE = 50
NOT_IN_HELDOUT = {"faq/not_covered"}  # measured by the unanswerable set instead


def _training():
    return load_data(str(PROJECT / "data" / "nlu"))


@pytest.mark.parametrize("path", [HELDOUT, DEV, DEV2, DEV3], ids=["heldout", "dev", "dev2", "dev3"])
def test_evaluation_sets_are_never_trained_on(path):
    training = {folded(m.get("text")) for m in _training().training_examples}
    assert [e.text for e in load_examples(path) if folded(e.text) in training] == []


@pytest.mark.parametrize("path", [UNANSWERABLE, UNANSWERABLE_DEV, UNANSWERABLE_DEV3], ids=["test", "dev", "dev3"])
def test_unanswerable_questions_are_never_trained_on(path):
    training = {folded(m.get("text")) for m in _training().training_examples}
    assert [q for q in load_questions(path) if folded(q) in training] == []


def test_heldout_covers_every_label():
    labels = {m.get("intent_response_key") or m.get("intent") for m in _training().intent_examples}
    counts = Counter(e.label for e in load_examples(HELDOUT))
    assert {label: counts[label] for label in labels - NOT_IN_HELDOUT if counts[label] < MIN_EXAMPLES_PER_LABEL} == {}


def test_heldout_intent_accuracy_and_entity_f1(rasa_stack):
    report = evaluate(rasa_stack.parse, load_examples(HELDOUT))
    write_report(report, PROJECT / "reports" / "nlu_heldout.json")
    assert report.intent_accuracy >= MIN_INTENT_ACCURACY, report.confusions
    assert report.entity_f1 >= MIN_ENTITY_F1, [e for e in report.errors if "found" in e]


@pytest.mark.parametrize("name, path", [("dev", DEV), ("dev2", DEV2), ("dev3", DEV3)])
def test_development_sets_do_not_regress(rasa_stack, name, path):
    report = evaluate(rasa_stack.parse, load_examples(path))
    write_report(report, PROJECT / "reports" / f"nlu_{name}.json")
    assert report.intent_accuracy >= MIN_DEV_INTENT_ACCURACY[name], report.confusions


@pytest.mark.parametrize("path", [UNANSWERABLE, UNANSWERABLE_DEV, UNANSWERABLE_DEV3], ids=["test", "dev", "dev3"])
def test_questions_no_topic_answers_get_an_honest_reply_or_an_ask_back(rasa_stack, path):
    share, wrong = honest_share(rasa_stack.parse, load_questions(path))
    assert share >= MIN_HONEST_SHARE, wrong


# -- one sentence, many values ------------------------------------------------------------------


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _card(rng: random.Random) -> str:
    while True:
        number = "62" + _digits(rng, 17)
        if luhn_ok(number):
            return number


VALUES = {
    "ticket": lambda rng: f"ZX2026{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{_digits(rng, 4)}",
    "phone": lambda rng: f"1{rng.choice('3456789')}{_digits(rng, 9)}",
    "merchant": lambda rng: str(rng.randint(1, 9)) + _digits(rng, 14),
    "serial": lambda rng: "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(2)) + _digits(rng, 10),
    "last4": lambda rng: _digits(rng, 4),
    "card": _card,
}
TEMPLATES = [
    ("查询工单{ticket}", "check_ticket"),
    ("查一下{ticket}", "check_ticket"),
    ("帮我看看{ticket}现在到哪一步了", "check_ticket"),
    ("我要撤回申请{ticket}", "cancel_ticket"),
    ("我的手机号是{phone}", "inform"),
    ("手机号改成{phone}", "inform"),
    ("商户号{merchant}", "inform"),
    ("机身号是{serial}", "inform"),
    ("我要注销POS机，机身号{serial}", "request_deregistration"),
    ("商户号{merchant}申请注销", "request_deregistration"),
    ("尾号{last4}", "inform"),
    ("银行卡{card}怎么解绑", "faq/unbind_card"),
]


def test_the_intent_does_not_depend_on_the_digits_of_a_value(rasa_stack):
    rng = random.Random(20261128)
    outcomes = []
    for template, expected in TEMPLATES:
        for _ in range(VALUES_PER_TEMPLATE):
            text = template.format(**{name: make(rng) for name, make in VALUES.items()})
            outcomes.append((text, expected, predicted_label(rasa_stack.parse(text))))
    same = [o for o in outcomes if o[1] == o[2]]
    assert len(same) / len(outcomes) >= MIN_SAME_INTENT_SHARE, Counter((o[1], o[2]) for o in outcomes if o[1] != o[2])
