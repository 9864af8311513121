"""Score NLU on a labelled file through a parse function (a running Rasa server's /model/parse).

Usage: python -m devtools.nlu_eval http://localhost:5005 [tests/nlu/heldout.yml]
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

NLU_SETS = Path(__file__).resolve().parent.parent / "tests" / "nlu"
HELDOUT = NLU_SETS / "heldout.yml"  # the test set: never trained on, never used to decide anything
DEV = NLU_SETS / "dev.yml"  # the first held-out set, since used to steer training data
DEV2 = NLU_SETS / "dev2.yml"  # a second development set, by another writer (for the style gap)
DEV3 = NLU_SETS / "dev3.yml"  # a third, by two more writers (S6)
UNANSWERABLE = NLU_SETS / "unanswerable.yml"  # policy questions no topic answers
UNANSWERABLE_DEV = NLU_SETS / "unanswerable_dev.yml"  # the same kind, for choosing
UNANSWERABLE_DEV3 = NLU_SETS / "unanswerable_dev3.yml"  # the same kind, by dev3's writers
UNCLEAR = NLU_SETS / "unclear.txt"  # too vague to answer
# What is honest for a question no topic answers: the "not in the policy" reply, or asking back.
HONEST_LABELS = {"faq/not_covered", "nlu_fallback"}
EntityPair = Tuple[str, str]


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
        found = {(e["entity"], str(e["value"])) for e in result.get("entities") or []}
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


def write_report(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(report), ensure_ascii=False, indent=2), encoding="utf-8")


def main() -> None:
    import requests

    url = sys.argv[1].rstrip("/")
    path = Path(sys.argv[2]) if len(sys.argv) > 2 else HELDOUT
    report = evaluate(
        lambda t: requests.post(f"{url}/model/parse", json={"text": t}, timeout=30).json(), load_examples(path)
    )
    summary = {k: v for k, v in asdict(report).items() if k not in ("errors",)}
    print(json.dumps(summary, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
