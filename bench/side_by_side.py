"""The same socket.io client, turn for turn, against the product and the floor: a turn is timed from
the message to the server's acknowledgement (every reply of the turn is sent before it)."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Callable, Dict, List, Optional

import socketio

from bench.common import percentile, rss_mb
from bench.profile import sampled
from devtools.clients import WAIT_S, Merchant

QUESTIONS = [
    "注销要收费吗",
    "注销需要准备哪些材料",
    "注销后POS机要交还吗",
    "审核要多久",
    "余额怎么处理",
    "怎么解绑银行卡",
    "注销流程是什么",
    "注销后还能恢复吗",
    "怎么联系随行付客服",
    "交易记录需要备份吗",
]
SINGLE_TURNS = 150  # one merchant at a time, in conversations of 5 questions
LOAD_MERCHANTS, LOAD_TURNS = 20, 15  # merchants at once, turns each
LONG_TURNS = 80


class FloorMerchant:
    """Rasa's own socket.io channel: connect, then say things (the session is the socket)."""

    def __init__(self, base_url: str) -> None:
        self.sio = socketio.Client(reconnection=False)
        self.sio.connect(base_url, transports=["polling"], wait_timeout=WAIT_S)

    def send(self, text: str) -> None:
        self.sio.call("user_uttered", {"message": text, "session_id": self.sio.sid}, timeout=WAIT_S)

    def close(self) -> None:
        self.sio.eio.disconnect(abort=True)


class ProductMerchant:
    def __init__(self, base_url: str) -> None:
        self.merchant = Merchant(base_url).connect()

    def send(self, text: str) -> None:
        self.merchant.send(text)

    def close(self) -> None:
        self.merchant.close()


@dataclass
class Side:
    name: str
    url: str
    pid: int
    client: Callable[[str], object]

    def merchant(self):
        return self.client(self.url)


def _timed_turns(merchant, texts: List[str]) -> List[float]:
    times = []
    for text in texts:
        started = time.perf_counter()
        merchant.send(text)
        times.append((time.perf_counter() - started) * 1000)
    return times


def one_at_a_time(side: Side) -> Dict[str, float]:
    rng = random.Random(1)
    times: List[float] = []
    while len(times) < SINGLE_TURNS:
        merchant = side.merchant()
        times += _timed_turns(merchant, rng.sample(QUESTIONS, 5))
        merchant.close()
    return {"turn_p50_ms": percentile(times, 50), "turn_p95_ms": percentile(times, 95)}


def under_load(side: Side) -> Dict[str, float]:
    def conversation(n: int) -> List[float]:
        rng = random.Random(n)
        merchant = side.merchant()
        try:
            return _timed_turns(merchant, [rng.choice(QUESTIONS) for _ in range(LOAD_TURNS)])
        finally:
            merchant.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(LOAD_MERCHANTS) as pool:
        times = [t for batch in pool.map(conversation, range(LOAD_MERCHANTS)) for t in batch]
    elapsed = time.perf_counter() - started
    return {
        "load_turns_per_s": len(times) / elapsed,
        "load_p95_ms": percentile(times, 95),
        "rss_after_load_mb": rss_mb(side.pid),
    }


def long_conversation(side: Side) -> Dict[str, float]:
    merchant = side.merchant()
    try:
        times = _timed_turns(merchant, [QUESTIONS[n % len(QUESTIONS)] for n in range(LONG_TURNS)])
    finally:
        merchant.close()
    first, last = median(times[:10]), median(times[-10:])
    return {"turns_1_10_ms": first, "turns_71_80_ms": last, "growth": last / first}


def measure(side: Side, profile_to: Optional[Path] = None) -> Dict[str, float]:
    """Every figure of one side; with `profile_to`, py-spy samples the server during the load."""
    warm = side.merchant()
    _timed_turns(warm, QUESTIONS[:3])
    warm.close()
    single = one_at_a_time(side)
    with sampled(side.pid, profile_to) if profile_to else nullcontext():
        loaded = under_load(side)
    return {**single, **loaded, **long_conversation(side)}


TARGETS = {  # README: each measure as a ratio to the floor, and its target
    "turn_p50_ms": ("FAQ turn p50, one merchant at a time", "≤ 1.2×"),
    "turn_p95_ms": ("FAQ turn p95, one merchant at a time", "≤ 1.3×"),
    "load_turns_per_s": (f"turns/s, {LOAD_MERCHANTS} merchants at once", "≥ 1.0×"),
    "load_p95_ms": ("turn p95 under that load", "≤ 1 s"),
    "rss_after_load_mb": ("Rasa server RSS after the load (MB)", "≤ 1.3 GB"),
    "growth": (f"slow-down over {LONG_TURNS} turns (turns 71–80 / 1–10)", "≤ floor"),
}


def table(product: Dict[str, float], floor: Dict[str, float]) -> List[str]:
    lines = ["| measure | 注销助手 | bare Rasa (floor) | ratio | target |", "|---|---|---|---|---|"]
    for key, (label, target) in TARGETS.items():
        mine, bare = product[key], floor[key]
        lines.append(f"| {label} | {mine:.1f} | {bare:.1f} | {mine / bare:.2f}× | {target} |")
    return lines
