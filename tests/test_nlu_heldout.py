"""NLU quality on the held-out file (never trained on), through the real Rasa server."""
from pathlib import Path

from rasa.shared.nlu.training_data.loading import load_data

from scripts.nlu_eval import HELDOUT, evaluate, load_examples, write_report

PROJECT = Path(__file__).resolve().parent.parent
MIN_INTENT_ACCURACY = 0.95
MIN_ENTITY_F1 = 0.95
MIN_EXAMPLES_PER_LABEL = 8


def _normalised(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def test_heldout_is_never_trained_on():
    training = {_normalised(m.get("text")) for m in load_data(str(PROJECT / "data" / "nlu")).training_examples}
    leaked = [e.text for e in load_examples() if _normalised(e.text) in training]
    assert leaked == []


def test_heldout_covers_every_label():
    examples = load_examples()
    training = load_data(str(PROJECT / "data" / "nlu"))
    labels = {m.get("intent_response_key") or m.get("intent") for m in training.intent_examples}
    counts = {label: sum(e.label == label for e in examples) for label in labels}
    assert {label: n for label, n in counts.items() if n < MIN_EXAMPLES_PER_LABEL} == {}


def test_heldout_intent_accuracy_and_entity_f1(rasa_stack):
    report = evaluate(rasa_stack.parse, load_examples(HELDOUT))
    write_report(report, PROJECT / "reports" / "nlu_heldout.json")
    assert report.intent_accuracy >= MIN_INTENT_ACCURACY, report.confusions
    assert report.entity_f1 >= MIN_ENTITY_F1, [e for e in report.errors if "found" in e]
