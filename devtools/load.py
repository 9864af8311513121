"""Load as merchants make it (bench/load/locustfile.py, headless locust in its own process) and the
check afterwards, from the databases: every message in its conversation in order, no turns
interleaved, one ticket per completed application and no duplicates."""

from __future__ import annotations

import csv
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

from sqlalchemy import create_engine, text

from devtools.stack import PROJECT, VENV_BIN, rasa_env

LOCUSTFILE = PROJECT / "bench" / "load" / "locustfile.py"
# Simulated merchants type faster than people (a message every 0.5–2 s, back to back in the side-by-
# side bench): the per-person message limits are raised wherever they load the product, so that
# turns, not rate-limit notices, are measured and checked.
SIMULATED_MERCHANT_LIMITS = {
    "ZX_LIMIT_MESSAGES_PER_CONVERSATION": "1000/minute",
    "ZX_LIMIT_MESSAGES_PER_CLIENT": "1000/minute",
}


@dataclass
class LoadRun:
    turns: int
    failures: int
    turns_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    journal: List[Dict] = field(default_factory=list)


def run_locust(host: str, users: int, seconds: int, workdir: Path) -> LoadRun:
    journal, prefix = workdir / "journal.jsonl", workdir / "locust"
    journal.unlink(missing_ok=True)
    subprocess.run(
        [
            str(VENV_BIN / "locust"),
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(max(1, users // 5)),
            "-t",
            f"{seconds}s",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "30",
        ],
        cwd=workdir,
        env=rasa_env(ZX_LOAD_JOURNAL=str(journal)),
        check=False,
        stdout=(workdir / "locust.log").open("w"),
        stderr=subprocess.STDOUT,
        timeout=seconds + 180,
    )
    with (Path(f"{prefix}_stats.csv")).open(encoding="utf-8") as stats:
        total = next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")
    records = (
        [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()] if journal.exists() else []
    )
    return LoadRun(
        turns=int(total["Request Count"]),
        failures=int(total["Failure Count"]),
        turns_per_s=float(total["Requests/s"]),
        p50_ms=float(total["50%"]),
        p95_ms=float(total["95%"]),
        p99_ms=float(total["99%"]),
        journal=records,
    )


def problems(run: LoadRun, database_url: str) -> List[str]:
    """What the databases say went wrong under the load (an empty list: nothing)."""
    found: List[str] = [] if run.journal else ["the journal is empty: nothing was checked"]
    engine = create_engine(database_url, future=True)
    with engine.connect() as connection:
        for record in run.journal:
            rows = connection.execute(
                text("SELECT type_name, data FROM events WHERE sender_id = :id ORDER BY id"),
                {"id": record["conversation_id"]},
            ).all()
            said = [json.loads(data).get("text") for kind, data in rows if kind == "user"]
            if said != record["sent"]:
                found.append(f"{record['conversation_id']}: messages stored {len(said)} ≠ sent {len(record['sent'])}")
            shape = "".join("u" if kind == "user" else "b" for kind, _ in rows if kind in ("user", "bot"))
            if shape and not re.fullmatch(r"(ub+)+u?", shape):
                found.append(f"{record['conversation_id']}: turns interleaved ({shape})")
        opened = [t for record in run.journal for t in record["tickets"]]
        for ticket in opened:
            count = connection.execute(
                text("SELECT count(*) FROM tickets WHERE terminal_sn = :sn AND kind = 'deregistration'"),
                {"sn": ticket["terminal_sn"]},
            ).scalar_one()
            if count != 1:
                found.append(f"terminal {ticket['terminal_sn']}: {count} tickets")
        stored = connection.execute(
            text("SELECT count(*) FROM tickets WHERE kind = 'deregistration' AND terminal_sn LIKE 'LD%'")
        ).scalar_one()
        if stored != len(opened):
            found.append(f"{stored} tickets stored for {len(opened)} completed applications")
    engine.dispose()
    return found
