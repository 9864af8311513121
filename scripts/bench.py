"""`make bench`: training time, model size, cold start, memory, latency and throughput.

Starts its own action server and Rasa server on free local ports, sends bounded loads to
127.0.0.1 only, prints a Markdown table for README and writes reports/bench.json.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Dict, List

import psutil
import requests

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from scripts.nlu_eval import load_examples  # noqa: E402
from tests.conftest import free_port, wait_until_ready  # noqa: E402

BIN = Path(sys.executable).parent
MODEL = PROJECT / "models" / "current.tar.gz"
MESSAGES = 500
CONCURRENT_CONVERSATIONS = 20


def env() -> Dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"}


def percentile(values: List[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed_ms(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def measure_training(out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(BIN / "rasa"), "train", "--force", "--out", str(out), "--fixed-model-name", "bench"],
                   cwd=PROJECT, env=env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def tree_rss_mb(pid: int) -> float:
    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20


def main() -> None:
    results: Dict[str, object] = {
        "machine": f"{psutil.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GiB, {platform.processor() or platform.machine()}",
        "python": platform.python_version(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        if "--skip-training" not in sys.argv:
            results["training_s"] = round(measure_training(Path(tmp)), 1)
        results["model_mb"] = round(MODEL.stat().st_size / 2**20, 1)

        logs = Path(tmp)
        action_port, rasa_port = free_port(), free_port()
        endpoints = logs / "endpoints.yml"
        endpoints.write_text(f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n")
        actions = subprocess.Popen([str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(action_port)],
                                   cwd=PROJECT, env=env(), stdout=(logs / "a.log").open("w"), stderr=subprocess.STDOUT)
        start = time.perf_counter()
        rasa = subprocess.Popen([str(BIN / "rasa"), "run", "--enable-api", "-i", "127.0.0.1", "--port", str(rasa_port),
                                 "--model", str(MODEL), "--endpoints", str(endpoints)],
                                cwd=PROJECT, env=env(), stdout=(logs / "r.log").open("w"), stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{rasa_port}"
        try:
            wait_until_ready(f"{base}/status", rasa, logs / "r.log", lambda r: r.ok and bool(r.json().get("model_file")))
            results["cold_start_s"] = round(time.perf_counter() - start, 1)
            wait_until_ready(f"http://127.0.0.1:{action_port}/health", actions, logs / "a.log", lambda r: r.ok)
            results["rss_after_load_mb"] = round(tree_rss_mb(rasa.pid))

            texts = [e.text for e in load_examples()]
            corpus = [texts[i % len(texts)] for i in range(MESSAGES)]
            session = requests.Session()
            session.post(f"{base}/model/parse", json={"text": "你好"}).raise_for_status()  # warm-up

            parse = [timed_ms(lambda t=t: session.post(f"{base}/model/parse", json={"text": t}).raise_for_status())
                     for t in corpus]
            results["parse_p50_ms"], results["parse_p95_ms"] = round(percentile(parse, 50), 1), round(percentile(parse, 95), 1)

            user = f"bench-{uuid.uuid4().hex[:8]}"
            webhook = [timed_ms(lambda t=t: session.post(f"{base}/webhooks/rest/webhook",
                                                         json={"sender": user, "message": t}).raise_for_status())
                       for t in corpus]
            results["webhook_p50_ms"], results["webhook_p95_ms"] = round(percentile(webhook, 50), 1), round(percentile(webhook, 95), 1)

            per_conversation = MESSAGES // CONCURRENT_CONVERSATIONS

            def conversation(n: int) -> List[float]:
                s, who = requests.Session(), f"bench-c{n}-{uuid.uuid4().hex[:6]}"
                return [timed_ms(lambda t=t: s.post(f"{base}/webhooks/rest/webhook", json={"sender": who, "message": t}).raise_for_status())
                        for t in corpus[n * per_conversation:(n + 1) * per_conversation]]

            start = time.perf_counter()
            with ThreadPoolExecutor(CONCURRENT_CONVERSATIONS) as pool:
                latencies = [ms for batch in pool.map(conversation, range(CONCURRENT_CONVERSATIONS)) for ms in batch]
            elapsed = time.perf_counter() - start
            results["concurrent_msgs_per_s"] = round(len(latencies) / elapsed, 1)
            results["concurrent_p95_ms"] = round(percentile(latencies, 95), 1)
            results["rss_after_load_test_mb"] = round(tree_rss_mb(rasa.pid))
        finally:
            for process in (rasa, actions):
                process.terminate()
                process.wait(timeout=30)

    out = PROJECT / "reports" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print("| measure | value |\n|---|---|")
    for key, value in results.items():
        print(f"| {key} | {value} |")


if __name__ == "__main__":
    main()
