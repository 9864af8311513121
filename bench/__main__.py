"""`make bench` (python -m bench): every figure README reports, measured here, printed as Markdown
tables and written to reports/bench.json.

    python -m bench                 # everything
    python -m bench side-by-side    # one part: training, side-by-side, actions, load, insights
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List

from bench import actions, floor, insights, load, profile, side_by_side, training
from bench.common import machine
from devtools.load import SIMULATED_MERCHANT_LIMITS
from devtools.stack import MODEL, PROJECT, running_stack

REPORT = PROJECT / "reports" / "bench.json"


def part_training(tmp: Path, results: Dict) -> List[str]:
    results["training"] = training.measure(tmp)
    return training.table(results["training"])


def part_side_by_side(tmp: Path, results: Dict) -> List[str]:
    project = floor.assemble()
    floor_model, trained_s = floor.train(project)
    floor_training_s = trained_s if trained_s is not None else results.get("side_by_side", {}).get("floor_training_s")
    with floor.serving(project, floor_model) as (floor_url, floor_pid):
        bare = side_by_side.measure(side_by_side.Side("floor", floor_url, floor_pid, side_by_side.FloorMerchant))
    started = time.perf_counter()
    with running_stack(tmp / "stack") as stack:
        cold_start_s = time.perf_counter() - started
        product = side_by_side.measure(
            side_by_side.Side("product", stack.rasa_url, stack.rasa_pid, side_by_side.ProductMerchant),
            profile_to=tmp / "profile.raw",
        )
    results["side_by_side"] = {"product": product, "floor": bare, "floor_training_s": floor_training_s}
    results["cold_start_s"] = cold_start_s
    results["profile"] = {**profile.hot_spots(tmp / "profile.raw"), "heap": profile.heap_by_package(MODEL)}
    return side_by_side.table(product, bare) + [
        "",
        f"Cold start (both servers started → model loaded, actions ready): {cold_start_s:.1f} s"
        + (f"; the floor trains in {floor_training_s:.0f} s." if floor_training_s else "."),
        "",
        *profile.table(results["profile"]),
    ]


def part_actions(tmp: Path, results: Dict) -> List[str]:
    results["actions"] = actions.measure(tmp)
    return actions.table(results["actions"])


def part_load(tmp: Path, results: Dict) -> List[str]:
    results["load"] = load.measure(tmp)
    return load.table(results["load"])


def part_insights(tmp: Path, results: Dict) -> List[str]:
    results["insights"] = insights.measure()
    return insights.table(results["insights"])


PARTS: Dict[str, Callable[[Path, Dict], List[str]]] = {
    "training": part_training,
    "side-by-side": part_side_by_side,
    "actions": part_actions,
    "load": part_load,
    "insights": part_insights,
}


def main(argv: List[str]) -> int:
    for name, value in SIMULATED_MERCHANT_LIMITS.items():
        os.environ.setdefault(name, value)
    if not MODEL.exists():
        print(f"no trained model at {MODEL}: `make bench` trains it first")
        return 1
    chosen = [name for name in argv if name in PARTS] or list(PARTS)
    results: Dict = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    results["machine"] = machine()
    output = [f"Machine: {results['machine']}, {time.strftime('%Y-%m-%d')}"]
    for name in chosen:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"… {name}", flush=True)
            try:
                output += ["", f"### {name}", "", *PARTS[name](Path(tmp), results)]
            finally:  # what was measured before a failure is kept
                REPORT.parent.mkdir(exist_ok=True)
                REPORT.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print("\n".join(output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
