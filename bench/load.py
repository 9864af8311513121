"""Merchants in real multi-turn conversations (locust, bench/load/locustfile.py): 50 at once for
60 s, against one replica and against two behind nginx, on PostgreSQL; CPU per process sampled;
the databases checked afterwards (devtools/load.py)."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List

import psutil

from devtools.cluster import Cluster
from devtools.load import problems, run_locust
from devtools.stack import free_port, fresh_postgres_database, running_stack

USERS, SECONDS = 50, 60
SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


@contextmanager
def cpu_sampled(pids: Dict[str, int]) -> Iterator[Dict[str, float]]:
    """Average CPU (% of one core) of each process while the block runs."""
    processes = {name: psutil.Process(pid) for name, pid in pids.items()}
    samples: Dict[str, List[float]] = {name: [] for name in pids}
    done = threading.Event()

    def sample() -> None:
        for process in processes.values():
            process.cpu_percent(None)
        while not done.wait(1.0):
            for name, process in processes.items():
                samples[name].append(process.cpu_percent(None))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    averages: Dict[str, float] = {}
    try:
        yield averages
    finally:
        done.set()
        sampler.join()
        averages.update({name: sum(v) / len(v) if v else 0.0 for name, v in samples.items()})


def _figures(run, cpu: Dict[str, float], checks: List[str]) -> Dict:
    return {
        "turns": run.turns,
        "failures": run.failures,
        "turns_per_s": run.turns_per_s,
        "p50_ms": run.p50_ms,
        "p95_ms": run.p95_ms,
        "p99_ms": run.p99_ms,
        "cpu_percent": cpu,
        "problems": checks,
    }


def measure(tmp: Path) -> Dict[str, Dict]:
    figures: Dict[str, Dict] = {}
    with fresh_postgres_database(SERVER) as url, running_stack(tmp / "one", database_url=url) as stack:
        with cpu_sampled({"rasa": stack.rasa_pid, "actions": stack.actions.process.pid}) as cpu:
            run = run_locust(stack.rasa_url, USERS, SECONDS, tmp)
        figures["1 replica"] = _figures(run, cpu, problems(run, url))
    with fresh_postgres_database(SERVER) as url:
        cluster = Cluster(tmp / "cluster", database_url=url, redis_url="redis://127.0.0.1:6379/14", port=free_port())
        try:
            cluster.start()
            pids = {p.name: p.process.pid for p in cluster.rasa + cluster.actions}
            with cpu_sampled(pids) as cpu:
                run = run_locust(cluster.url, USERS, SECONDS, tmp)
            figures["2 replicas + nginx"] = _figures(run, cpu, problems(run, url))
        finally:
            cluster.stop()
    return figures


def table(figures: Dict[str, Dict]) -> List[str]:
    lines = [
        f"| {USERS} merchants, {SECONDS} s | turns/s | p50 | p95 | p99 | failed turns | CPU (% of a core) | checks |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, f in figures.items():
        cpu = ", ".join(f"{k} {v:.0f}" for k, v in f["cpu_percent"].items())
        checks = "all passed" if not f["problems"] else "; ".join(f["problems"][:3])
        lines.append(
            f"| {name} | {f['turns_per_s']:.1f} | {f['p50_ms']:.0f} ms | {f['p95_ms']:.0f} ms | {f['p99_ms']:.0f} ms "
            f"| {f['failures']} of {f['turns']} | {cpu} | {checks} |"
        )
    return lines
