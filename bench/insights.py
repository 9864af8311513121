"""The lead's figures on a big month: 100 000 conversations (600 000 merchant messages), 10 000
handoff cases and 5 000 applications spread over 30 days, generated into a fresh PostgreSQL
database; each figure of /console/api/insights timed for the 30 days."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Callable, Dict, List

from sqlalchemy import insert

from bench.actions import PG_ADMIN_URL
from chinese_nlp.normalizer import normalize_text
from devtools.stack import fresh_postgres_database
from runtime.clock import SHANGHAI
from tickets import models as m
from tickets.db import Database, make_engine, migrate
from tickets.insights import Insights, Period, group_similar
from tickets.statuses import Actor, HandoffReason, HandoffStatus, Status

CONVERSATIONS, MESSAGES_EACH = 100_000, 6
CASES, APPLICATIONS = 10_000, 5_000
DAYS = 30
BATCH = 10_000
OUTCOMES = [
    ("answered", 60),
    ("other", 15),
    ("fallback", 6),
    ("ask_back", 5),
    ("not_covered", 4),
    ("helpful", 4),
    ("unhelpful", 1),
    ("handoff", 2),
    ("out_of_scope", 2),
    ("not_understood", 1),
]
TOPICS = [
    "policy_and_fees",
    "required_documents",
    "device_return",
    "balance",
    "unbind_card",
    "process_steps",
    "review_time",
    "takes_effect",
    "rejection",
    "official_channels",
]
QUESTIONS = ["注销后积分怎么办", "能不能只停用一段时间", "二维码还能用吗", "机器丢了怎么注销", "法人变更了能注销吗"]


def _stamp(rng: random.Random, start: datetime) -> datetime:
    return start + timedelta(seconds=rng.randrange(DAYS * 86_400))


def _turn_facts(rng: random.Random, start: datetime):
    names, weights = zip(*OUTCOMES, strict=True)
    for n in range(CONVERSATIONS):
        began = _stamp(rng, start)
        for k in range(MESSAGES_EACH):
            outcome = rng.choices(names, weights)[0]
            topic = rng.choice(TOPICS) if outcome in ("answered", "helpful", "unhelpful", "ask_back") else None
            text = (
                f"{rng.choice(QUESTIONS)}{rng.randrange(100)}"
                if outcome in ("fallback", "ask_back", "not_covered")
                else "注销要收费吗"
            )
            at = began + timedelta(seconds=20 * k)
            yield {
                "conversation_id": f"bench-{n}",
                "at": at,
                "day": at.astimezone(SHANGHAI).date(),
                "opens_conversation": k == 0,
                "outcome": outcome,
                "intent": "faq",
                "topic": topic,
                "confidence": 0.9,
                "text": text,
            }


def _batched(rows, size: int = BATCH):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _tickets(rng: random.Random, start: datetime) -> List[Dict]:
    rows = []
    for n in range(CASES):
        at = _stamp(rng, start)
        claimed = rng.random() < 0.9
        rows.append(
            {
                "ticket_no": f"RG{n:012d}",
                "kind": m.KIND_HANDOFF,
                "status": (HandoffStatus.CLOSED if claimed else HandoffStatus.QUEUED).value,
                "reason": rng.choice(list(HandoffReason)).value,
                "conversation_id": f"bench-{n}",
                "idempotency_key": f"case-{n}",
                "created_at": at,
                "updated_at": at,
                "assignee": f"agent{n % 12}" if claimed else None,
                "first_reply_at": at + timedelta(seconds=rng.randrange(60, 900)) if claimed else None,
                "callback_requested": n % 10 == 0,
                "callback_done_at": at + timedelta(hours=1) if n % 20 == 0 else None,
            }
        )
    for n in range(APPLICATIONS):
        at = _stamp(rng, start)
        rows.append(
            {
                "ticket_no": f"ZX{n:012d}",
                "kind": m.KIND_DEREGISTRATION,
                "status": Status.SUBMITTED.value,
                "merchant_no": "862014937715503",
                "terminal_sn": f"BN{n:010d}",
                "phone": "13812345678",
                "reason": "no_longer_used",
                "balance_cleared": True,
                "conversation_id": f"bench-{n}",
                "idempotency_key": f"app-{n}",
                "created_at": at,
                "updated_at": at,
            }
        )
    return rows


def _history(rng: random.Random, tickets: List[Dict], ids: Dict[str, int]) -> List[Dict]:
    rows = []
    for ticket in tickets:
        at, tid = ticket["created_at"], ids[ticket["ticket_no"]]
        if ticket["kind"] == m.KIND_HANDOFF:
            path = (
                [HandoffStatus.QUEUED, HandoffStatus.CLAIMED, HandoffStatus.CLOSED]
                if ticket["assignee"]
                else [HandoffStatus.QUEUED]
            )
        else:
            path = [Status.SUBMITTED, Status.IN_REVIEW, Status.AWAITING_DEVICE_RETURN, Status.COMPLETED][
                : rng.randint(1, 4)
            ]
        previous = None
        for status in path:
            rows.append(
                {
                    "ticket_id": tid,
                    "actor_kind": Actor.STAFF.value,
                    "actor_name": "bench",
                    "at": at,
                    "from_status": previous.value if previous else None,
                    "to_status": status.value,
                }
            )
            previous, at = status, at + timedelta(minutes=rng.randrange(1, 600))
    return rows


def _fill(database: Database, end: datetime) -> Dict[str, float]:
    rng, start, started = random.Random(13), end - timedelta(days=DAYS), time.perf_counter()
    engine = database.engine
    with engine.begin() as connection:
        for batch in _batched(_turn_facts(rng, start)):
            connection.execute(insert(m.TurnFact.__table__), batch)
        tickets = _tickets(rng, start)
        for batch in _batched(tickets):
            connection.execute(insert(m.Ticket.__table__), batch)
        ids = dict(
            connection.execute(m.Ticket.__table__.select().with_only_columns(m.Ticket.ticket_no, m.Ticket.id)).all()
        )
        for batch in _batched(_history(rng, tickets, ids)):
            connection.execute(insert(m.TicketHistory.__table__), batch)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum does after a day's writes
    return {"generate_s": time.perf_counter() - started}


def _timed(call: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):  # the best of three: the query, not the cache warming
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def measure() -> Dict[str, float]:
    with fresh_postgres_database(PG_ADMIN_URL) as url:
        migrate(url)
        database = Database(make_engine(url))
        today = datetime.now(SHANGHAI).date()
        results = _fill(database, datetime.now(timezone.utc))
        figures, period = Insights(database), Period.last_days(DAYS, today)
        texts = [text for text, *_ in figures.unanswered(period)[0]]
        timings = {
            "conversations": lambda: figures.conversations(period),
            "answers": lambda: figures.answers(period),
            "feedback": lambda: figures.feedback(period),
            "unanswered": lambda: figures.unanswered(period),
            "grouping": lambda: group_similar(texts, key=normalize_text),
            "funnel": lambda: figures.funnel(period),
            "desk": lambda: figures.desk(period),
        }
        results.update({f"{name}_ms": _timed(call) for name, call in timings.items()})
        # The page runs the queries side by side on the back office's pool, then groups.
        queries = [call for name, call in timings.items() if name != "grouping"]

        def page() -> None:
            with ThreadPoolExecutor(len(queries)) as pool:
                list(pool.map(lambda call: call(), queries))
            group_similar(texts, key=normalize_text)

        results["page_ms"] = _timed(page)
        database.engine.dispose()
    return results


def table(results: Dict[str, float]) -> List[str]:
    lines = [
        f"{CONVERSATIONS:,} conversations ({CONVERSATIONS * MESSAGES_EACH:,} messages), {CASES:,} cases and "
        f"{APPLICATIONS:,} applications over {DAYS} days in PostgreSQL (generated in {results['generate_s']:.0f} s); "
        "each figure for the 30 days, best of three:",
        "",
        "| figure | ms |",
        "|---|---|",
    ]
    lines += [
        f"| {key[:-3]} | {value:.0f} |" for key, value in results.items() if key.endswith("_ms") and key != "page_ms"
    ]
    page = results["page_ms"]
    lines.append(f"| **the whole page (queries side by side, then grouping)** | **{page:.0f}** (target ≤ 1 000) |")
    return lines
