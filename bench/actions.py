"""Action round trips as Rasa makes them (HTTP with the shared secret), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import requests
import yaml
from sqlalchemy import create_engine

from bench.common import percentile
from devtools.stack import ACTION_TOKEN, PROJECT, VENV_BIN, free_port, rasa_env, stop, wait_until_ready
from tickets.db import migrate

CALLS = 200
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
PG_BENCH_DB = "zhuxiao_bench"
DOMAIN = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))


def _call(session: requests.Session, port: int, action: str, slots: Dict[str, object]) -> dict:
    sender = f"bench-{uuid.uuid4().hex[:8]}"
    tracker = {
        "sender_id": sender,
        "slots": {**dict.fromkeys(DOMAIN["slots"]), **slots},
        "latest_message": {"text": "确认", "intent": {"name": "affirm"}, "metadata": {"client": "bench"}},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    response = session.post(
        f"http://127.0.0.1:{port}/webhook",
        json={"next_action": action, "sender_id": sender, "tracker": tracker, "domain": DOMAIN},
        headers={"Authorization": f"Bearer {ACTION_TOKEN}"},
    )
    response.raise_for_status()
    return response.json()


def _round_trips(database_url: str, log: Path) -> Dict[str, float]:
    migrate(database_url)
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "python"), "-m", "action_server"],
        cwd=PROJECT,
        env=rasa_env(DATABASE_URL=database_url, ZX_ACTIONS_PORT=str(port), ZX_ACTION_TOKEN=ACTION_TOKEN),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/healthz", process, log, lambda r: r.ok)
        session, opened, queried, tickets = requests.Session(), [], [], []
        for n in range(CALLS):
            application = {
                "merchant_no": "862014937715503",
                "terminal_sn": f"BE{n:06d}{uuid.uuid4().hex[:4].upper()}",
                "phone": "13812345678",
                "reason": "no_longer_used",
                "balance_cleared": True,
            }
            started = time.perf_counter()
            reply = _call(session, port, "action_submit_deregistration", application)
            opened.append((time.perf_counter() - started) * 1000)
            tickets.append(reply["responses"][0]["ticket_no"])
        for ticket_no in tickets:
            started = time.perf_counter()
            _call(session, port, "action_show_ticket_status", {"ticket_no": ticket_no, "owned_tickets": [ticket_no]})
            queried.append((time.perf_counter() - started) * 1000)
    finally:
        stop(process)
    return {
        "open_p50_ms": percentile(opened, 50),
        "open_p95_ms": percentile(opened, 95),
        "query_p50_ms": percentile(queried, 50),
        "query_p95_ms": percentile(queried, 95),
    }


def _postgres_url() -> Optional[str]:
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
            connection.exec_driver_sql(f"CREATE DATABASE {PG_BENCH_DB}")
        admin.dispose()
    except Exception as error:
        print(f"PostgreSQL not measured: {type(error).__name__}")
        return None
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_BENCH_DB}"


def measure(tmp: Path) -> Dict[str, Dict[str, float]]:
    figures = {"sqlite": _round_trips(f"sqlite:///{tmp / 'actions.db'}", tmp / "actions-sqlite.log")}
    url = _postgres_url()
    if url:
        figures["postgresql"] = _round_trips(url, tmp / "actions-pg.log")
    return figures


def table(figures: Dict[str, Dict[str, float]]) -> List[str]:
    lines = ["| action round trip | p50 | p95 | target |", "|---|---|---|---|"]
    for backend, f in figures.items():
        lines.append(
            f"| open a ticket, {backend} | {f['open_p50_ms']:.1f} ms | {f['open_p95_ms']:.1f} ms | p95 ≤ 30 ms |"
        )
        lines.append(
            f"| query a ticket, {backend} | {f['query_p50_ms']:.1f} ms | {f['query_p95_ms']:.1f} ms | p95 ≤ 30 ms |"
        )
    return lines
