"""SQLAlchemy tables. Alembic migrations (tickets/migrations) create the schema; a test checks
that they and these models agree."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    false,
    text,
    true,
)
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

from tickets.statuses import ACTIVE_HANDOFF_STATUSES, OPEN_STATUSES

# Named constraints, matching the names the migrations give them (and so autogenerate diffs).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
}
Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))

KIND_DEREGISTRATION = "deregistration"
KIND_HANDOFF = "handoff"
BOT_NAME = "注销助手"  # actor_name on rows the assistant writes

# Column sizes; the store validates inputs against the same numbers.
TICKET_NO_LEN = 16  # "ZX" + yyyymmdd + 4 to 6 digits
KIND_LEN = 32
STATUS_LEN = 32
MERCHANT_NO_LEN = 15
TERMINAL_SN_LEN = 20
PHONE_LEN = 11
CODE_LEN = 32  # reason / actor kind
REASON_DETAIL_LEN = 200
CONVERSATION_ID_LEN = 128
IDEMPOTENCY_KEY_LEN = 128
ACTOR_NAME_LEN = 64
NOTE_LEN = 500
DAY_LEN = 8
USERNAME_LEN = 32
DISPLAY_NAME_LEN = 32
PASSWORD_HASH_LEN = 255
TOKEN_HASH_LEN = 64
ROLE_LEN = 16
OUTCOME_LEN = 16
LABEL_LEN = 64
FACT_TEXT_LEN = 200
THROTTLE_KEY_LEN = 64


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in and out on every backend.

    PostgreSQL stores timestamptz; SQLite has no time zones, so we store naive UTC there and
    re-attach UTC when reading.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass timezone-aware UTC")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Optional[datetime], dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _status_list(statuses) -> str:
    return ", ".join(f"'{s.value}'" for s in sorted(statuses, key=lambda s: s.value))


def open_deregistration_clause() -> str:
    """WHERE clause of the one-open-ticket-per-terminal index (same SQL on SQLite and PostgreSQL)."""
    return f"kind = '{KIND_DEREGISTRATION}' AND status IN ({_status_list(OPEN_STATUSES)})"


def active_handoff_clause() -> str:
    """WHERE clause of the one-active-handoff-per-conversation index."""
    return f"kind = '{KIND_HANDOFF}' AND status IN ({_status_list(ACTIVE_HANDOFF_STATUSES)})"


class Ticket(Base):
    """A numbered row with a lifecycle: a deregistration ticket or a handoff case (single-table
    inheritance on `kind`: querying a subclass adds the kind filter, so no query spells it)."""

    __tablename__ = "tickets"

    id = Column(Integer, primary_key=True)
    ticket_no = Column(String(TICKET_NO_LEN), nullable=False, unique=True)
    # Cases share this table, so deregistration-only columns are nullable; the store requires
    # them for deregistration tickets.
    kind = Column(String(KIND_LEN), nullable=False, default=KIND_DEREGISTRATION, server_default=KIND_DEREGISTRATION)
    status = Column(String(STATUS_LEN), nullable=False)
    merchant_no = Column(String(MERCHANT_NO_LEN))
    terminal_sn = Column(String(TERMINAL_SN_LEN))
    phone = Column(String(PHONE_LEN))
    reason = Column(String(CODE_LEN))
    reason_detail = Column(String(REASON_DETAIL_LEN))
    balance_cleared = Column(Boolean)
    conversation_id = Column(String(CONVERSATION_ID_LEN))
    idempotency_key = Column(String(IDEMPOTENCY_KEY_LEN), nullable=False, unique=True)
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)
    # Handoff cases only: who serves it, the merchant's deregistration ticket, a callback wish.
    assignee = Column(String(USERNAME_LEN))
    linked_ticket_no = Column(String(TICKET_NO_LEN))
    callback_requested = Column(Boolean, nullable=False, default=False, server_default=false())
    first_reply_at = Column(UTCDateTime)  # the assignee's first message to the merchant
    callback_done_at = Column(UTCDateTime)  # the agent marked the call back as made

    __table_args__ = (
        # The race-free guard against two open applications for one terminal.
        Index(
            "uq_tickets_open_deregistration_terminal",
            "terminal_sn",
            unique=True,
            sqlite_where=text(open_deregistration_clause()),
            postgresql_where=text(open_deregistration_clause()),
        ),
        # The race-free guard against two waiting handoff cases for one conversation.
        Index(
            "uq_tickets_active_handoff_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text(active_handoff_clause()),
            postgresql_where=text(active_handoff_clause()),
        ),
        Index("ix_tickets_terminal_sn", "terminal_sn"),
        Index("ix_tickets_status_created_at", "status", "created_at"),
        Index("ix_tickets_kind_created_at", "kind", "created_at"),
    )
    __mapper_args__ = {"polymorphic_on": kind}


class Deregistration(Ticket):
    """A merchant's application to deregister one terminal (ZX…)."""

    __mapper_args__ = {"polymorphic_identity": KIND_DEREGISTRATION}


class Case(Ticket):
    """A conversation handed to the support team (RG…)."""

    __mapper_args__ = {"polymorphic_identity": KIND_HANDOFF}


class TicketHistory(Base):
    """Append-only audit trail (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "ticket_history"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="RESTRICT"), nullable=False, index=True)
    actor_kind = Column(String(CODE_LEN), nullable=False)
    actor_name = Column(String(ACTOR_NAME_LEN), nullable=False)
    at = Column(UTCDateTime, nullable=False)
    from_status = Column(String(STATUS_LEN))
    to_status = Column(String(STATUS_LEN), nullable=False)
    note = Column(String(NOTE_LEN))


class TicketSequence(Base):
    """Daily ticket counter: one row per Asia/Shanghai day."""

    __tablename__ = "ticket_sequences"

    day = Column(String(DAY_LEN), primary_key=True)  # YYYYMMDD
    last_value = Column(Integer, nullable=False)


class Agent(Base):
    """A support agent who may log in to the console (created with `python -m tickets agent-add`)."""

    __tablename__ = "agents"

    id = Column(Integer, primary_key=True)
    username = Column(String(USERNAME_LEN), nullable=False, unique=True)
    display_name = Column(String(DISPLAY_NAME_LEN), nullable=False)
    password_hash = Column(String(PASSWORD_HASH_LEN), nullable=False)
    active = Column(Boolean, nullable=False, default=True, server_default=true())
    created_at = Column(UTCDateTime, nullable=False)
    last_seen_at = Column(UTCDateTime)  # the console's heartbeat: who counts as online
    role = Column(String(ROLE_LEN), nullable=False, default="agent", server_default="agent")  # agent | lead


class AgentSession(Base):
    """A console login. Only the SHA-256 of the cookie token is stored."""

    __tablename__ = "agent_sessions"

    token_hash = Column(String(TOKEN_HASH_LEN), primary_key=True)
    agent_id = Column(Integer, ForeignKey("agents.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)


class TicketDevice(Base):
    """A conversation (a browser's signed chat cookie) that applied for or proved an application:
    its later proofs are never slowed down by strangers' failures (tickets.throttle)."""

    __tablename__ = "ticket_devices"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    conversation_id = Column(String(CONVERSATION_ID_LEN), nullable=False)
    proved_at = Column(UTCDateTime, nullable=False)

    __table_args__ = (Index("uq_ticket_devices_ticket_conversation", "ticket_id", "conversation_id", unique=True),)


class Throttle(Base):
    """Failures from unknown devices at one account or application, and until when such devices
    must wait (tickets.throttle). Keyed by what was typed, whether or not it exists."""

    __tablename__ = "throttles"

    id = Column(Integer, primary_key=True)
    scope = Column(String(CODE_LEN), nullable=False)
    key = Column(String(THROTTLE_KEY_LEN), nullable=False)
    failures = Column(Integer, nullable=False)
    last_failure_at = Column(UTCDateTime, nullable=False, index=True)
    blocked_until = Column(UTCDateTime)

    __table_args__ = (Index("uq_throttles_scope_key", "scope", "key", unique=True),)


class CaseRead(Base):
    """Every time an agent opens a case's transcript (append-only, like ticket_history)."""

    __tablename__ = "case_reads"

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("tickets.id", ondelete="RESTRICT"), nullable=False, index=True)
    agent = Column(String(USERNAME_LEN), nullable=False)
    at = Column(UTCDateTime, nullable=False)


class TurnFact(Base):
    """One merchant message and what became of it — written with the turn's events by the tracker
    store (web/tracker_store.py), read by the insights. The text is masked and cut short."""

    __tablename__ = "turn_facts"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(CONVERSATION_ID_LEN), nullable=False, index=True)
    at = Column(UTCDateTime, nullable=False)
    day = Column(Date, nullable=False)  # the Shanghai day of `at`: periods and per-day figures
    opens_conversation = Column(Boolean, nullable=False, default=False)  # the session's first message
    outcome = Column(String(OUTCOME_LEN), nullable=False)
    intent = Column(String(LABEL_LEN))
    topic = Column(String(LABEL_LEN))
    confidence = Column(Float)
    text = Column(String(FACT_TEXT_LEN))

    # Every figure filters on days; these let PostgreSQL answer from the index alone.
    __table_args__ = (
        Index("ix_turn_facts_day_outcome_topic", "day", "outcome", "topic"),
        Index("ix_turn_facts_opens_day", "opens_conversation", "day"),
        Index("ix_turn_facts_outcome_at", "outcome", "at"),
    )


def history_row(
    ticket: Ticket,
    from_status: Optional[Any],
    to_status: Any,
    actor: Any,
    actor_name: str,
    at: datetime,
    note: Optional[str] = None,
) -> TicketHistory:
    """The audit row of one change (statuses and actor are the str enums of tickets.statuses)."""
    return TicketHistory(
        ticket_id=ticket.id,
        actor_kind=actor.value,
        actor_name=actor_name,
        at=at,
        from_status=from_status.value if from_status is not None else None,
        to_status=to_status.value,
        note=note,
    )
