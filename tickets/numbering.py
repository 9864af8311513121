"""Numbers for tickets (ZX…) and cases (RG…): prefix + Shanghai date + digits.

Application numbers end in six unpredictable digits (issue #19: sequential ones told anyone where
today's applications were, to look up or to guess at); the unique index on ticket_no decides, and a
collision is retried by the store. Case numbers stay a daily sequence (no merchant proves anything
with one): four digits, growing to five and six rather than run out; past that the day is refused
(SequenceExhausted, logged as an error) — a million cases in one day is an attack the rate limits
exist to stop.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from runtime.clock import shanghai_day
from shapes import SEQUENCE_DIGITS, TICKET_PREFIX
from tickets import models as m
from tickets.errors import SequenceExhausted

log = logging.getLogger(__name__)

MAX_DAILY_SEQUENCE = 10 ** SEQUENCE_DIGITS[1] - 1
_UPSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def random_ticket_number(now: datetime) -> str:
    """ZX + the Shanghai date + six random digits (not unique by itself: the table's index is)."""
    return f"{TICKET_PREFIX}{shanghai_day(now)}{secrets.randbelow(10 ** SEQUENCE_DIGITS[1]):0{SEQUENCE_DIGITS[1]}d}"


def next_number(session: Session, now: datetime, prefix: str) -> str:
    """The next number of `prefix` for the Shanghai day of `now`, inside the caller's transaction.

    The upsert increments the day's row in place, which locks it (row lock on PostgreSQL, the
    write lock taken by BEGIN IMMEDIATE on SQLite) until the transaction ends; so reading it back
    sees our own value, and a rollback hands the number to the next caller: no gaps.
    """
    day = shanghai_day(now)
    # The counter row is keyed by the day for ZX (as it always was), by prefix + yymmdd otherwise.
    key = day if prefix == TICKET_PREFIX else prefix + day[2:]
    insert = _UPSERT[session.get_bind().dialect.name]
    session.execute(
        insert(m.TicketSequence)
        .values(day=key, last_value=1)
        .on_conflict_do_update(
            index_elements=[m.TicketSequence.day], set_={"last_value": m.TicketSequence.last_value + 1}
        )
    )
    value = session.execute(select(m.TicketSequence.last_value).where(m.TicketSequence.day == key)).scalar_one()
    if value > MAX_DAILY_SEQUENCE:
        log.error("daily numbers exhausted for %s on %s", prefix, day)
        raise SequenceExhausted(day)
    return f"{prefix}{day}{value:0{SEQUENCE_DIGITS[0]}d}"
