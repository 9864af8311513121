"""Train an NLU-only model from a config and score it; used to choose the pipeline by measurement.

Usage: python -m scripts.nlu_experiment CONFIG [CONFIG …] [--test] [--grid]

Scores the development sets — tests/nlu/dev.yml, dev2.yml, dev3.yml and stories_dev.yml (intents, FAQ at
response-key level, entities), tests/nlu/unanswerable_dev.yml and unanswerable_dev3.yml (the share
answered honestly: the "not in the policy" reply or an ask-back) and tests/nlu/unclear.txt (how
often vague messages are asked back), tests/nlu/two_questions_dev.yml (both questions heard, in the
order asked) — and the NLU training time. `--test` adds the test sets (heldout.yml, test2.yml and
their unanswerable sets), figures only: for the final choice, so that they stay unbiased. `--grid`
scores a grid of fallback thresholds on the same trained model (give it a config without
FallbackClassifier and FaqTopicFallback): what FallbackClassifier (threshold, ambiguity) and
FaqTopicFallback (topic threshold) would have done.
Results are recorded by hand in README ("NLU experiments").
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from rasa.core.agent import Agent
from rasa.model_training import train_nlu

from devtools.nlu_eval import (
    DEV,
    DEV2,
    DEV3,
    HELDOUT,
    HONEST_LABELS,
    STORIES_DEV,
    TEST2,
    TWO_QUESTIONS_DEV,
    UNANSWERABLE,
    UNANSWERABLE2,
    UNANSWERABLE_DEV,
    UNANSWERABLE_DEV3,
    UNCLEAR,
    evaluate,
    honest_share,
    load_examples,
    load_questions,
    load_two_questions,
    predicted_label,
    two_questions_share,
)

PROJECT = Path(__file__).resolve().parent.parent


GRID = [(t, a, f) for t in (0.3, 0.4, 0.5, 0.6) for a in (0.0, 0.05, 0.1) for f in (0.2, 0.3, 0.4, 0.5, 0.6)]


def with_fallbacks(parse: dict, threshold: float, ambiguity: float, topic_threshold: float) -> str:
    """The label the fallback components would leave, from a parse made without them."""
    ranking = parse.get("intent_ranking") or []
    top = ranking[0]["confidence"] if ranking else 0.0
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    if top < threshold or top - second < ambiguity:
        return "nlu_fallback"
    label = predicted_label(parse)
    if label.startswith("faq/"):
        topic = parse["response_selector"]["faq"]["response"]["confidence"]
        if topic < topic_threshold:
            return "nlu_fallback"
    return label


def grid(parse) -> list:
    """Dev accuracy and honesty for every threshold combination, best trade-offs first."""
    dev = [(e.text, e.label) for e in load_examples(DEV)]
    dev_parses = [(parse(text), label) for text, label in dev]
    unanswerable = [parse(q) for q in load_questions(UNANSWERABLE_DEV)]
    rows = []
    for t, a, f in GRID:
        accuracy = sum(with_fallbacks(p, t, a, f) == label for p, label in dev_parses) / len(dev_parses)
        honest = sum(with_fallbacks(p, t, a, f) in HONEST_LABELS for p in unanswerable) / len(unanswerable)
        rows.append({"threshold": t, "ambiguity": a, "topic": f, "dev": round(accuracy, 3), "honest": round(honest, 3)})
    return sorted(rows, key=lambda r: -(r["dev"] + r["honest"]))


def run(config: str, with_test_sets: bool) -> dict:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        model = train_nlu(config, str(PROJECT / "data"), out, domain=str(PROJECT / "domain.yml"))
        seconds = time.perf_counter() - start
        agent = Agent.load(model)
        loop = asyncio.new_event_loop()

        def parse(text: str) -> dict:
            return loop.run_until_complete(agent.parse_message(text))

        if "--grid" in sys.argv:
            return {"config": config, "training_s": round(seconds), "grid": grid(parse)[:12]}
        dev = evaluate(parse, load_examples(DEV))
        unclear = load_questions(UNCLEAR)
        asked_back = sum(predicted_label(parse(text)) == "nlu_fallback" for text in unclear) / len(unclear)
        result = {
            "config": config,
            "training_s": round(seconds),
            "dev_intent_accuracy": round(dev.intent_accuracy, 3),
            "dev_entity_f1": round(dev.entity_f1, 3),
            "dev_fallback_rate": round(dev.fallback_rate, 3),
            "unanswerable_dev_honest": round(honest_share(parse, load_questions(UNANSWERABLE_DEV))[0], 3),
            "unclear_asked_back": round(asked_back, 2),
            "dev_confusions": dict(list(dev.confusions.items())[:15]),
        }
        for name, path in (("dev2", DEV2), ("dev3", DEV3), ("stories_dev", STORIES_DEV)):
            report = evaluate(parse, load_examples(path))
            result.update(
                {
                    f"{name}_intent_accuracy": round(report.intent_accuracy, 3),
                    f"{name}_entity_f1": round(report.entity_f1, 3),
                    f"{name}_fallback_rate": round(report.fallback_rate, 3),
                    f"{name}_confusions": dict(list(report.confusions.items())[:15]),
                }
            )
        result["unanswerable_dev3_honest"] = round(honest_share(parse, load_questions(UNANSWERABLE_DEV3))[0], 3)
        in_order, both = two_questions_share(parse, load_two_questions(TWO_QUESTIONS_DEV))
        result.update(two_questions_in_order=round(in_order, 3), two_questions_both=round(both, 3))
        if with_test_sets:  # figures only: a sealed set's errors are never shown
            for name, path, questions in (("test", HELDOUT, UNANSWERABLE), ("test2", TEST2, UNANSWERABLE2)):
                test = evaluate(parse, load_examples(path))
                result.update(
                    {
                        f"{name}_intent_accuracy": round(test.intent_accuracy, 3),
                        f"{name}_entity_f1": round(test.entity_f1, 3),
                        f"{name}_unanswerable_honest": round(honest_share(parse, load_questions(questions))[0], 3),
                    }
                )
        return result


if __name__ == "__main__":
    test_sets = "--test" in sys.argv
    for path in (a for a in sys.argv[1:] if not a.startswith("--")):
        print(json.dumps(run(path, test_sets), ensure_ascii=False), flush=True)
