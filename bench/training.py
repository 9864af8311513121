"""Training from scratch (an empty Rasa cache, so nothing is restored) and the model's size."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Dict, List

from devtools.stack import PROJECT, VENV_BIN, rasa_env


def measure(tmp: Path) -> Dict[str, float]:
    out = tmp / "models"
    started = time.perf_counter()
    subprocess.run(
        # As `make train` does: the data's validation is a test, not part of training.
        [str(VENV_BIN / "rasa"), "train", "--force", "--skip-validation", "--out", str(out)]
        + ["--fixed-model-name", "bench"],
        cwd=PROJECT,
        env=rasa_env(RASA_CACHE_DIRECTORY=str(tmp / "cache")),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return {"training_s": time.perf_counter() - started, "model_mb": (out / "bench.tar.gz").stat().st_size / 2**20}


def table(figures: Dict[str, float]) -> List[str]:
    return [
        "| measure | value | target |",
        "|---|---|---|",
        f"| full training from scratch (empty cache) | {figures['training_s']:.0f} s | ≤ 120 s |",
        f"| model size | {figures['model_mb']:.1f} MB |  |",
    ]
