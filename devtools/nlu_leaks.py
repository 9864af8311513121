"""No evaluation text is trained on, and no two sets share a text — compared on what the classifier
actually reads: the project's normaliser, spaCy's tokens and the value placeholders, letters and
digits only (「我要去12315投诉你们」 and 「我要去12345投诉你们」 are one input).

    python -m devtools.nlu_leaks            # list what is shared (counts per pair of sets)
    python -m devtools.nlu_leaks --remove   # remove it
    python -m devtools.nlu_leaks --remove --keep-training   # once (#19): from the evaluation sets

Removing keeps a shared text where it belongs: out of the training data; in the first of two
evaluation sets in EVALUATION_SETS order (sealed test sets first), out of the later one; once
within a set. Nothing of a sealed set is printed: only counts.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from functools import cache, lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Set, Tuple

import spacy
import yaml

import chinese_nlp.spacy_pipeline  # noqa: F401  (registers the jieba tokenizer)
from chinese_nlp.normalizer import normalize_text
from chinese_nlp.rasa_components import placeholder_for
from devtools.nlu_eval import EVALUATION_SETS, EvaluationSet, texts_of

PROJECT = Path(__file__).resolve().parent.parent
TRAINING = PROJECT / "data" / "nlu"
_ANNOTATION = re.compile(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})")
EXAMPLE_LINE = "    - "  # an example in Rasa's NLU YAML, as every file here writes them


@lru_cache(maxsize=1)
def _nlp() -> spacy.language.Language:
    return spacy.load(PROJECT / "build" / "spacy_zh")


def classifier_document(text: str) -> str:
    """What LinearIntentClassifier reads: normalised text, spaCy's tokens, values as placeholders."""
    tokens = [token.text for token in _nlp()(normalize_text(text)) if not token.is_space]
    return " ".join(placeholder_for(token) or token for token in tokens)


@cache
def classifier_key(text: str) -> str:
    """Two texts with the same key are one input to the classifier."""
    return "".join(ch for ch in classifier_document(text).lower() if ch.isalnum())


def annotated_text(example_line: str) -> str:
    """The text of an example line (`    - [139…](phone)` → `139…`)."""
    return _ANNOTATION.sub(r"\1", example_line.strip()[2:])


def training_keys() -> Dict[str, Path]:
    return {
        classifier_key(annotated_text(line)): path
        for path in sorted(TRAINING.glob("*.yml"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith(EXAMPLE_LINE)
    }


def shared() -> Tuple[Counter, Dict[str, int], Dict[str, int]]:
    """(texts two evaluation sets share, per pair), (training texts equal to an evaluation text,
    per set), (texts written twice, per set)."""
    pairs: Counter = Counter()
    seen: Dict[str, str] = {}
    twice: Counter = Counter()
    for evaluation_set in EVALUATION_SETS:
        own: Set[str] = set()
        for key in map(classifier_key, texts_of(evaluation_set)):
            if key in own:
                twice[evaluation_set.name] += 1
            elif key in seen:
                pairs[(seen[key], evaluation_set.name)] += 1
            own.add(key)
        for key in own:
            seen.setdefault(key, evaluation_set.name)
    trained: Counter = Counter(seen[key] for key in training_keys() if key in seen)
    return pairs, dict(trained), dict(twice)


def _keep_lines(path: Path, keep: Callable[[str], bool]) -> int:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if keep(line)]
    path.write_text("".join(kept), encoding="utf-8")
    return len(lines) - len(kept)


def _remove_from_set(evaluation_set: EvaluationSet, taken: Set[str]) -> int:
    """Drop from the set what an earlier set (or itself, earlier) has; returns how many."""
    path, removed = evaluation_set.path, 0
    if evaluation_set.kind == "labelled":

        def keep(line: str) -> bool:
            nonlocal removed
            if not line.startswith(EXAMPLE_LINE):
                return True
            key = classifier_key(annotated_text(line))
            if key in taken:
                removed += 1
                return False
            taken.add(key)
            return True

        _keep_lines(path, keep)
        return removed
    text = path.read_text(encoding="utf-8")
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    if evaluation_set.kind == "questions" and path.suffix == ".txt":
        items: List = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
        field = None
    else:
        field = "messages" if evaluation_set.kind == "two_questions" else "questions"
        items = yaml.safe_load(text)[field]
    kept = []
    for item in items:
        key = classifier_key(item["text"] if isinstance(item, dict) else item)
        if key in taken:
            removed += 1
        else:
            taken.add(key)
            kept.append(item)
    if removed:
        body = (
            "\n".join(kept) + "\n"
            if field is None
            else yaml.safe_dump({field: kept}, allow_unicode=True, sort_keys=False, width=1000)
        )
        path.write_text(header + body, encoding="utf-8")
    return removed


def remove(*, keep_training: bool = False) -> Dict[str, int]:
    """Remove every shared text where it does not belong; returns how many, per file.

    The standing rule: a training example equal to an evaluation text leaves the training data.
    `keep_training` (run once, for issue #19 — docs/nlu.md): an evaluation text that the training
    data already had leaves the evaluation set instead — it measured memory, not understanding, and
    the training examples it equals (templates like 「手机号<phone>」) are what the product needs.
    """
    removed: Dict[str, int] = {}
    taken: Set[str] = set(training_keys()) if keep_training else set()
    for evaluation_set in EVALUATION_SETS:
        removed[evaluation_set.name] = _remove_from_set(evaluation_set, taken)
    if not keep_training:
        for path in sorted(TRAINING.glob("*.yml")):
            removed[f"data/nlu/{path.name}"] = _keep_lines(
                path,
                lambda line: not (line.startswith(EXAMPLE_LINE) and classifier_key(annotated_text(line)) in taken),
            )
    return {name: count for name, count in removed.items() if count}


if __name__ == "__main__":
    if "--remove" in sys.argv:
        print(remove(keep_training="--keep-training" in sys.argv) or "nothing shared")
    else:
        pairs, trained, twice = shared()
        for (first, second), count in sorted(pairs.items()):
            print(f"{second} shares {count} texts with {first}")
        for name, count in sorted(trained.items()):
            print(f"training data has {count} texts of {name}")
        for name, count in sorted(twice.items()):
            print(f"{name} has {count} texts twice")
        if not (pairs or trained or twice):
            print("no text is shared")
