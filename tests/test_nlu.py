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
    STORIES_DEV,
    TEST2,
    UNANSWERABLE,
    UNANSWERABLE2,
    UNANSWERABLE_DEV,
    UNANSWERABLE_DEV3,
    evaluate,
    honest_share,
    is_sealed,
    load_examples,
    load_questions,
    predicted_label,
    write_report,
)
from devtools.nlu_leaks import shared
from shapes.numbers import luhn_ok

PROJECT = Path(__file__).resolve().parent.parent
# The test sets (FAQ at response-key level), regression guards below what was measured once at the end
# of issue #19 (docs/nlu.md): heldout 0.976 / F1 1.00, test2 0.988 / F1 0.96.
MIN_INTENT_ACCURACY = {"heldout": 0.97, "test2": 0.97}
MIN_ENTITY_F1 = {"heldout": 0.98, "test2": 0.95}
# The development sets (docs/nlu.md): the first held-out set, a second writer's, two more writers',
# and two more writers' long stories (issue #19).
MIN_DEV_INTENT_ACCURACY = {"dev": 0.975, "dev2": 0.99, "dev3": 0.99, "stories_dev": 0.95}
MIN_EXAMPLES_PER_LABEL = 10
MIN_HONEST_SHARE = 0.90  # unanswerable questions answered honestly or asked back
MIN_SAME_INTENT_SHARE = 0.995  # metamorphic: one sentence, many values
VALUES_PER_TEMPLATE = 50
NOT_IN_HELDOUT = {"faq/not_covered"}  # measured by the unanswerable set instead


def _training():
    return load_data(str(PROJECT / "data" / "nlu"))


def test_no_evaluation_text_is_trained_on_and_no_two_sets_share_one():
    """Compared on what the classifier reads (normaliser, tokens, value placeholders): a test text
    in training would be memory, not understanding; one in a development set would steer choices."""
    pairs, trained, twice = shared()
    assert (dict(pairs), trained, twice) == ({}, {}, {})


@pytest.mark.parametrize("path, minimum", [(HELDOUT, 10), (TEST2, 7)], ids=["heldout", "test2"])
def test_the_test_sets_cover_every_label(path, minimum):
    labels = {m.get("intent_response_key") or m.get("intent") for m in _training().intent_examples}
    counts = Counter(e.label for e in load_examples(path))
    assert {label: counts[label] for label in labels - NOT_IN_HELDOUT if counts[label] < minimum} == {}


@pytest.mark.parametrize("path", [HELDOUT, TEST2], ids=["heldout", "test2"])
def test_test_set_intent_accuracy_and_entity_f1(rasa_stack, path):
    """A sealed set is scored by its numbers only: which messages it gets wrong is never shown or
    written (it would steer the next choice)."""
    report = evaluate(rasa_stack.parse, load_examples(path))
    write_report(report, path, PROJECT / "reports" / f"nlu_{path.stem}.json")  # figures only
    accuracy, f1 = round(report.intent_accuracy, 3), round(report.entity_f1, 3)
    assert accuracy >= MIN_INTENT_ACCURACY[path.stem], f"intent accuracy {accuracy}"
    assert f1 >= MIN_ENTITY_F1[path.stem], f"entity F1 {f1}"


@pytest.mark.parametrize("name, path", [("dev", DEV), ("dev2", DEV2), ("dev3", DEV3), ("stories_dev", STORIES_DEV)])
def test_development_sets_do_not_regress(rasa_stack, name, path):
    report = evaluate(rasa_stack.parse, load_examples(path))
    write_report(report, path, PROJECT / "reports" / f"nlu_{name}.json")
    assert report.intent_accuracy >= MIN_DEV_INTENT_ACCURACY[name], report.confusions


@pytest.mark.parametrize(
    "path", [UNANSWERABLE, UNANSWERABLE2, UNANSWERABLE_DEV, UNANSWERABLE_DEV3], ids=["test", "test2", "dev", "dev3"]
)
def test_questions_no_topic_answers_get_an_honest_reply_or_an_ask_back(rasa_stack, path):
    share, wrong = honest_share(rasa_stack.parse, load_questions(path))
    assert share >= MIN_HONEST_SHARE, round(share, 3) if is_sealed(path) else wrong


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
