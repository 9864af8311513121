"""Training examples whose label the rest of the data contradicts, for a person to review.

Usage: python -m devtools.nlu_label_review [out.json]

Each example is scored by the project's classifier trained on the other four fifths of the data
(5-fold, out of fold). Listed are those it gives another label with probability > 0.5 while their
own label gets < 0.2: mislabelled examples, and messages two writers labelled differently. The
list decides nothing; a reviewer relabels or drops by docs/policy_coverage.md (S6 in README).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Dict, List

import numpy as np
import spacy
import yaml
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.model_selection import StratifiedKFold

import chinese_nlp.spacy_pipeline  # noqa: F401  (registers the jieba tokenizer)
from chinese_nlp.linear_classifier import LinearIntentClassifier
from chinese_nlp.normalizer import normalize_text
from chinese_nlp.rasa_components import placeholder_for

PROJECT = Path(__file__).resolve().parent.parent
OTHER_LABEL_ABOVE, OWN_LABEL_BELOW, FOLDS = 0.5, 0.2, 5


def classifier_document(nlp: spacy.language.Language, text: str) -> str:
    """What LinearIntentClassifier reads: normalised text, spaCy's tokens, values as placeholders."""
    tokens = [token.text for token in nlp(normalize_text(text)) if not token.is_space]
    return " ".join(placeholder_for(token) or token for token in tokens)


def _classifier_config() -> Dict[str, object]:
    """The classifier's settings as config.yml gives them (C, n-gram ranges)."""
    pipeline = yaml.safe_load((PROJECT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    step = next(s for s in pipeline if s["name"].endswith(LinearIntentClassifier.__name__))
    return {key: value for key, value in step.items() if key != "name"}


def contradicted_examples() -> List[Dict[str, object]]:
    nlp = spacy.load(PROJECT / "build" / "spacy_zh")
    examples = [m for m in load_data(str(PROJECT / "data" / "nlu")).intent_examples if m.get("text")]
    documents = [classifier_document(nlp, m.get("text")) for m in examples]
    labels = np.array([m.get("intent_response_key") or m.get("intent") for m in examples])
    classes = sorted(set(labels))
    out_of_fold = np.zeros((len(examples), len(classes)))
    component = LinearIntentClassifier(_classifier_config(), None, None)  # type: ignore[arg-type]
    for train, held in StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(documents, labels):
        model = component._new_model().fit([documents[i] for i in train], labels[train])
        columns = [classes.index(label) for label in model.classes_]
        out_of_fold[np.ix_(held, columns)] = model.predict_proba([documents[i] for i in held])
    flagged = []
    for message, label, row in zip(examples, labels, out_of_fold, strict=True):
        best = int(row.argmax())
        if classes[best] != label and row[best] > OTHER_LABEL_ABOVE and row[classes.index(label)] < OWN_LABEL_BELOW:
            flagged.append({"text": message.get("text"), "label": label, "data_suggests": classes[best]})
    return flagged


if __name__ == "__main__":
    found = contradicted_examples()
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT / "reports" / "nlu_label_review.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(found)} examples to review: {target}")
