"""Where the time and the memory go: py-spy samples the Rasa server while merchants load it, and
tracemalloc breaks down what loading the model allocates (a child process, same model)."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List

PY_SPY = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
TOP = 15
# Where a thread waits in C with nothing to do: py-spy --nonblocking cannot tell these samples from
# work (a first profile counted idle pool workers as 86 % of the time), so they are left out.
IDLE_LEAVES = {"futures/thread.py:_worker", "server/runners.py:serve"}


@contextmanager
def sampled(pid: int, raw: Path) -> Iterator[None]:
    """py-spy record of `pid` (collapsed stacks) for as long as the block runs."""
    spy = subprocess.Popen(
        # --nonblocking: never pause the server (a blocking sampler made turns 6× slower).
        [
            PY_SPY,
            "record",
            "--pid",
            str(pid),
            "--nonblocking",
            "--format",
            "raw",
            "--rate",
            "100",
            "--output",
            str(raw),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)


def _frame(frame: str) -> str:
    """'function (path/to/module.py:123)' → 'package/module.py:function'."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    parts = Path(path).parts
    for anchor in ("site-packages", "main", "lib"):
        if anchor in parts:
            parts = parts[parts.index(anchor) + 1 :]
            break
    return f"{'/'.join(parts[-2:])}:{name}"


def hot_spots(raw: Path) -> Dict[str, List]:
    """Of the samples where a thread was working: the functions with the most samples on top of the
    stack (self) and anywhere in it (total)."""
    own, anywhere, total = Counter(), Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_frame(f) for f in stack.split(";")]
        if frames[-1] in IDLE_LEAVES:
            continue
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            anywhere[frame] += int(count)
    share = lambda counter: [(f, round(100 * n / total, 1)) for f, n in counter.most_common(TOP)]  # noqa: E731
    return {"samples": total, "self": share(own), "total": share(anywhere)}


HEAP_SCRIPT = """
import asyncio, json, sys, tracemalloc
tracemalloc.start(1)
from rasa.core.agent import Agent
agent = Agent.load(sys.argv[1])
asyncio.run(agent.parse_message("注销要收费吗"))
snapshot = tracemalloc.take_snapshot()
sizes = {}
for stat in snapshot.statistics("filename"):
    path = stat.traceback[0].filename
    parts = path.split("site-packages/")[-1].split("/")
    if "site-packages/" in path:
        key = parts[0]
    else:  # the standard library, the project, or "<frozen …>"
        key = path.rsplit("/", 2)[-2] if "/" in path else path
    sizes[key] = sizes.get(key, 0) + stat.size
print(json.dumps(sorted(sizes.items(), key=lambda kv: -kv[1])[:12]))
"""


def heap_by_package(model: Path) -> List:
    """MB allocated by Python objects per package once the model is loaded (tracemalloc)."""
    out = (
        subprocess.run(
            [sys.executable, "-c", HEAP_SCRIPT, str(model)], capture_output=True, text=True, timeout=600, check=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return [(package, round(size / 2**20, 1)) for package, size in json.loads(out)]


def table(profile: Dict) -> List[str]:
    lines = [f"py-spy, {profile['samples']} samples of the Rasa server's threads at work under the load:", ""]
    lines += ["| self time | % | total time (anywhere in the stack) | % |", "|---|---|---|---|"]
    for (own, own_share), (anywhere, any_share) in zip(profile["self"], profile["total"], strict=False):
        lines.append(f"| `{own}` | {own_share} | `{anywhere}` | {any_share} |")
    if profile.get("heap"):
        lines += ["", "Python heap once the model is loaded (tracemalloc), MB by package:", ""]
        lines.append(", ".join(f"{package} {mb}" for package, mb in profile["heap"]))
    return lines
