"""Train an NLU-only model from a config and score it; used to choose the pipeline by measurement.

Usage: python -m scripts.nlu_experiment CONFIG [CONFIG …]
Prints training time, held-out intent accuracy (FAQ at response-key level), entity F1 and the share
of tests/nlu/unclear.txt that falls back. Results are recorded by hand in README ("NLU experiments").
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

from devtools.nlu_eval import evaluate, load_examples, predicted_label

PROJECT = Path(__file__).resolve().parent.parent
UNCLEAR = PROJECT / "tests" / "nlu" / "unclear.txt"


def run(config: str) -> dict:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        model = train_nlu(config, str(PROJECT / "data"), out, domain=str(PROJECT / "domain.yml"))
        seconds = time.perf_counter() - start
        agent = Agent.load(model)
        loop = asyncio.new_event_loop()

        def parse(text: str) -> dict:
            return loop.run_until_complete(agent.parse_message(text))

        report = evaluate(parse, load_examples())
        unclear = [
            line for line in UNCLEAR.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
        ]
        fallback = sum(predicted_label(parse(text)) == "nlu_fallback" for text in unclear) / len(unclear)
        return {
            "config": config,
            "training_s": round(seconds),
            "intent_accuracy": round(report.intent_accuracy, 3),
            "entity_f1": round(report.entity_f1, 3),
            "heldout_fallback_rate": round(report.fallback_rate, 3),
            "unclear_fallback_rate": round(fallback, 2),
            "confusions": report.confusions,
        }


if __name__ == "__main__":
    for path in sys.argv[1:]:
        print(json.dumps(run(path), ensure_ascii=False), flush=True)
