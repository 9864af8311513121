"""Training examples equal — after the project's own normaliser — to an evaluation example are
removed from the training data (`python -m devtools.nlu_leaks --remove`), or listed (no flag).
The evaluation sets are never edited to fit: they are the independent ones."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import List, Set

from chinese_nlp.normalizer import normalize_text
from devtools.nlu_eval import (
    DEV,
    DEV2,
    DEV3,
    HELDOUT,
    UNANSWERABLE,
    UNANSWERABLE_DEV,
    UNANSWERABLE_DEV3,
    load_examples,
    load_questions,
)

TRAINING = Path(__file__).resolve().parent.parent / "data" / "nlu"
_ANNOTATION = re.compile(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})")


def folded(text: str) -> str:
    """What the classifier would see: the project's normaliser, then letters and digits only."""
    return "".join(ch for ch in normalize_text(text).lower() if ch.isalnum())


def evaluation_texts() -> Set[str]:
    texts = {folded(e.text) for path in (HELDOUT, DEV, DEV2, DEV3) for e in load_examples(path)}
    questions = (UNANSWERABLE, UNANSWERABLE_DEV, UNANSWERABLE_DEV3)
    return texts | {folded(q) for path in questions for q in load_questions(path)}


def _example(line: str) -> str:
    return _ANNOTATION.sub(r"\1", line.strip()[2:])


def leaked_lines() -> List[str]:
    evaluation = evaluation_texts()
    return [
        line.strip()
        for path in sorted(TRAINING.glob("*.yml"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("    - ") and folded(_example(line)) in evaluation
    ]


def remove() -> int:
    evaluation, removed = evaluation_texts(), 0
    for path in sorted(TRAINING.glob("*.yml")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if not (line.startswith("    - ") and folded(_example(line)) in evaluation)]
        removed += len(lines) - len(kept)
        path.write_text("".join(kept), encoding="utf-8")
    return removed


if __name__ == "__main__":
    if "--remove" in sys.argv:
        print(f"removed {remove()} training examples equal to evaluation examples")
    else:
        print("\n".join(leaked_lines()) or "no training example equals an evaluation example")
