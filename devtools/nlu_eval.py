"""Score NLU on a labelled file through a parse function (a running Rasa server's /model/parse).

Usage: python -m devtools.nlu_eval http://localhost:5005 [tests/nlu/dev.yml]
(the server must run with --enable-api). FAQ is scored at response-key level (faq/balance …),
an nlu_fallback prediction counts as an error, entities are scored as (type, value) pairs.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Set, Tuple

import yaml
from rasa.shared.nlu.training_data.loading import load_data

from dialogue.names import Entity
from shapes import ENTITY_SHAPES

NLU_SETS = Path(__file__).resolve().parent.parent / "tests" / "nlu"
# Test sets (sealed): never trained on, never used to decide anything, their errors never written.
HELDOUT = NLU_SETS / "heldout.yml"  # the first test set (S3–S8)
TEST2 = NLU_SETS / "test2.yml"  # a second, by two new writers (issue #19), measured once
UNANSWERABLE = NLU_SETS / "unanswerable.yml"  # policy questions no topic answers
UNANSWERABLE2 = NLU_SETS / "unanswerable2.yml"  # the same kind, by test2's writers
# Development sets: chosen on, never trained on.
DEV = NLU_SETS / "dev.yml"  # the first held-out set, since used to steer training data
DEV2 = NLU_SETS / "dev2.yml"  # a second development set, by another writer (for the style gap)
DEV3 = NLU_SETS / "dev3.yml"  # a third, by two more writers (S6)
STORIES_DEV = NLU_SETS / "stories_dev.yml"  # long, story-like messages by two more writers (#19)
TWO_QUESTIONS_DEV = NLU_SETS / "two_questions_dev.yml"  # two policy questions in one message (#19)
UNANSWERABLE_DEV = NLU_SETS / "unanswerable_dev.yml"  # the same kind, for choosing
UNANSWERABLE_DEV3 = NLU_SETS / "unanswerable_dev3.yml"  # the same kind, by dev3's writers
UNCLEAR = NLU_SETS / "unclear.txt"  # too vague to answer
# What is honest for a question no topic answers: the "not in the policy" reply, or asking back.
HONEST_LABELS = {"faq/not_covered", "nlu_fallback"}
EntityPair = Tuple[str, str]


@dataclass(frozen=True)
class EvaluationSet:
    path: Path
    kind: str  # "labelled" (Rasa NLU YAML), "questions" (unlabelled), "two_questions"
    sealed: bool  # a test set: scored by its number only; a leak is removed from the other set

    @property
    def name(self) -> str:
        return self.path.stem


# Every evaluation set, the sealed ones first (a text two sets share stays in the first one).
EVALUATION_SETS = (
    EvaluationSet(HELDOUT, "labelled", sealed=True),
    EvaluationSet(UNANSWERABLE, "questions", sealed=True),
    EvaluationSet(TEST2, "labelled", sealed=True),
    EvaluationSet(UNANSWERABLE2, "questions", sealed=True),
    EvaluationSet(DEV, "labelled", sealed=False),
    EvaluationSet(DEV2, "labelled", sealed=False),
    EvaluationSet(DEV3, "labelled", sealed=False),
    EvaluationSet(STORIES_DEV, "labelled", sealed=False),
    EvaluationSet(TWO_QUESTIONS_DEV, "two_questions", sealed=False),
    EvaluationSet(UNANSWERABLE_DEV, "questions", sealed=False),
    EvaluationSet(UNANSWERABLE_DEV3, "questions", sealed=False),
    EvaluationSet(UNCLEAR, "questions", sealed=False),
)


@dataclass
class Example:
    text: str
    label: str
    entities: Set[EntityPair]


@dataclass
class Report:
    examples: int = 0
    intent_accuracy: float = 0.0
    fallback_rate: float = 0.0
    entity_precision: float = 0.0
    entity_recall: float = 0.0
    entity_f1: float = 0.0
    errors: List[Dict[str, str]] = field(default_factory=list)
    confusions: Dict[str, int] = field(default_factory=dict)


def load_examples(path: Path = HELDOUT) -> List[Example]:
    data = load_data(str(path))
    return [
        Example(
            text=m.get("text"),
            label=m.get("intent_response_key") or m.get("intent"),
            entities={(e["entity"], str(e["value"])) for e in m.get("entities") or []},
        )
        for m in data.training_examples
    ]


@dataclass
class TwoQuestions:
    text: str
    labels: List[str]  # in the order asked


def load_two_questions(path: Path = TWO_QUESTIONS_DEV) -> List[TwoQuestions]:
    return [
        TwoQuestions(m["text"], list(m["labels"])) for m in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
    ]


def texts_of(evaluation_set: EvaluationSet) -> List[str]:
    if evaluation_set.kind == "labelled":
        return [e.text for e in load_examples(evaluation_set.path)]
    if evaluation_set.kind == "two_questions":
        return [m.text for m in load_two_questions(evaluation_set.path)]
    return load_questions(evaluation_set.path)


def load_questions(path: Path = UNANSWERABLE) -> List[str]:
    """The questions of an unlabelled set (YAML `questions:` list, or one per line in a .txt)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".txt":
        return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(yaml.safe_load(text)["questions"])


def honest_share(parse: Callable[[str], dict], questions: List[str]) -> Tuple[float, List[Tuple[str, str]]]:
    """The share of `questions` answered honestly, and the others with what they got."""
    wrong = [(q, label) for q in questions if (label := predicted_label(parse(q))) not in HONEST_LABELS]
    return 1 - len(wrong) / len(questions), wrong


def heard_in_order(parse: dict) -> List[str]:
    """The policy questions a parse hears, in the order they will be answered."""
    more = [e["value"] for e in parse.get("entities") or [] if e.get("entity") == Entity.MORE_QUESTION]
    return [predicted_label(parse), *more]


def value_entities(parse: dict) -> Set[EntityPair]:
    """The values NLU found (phones, numbers…): what entity F1 scores — not the other questions."""
    return {(e["entity"], str(e["value"])) for e in parse.get("entities") or [] if e.get("entity") in ENTITY_SHAPES}


def two_questions_share(parse: Callable[[str], dict], messages: List[TwoQuestions]) -> Tuple[float, float]:
    """(share answered both in the order asked, share with both answered at all)."""
    heard = [(heard_in_order(parse(m.text)), m.labels) for m in messages]
    in_order = sum(h[:2] == labels for h, labels in heard)
    both = sum(set(labels) <= set(h) for h, labels in heard)
    return in_order / len(messages), both / len(messages)


def predicted_label(parse: dict) -> str:
    intent = (parse.get("intent") or {}).get("name") or ""
    if intent == "faq":
        selected = (parse.get("response_selector") or {}).get("faq", {}).get("response", {})
        return selected.get("intent_response_key") or "faq"
    return intent


def evaluate(parse: Callable[[str], dict], examples: List[Example]) -> Report:
    correct = fallbacks = tp = fp = fn = 0
    report = Report(examples=len(examples))
    confusions: Counter = Counter()
    for example in examples:
        result = parse(example.text)
        label = predicted_label(result)
        found = value_entities(result)
        fallbacks += label == "nlu_fallback"
        if label == example.label:
            correct += 1
        else:
            confusions[f"{example.label} → {label}"] += 1
            report.errors.append({"text": example.text, "expected": example.label, "predicted": label})
        tp += len(found & example.entities)
        fp += len(found - example.entities)
        fn += len(example.entities - found)
        if found != example.entities:
            report.errors.append(
                {"text": example.text, "expected_entities": sorted(example.entities), "found": sorted(found)}
            )
    report.intent_accuracy = correct / len(examples)
    report.fallback_rate = fallbacks / len(examples)
    report.entity_precision = tp / (tp + fp) if tp + fp else 1.0
    report.entity_recall = tp / (tp + fn) if tp + fn else 1.0
    p, r = report.entity_precision, report.entity_recall
    report.entity_f1 = 2 * p * r / (p + r) if p + r else 0.0
    report.confusions = dict(confusions.most_common())
    return report


def write_report(report: Report, evaluated: Path, target: Path) -> None:
    """The report of the set at `evaluated`, as `summary` allows (a sealed set: figures only)."""
    shown = asdict(report) if not is_sealed(evaluated) else summary(report, evaluated)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(shown, ensure_ascii=False, indent=2), encoding="utf-8")


def main() -> None:
    import requests

    url = sys.argv[1].rstrip("/")
    path = Path(sys.argv[2]) if len(sys.argv) > 2 else DEV
    report = evaluate(
        lambda t: requests.post(f"{url}/model/parse", json={"text": t}, timeout=30).json(), load_examples(path)
    )
    print(json.dumps(summary(report, path), ensure_ascii=False, indent=2))


def is_sealed(path: Path) -> bool:
    return any(s.sealed and s.path == path for s in EVALUATION_SETS)


def summary(report: Report, path: Path) -> Dict[str, object]:
    """What may be shown of a report: a sealed set's figures only — never which messages it got
    wrong, nor its confusions (they would steer the next choice)."""
    hidden = ("errors", "confusions") if is_sealed(path) else ("errors",)
    return {key: value for key, value in asdict(report).items() if key not in hidden}


if __name__ == "__main__":
    main()
