"""The ticket store: every rule about opening and moving deregistration tickets lives here.

Callers get frozen dataclasses (TicketView, HistoryEntry), never ORM objects, so nothing outside
this module ever holds a session. Correctness under concurrency comes from the database, not from
checks in Python: unique indexes decide duplicates, the sequence row is incremented in place, and
a ticket row is locked while it moves.
"""
from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator, List, Optional, Type, TypeVar, Union

from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from tickets import formats
from tickets import models as m
from tickets.db import make_engine, write_engine
from tickets.errors import (
    IdempotencyConflict,
    IllegalTransition,
    SequenceExhausted,
    StoreUnavailable,
    TerminalAlreadyDeregistered,
    TerminalHasOpenTicket,
    TicketNotFound,
)
from tickets.handoff import HandoffCases
from tickets.privacy import mask_merchant_no, mask_phone
from tickets.statuses import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Actor,
    LabelledEnum,
    Reason,
    ReturnMethod,
    Status,
    can_move,
)

log = logging.getLogger(__name__)

# China has had no daylight saving since 1991, so a fixed offset is exact and needs no tzdata.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
TICKET_PREFIX = formats.TICKET_PREFIX
MAX_DAILY_SEQUENCE = 9999  # 4 digits: NLU and the normaliser expect ZX + 12 digits
MAX_LIST_LIMIT = 500
BOT_NAME = m.BOT_NAME
DEFAULT_TIMEOUT_S = 5.0
_OPEN_ATTEMPTS = 3
MAX_FAILED_PROOFS = 5  # wrong phone-last-4 guesses in a row before a ticket's proofs are locked
PROOF_LOCKOUT = timedelta(minutes=30)

Clock = Callable[[], datetime]
E = TypeVar("E", bound=LabelledEnum)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------------------------------------
# What callers get back


@dataclass(frozen=True)
class TicketView:
    """A snapshot of one ticket. Personal fields are left out of repr() so logging one is safe."""

    ticket_no: str
    kind: str
    status: Status
    merchant_no: Optional[str] = field(repr=False)
    terminal_sn: Optional[str]
    phone: Optional[str] = field(repr=False)
    reason: Optional[Reason]
    reason_detail: Optional[str] = field(repr=False)  # merchant's free text: may hold anything
    balance_cleared: Optional[bool]
    return_method: Optional[ReturnMethod]
    conversation_id: Optional[str]
    created_at: datetime
    updated_at: datetime

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""

    @property
    def masked_merchant_no(self) -> str:
        return mask_merchant_no(self.merchant_no) if self.merchant_no else ""


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor_kind: Actor
    actor_name: str
    from_status: Optional[Status]  # None for the row that created the ticket
    to_status: Status
    note: Optional[str]


@dataclass(frozen=True)
class OpenResult:
    ticket: TicketView
    created: bool  # False: the idempotency key was seen before and this is that ticket


def _ticket_view(row: m.Ticket) -> TicketView:
    return TicketView(
        ticket_no=row.ticket_no,
        kind=row.kind,
        status=Status(row.status),
        merchant_no=row.merchant_no,
        terminal_sn=row.terminal_sn,
        phone=row.phone,
        reason=Reason(row.reason) if row.reason else None,
        reason_detail=row.reason_detail,
        balance_cleared=row.balance_cleared,
        return_method=ReturnMethod(row.return_method) if row.return_method else None,
        conversation_id=row.conversation_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _history_entry(row: m.TicketHistory) -> HistoryEntry:
    return HistoryEntry(
        at=row.at,
        actor_kind=Actor(row.actor_kind),
        actor_name=row.actor_name,
        from_status=Status(row.from_status) if row.from_status else None,
        to_status=Status(row.to_status),
        note=row.note,
    )


# ---------------------------------------------------------------------------------------------
# Input bounds. Messages never echo the value: it may be a phone or card number.

_MERCHANT_NO = re.compile(formats.MERCHANT_NO)
_PHONE = re.compile(formats.PHONE)
_TERMINAL_SN = re.compile(formats.TERMINAL_SN)  # compared upper-cased
_TICKET_NO = re.compile(formats.TICKET_NO)
_PHONE_LAST4 = re.compile(formats.PHONE_LAST4)
_PRINTABLE_KEY = re.compile(r"[\x21-\x7e]+")  # idempotency keys: visible ASCII, no spaces


def _member(cls: Type[E], value: Any, what: str) -> E:
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except ValueError:
        raise ValueError(f"{what}取值不正确") from None


def ticket_no_of(value: Any) -> str:
    """A well-formed ticket number (upper-cased), or ValueError."""
    return formats.checked(value, _TICKET_NO, "工单号", upper=True)


def terminal_sn_of(value: Any) -> str:
    """A well-formed terminal serial number (upper-cased: the open-ticket index compares exactly)."""
    return formats.checked(value, _TERMINAL_SN, "终端序列号", upper=True)


@dataclass(frozen=True)
class _Application:
    merchant_no: str
    terminal_sn: str
    phone: str
    reason: Reason
    reason_detail: Optional[str]
    balance_cleared: bool
    return_method: ReturnMethod
    conversation_id: Optional[str]
    idempotency_key: str


# ---------------------------------------------------------------------------------------------
# The store

_UPSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


def _refusal(ticket_no: str, current: Status, target: Status) -> str:
    """Why a move is refused, in words staff and merchants understand."""
    prefix = f"工单 {ticket_no} 当前状态为「{current.label}」"
    if target is Status.WITHDRAWN and current in FINAL_STATUSES:
        why = {
            Status.COMPLETED: "注销已完成，无法撤销",
            Status.REJECTED: "申请已被驳回，无需撤销",
            Status.WITHDRAWN: "申请已撤销，无需重复操作",
        }[current]
        return f"{prefix}，{why}"
    if current in FINAL_STATUSES:
        return f"{prefix}，工单已结束，不能再改为「{target.label}」"
    return f"{prefix}，不能直接改为「{target.label}」"


class TicketStore(HandoffCases):
    """Synchronous store (deregistration tickets here; handoff cases in tickets.handoff). Thread-safe: every call uses its own session and connection.

    Expects an engine from tickets.db.make_engine (its SQLite hooks give writers BEGIN IMMEDIATE).
    """

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._reader = sessionmaker(engine, future=True, expire_on_commit=False)
        self._writer = sessionmaker(write_engine(engine), future=True, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: Optional[str] = None, *, clock: Clock = utc_now) -> "TicketStore":
        return cls(make_engine(url), clock=clock)

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Session]:
        """One transaction: committed if the block returns, rolled back if it raises."""
        factory = self._writer if write else self._reader
        try:
            with factory() as session, session.begin():
                yield session
        except _UNAVAILABLE as error:
            # The type name only: driver messages can quote SQL and connection details.
            log.warning("ticket database unavailable (%s)", type(error).__name__)
            raise StoreUnavailable("工单系统暂时无法访问，请稍后再试") from error

    # -- opening ----------------------------------------------------------------------------

    def open_deregistration(
        self,
        *,
        merchant_no: str,
        terminal_sn: str,
        phone: str,
        reason: Union[Reason, str],
        reason_detail: Optional[str] = None,
        balance_cleared: bool,
        return_method: Union[ReturnMethod, str],
        conversation_id: Optional[str] = None,
        idempotency_key: str,
    ) -> OpenResult:
        """Open a deregistration ticket, or return the one this idempotency key already opened.

        Raises TerminalHasOpenTicket, TerminalAlreadyDeregistered, IdempotencyConflict,
        ValueError (bad input) or StoreUnavailable.
        """
        if not isinstance(balance_cleared, bool):
            raise ValueError("余额是否结清须为是/否")
        application = _Application(
            merchant_no=formats.checked(merchant_no, _MERCHANT_NO, "商户编号"),
            terminal_sn=terminal_sn_of(terminal_sn),
            phone=formats.checked(phone, _PHONE, "手机号"),
            reason=_member(Reason, reason, "注销原因"),
            reason_detail=formats.bounded_text(reason_detail, m.REASON_DETAIL_LEN, "原因说明", required=False),
            balance_cleared=balance_cleared,
            return_method=_member(ReturnMethod, return_method, "设备交还方式"),
            conversation_id=formats.bounded_text(conversation_id, m.CONVERSATION_ID_LEN, "会话标识", required=False),
            idempotency_key=formats.checked(
                idempotency_key, _PRINTABLE_KEY, "请求标识", max_len=m.IDEMPOTENCY_KEY_LEN
            ),
        )
        collision: Optional[sa_exc.IntegrityError] = None
        for _ in range(_OPEN_ATTEMPTS):
            try:
                ticket = self._insert(application)
            except sa_exc.IntegrityError as error:
                collision = error  # a unique index refused the row: find out which one below
            else:
                log.info("ticket %s opened", ticket.ticket_no)
                return OpenResult(ticket, created=True)

            replay = self._find_one(m.Ticket.idempotency_key == application.idempotency_key)
            if replay is not None:
                if (replay.merchant_no, replay.terminal_sn, replay.phone) != (
                    application.merchant_no, application.terminal_sn, application.phone,
                ):
                    raise IdempotencyConflict()
                return OpenResult(replay, created=False)
            existing = self.open_ticket_for_terminal(application.terminal_sn)
            if existing is not None:
                raise TerminalHasOpenTicket(existing)
            # The ticket we collided with was closed in the meantime: try again.
        raise StoreUnavailable("工单系统繁忙，请稍后再试") from collision

    def _insert(self, application: _Application) -> TicketView:
        with self._transaction(write=True) as session:
            now = self._clock()
            row = m.Ticket(
                ticket_no=self._next_ticket_no(session, now, TICKET_PREFIX),
                kind=m.KIND_DEREGISTRATION,
                status=Status.SUBMITTED.value,
                merchant_no=application.merchant_no,
                terminal_sn=application.terminal_sn,
                phone=application.phone,
                reason=application.reason.value,
                reason_detail=application.reason_detail,
                balance_cleared=application.balance_cleared,
                return_method=application.return_method.value,
                conversation_id=application.conversation_id,
                idempotency_key=application.idempotency_key,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            # Flush now so the unique indexes speak before anything else: an idempotent replay
            # must win over every other check.
            session.flush()
            completed = session.execute(
                select(m.Ticket)
                .where(
                    m.Ticket.terminal_sn == application.terminal_sn,
                    m.Ticket.kind == m.KIND_DEREGISTRATION,
                    m.Ticket.status == Status.COMPLETED.value,
                )
                .limit(1)
            ).scalar_one_or_none()
            if completed is not None:
                raise TerminalAlreadyDeregistered(_ticket_view(completed))  # rolls back
            session.add(m.history_row(row, None, Status.SUBMITTED, Actor.BOT, BOT_NAME, now, "商户提交注销申请"))
            return _ticket_view(row)

    @staticmethod
    def _next_ticket_no(session: Session, now: datetime, prefix: str) -> str:
        """`prefix` + Shanghai date + 4-digit daily sequence (one counter per prefix and day).

        The upsert increments the day's row in place, which locks it (row lock on PostgreSQL, the
        write lock taken by BEGIN IMMEDIATE on SQLite) until our transaction ends; so reading it back
        sees our own value, and a rollback hands the number to the next applicant: no gaps.
        """
        day = now.astimezone(SHANGHAI).strftime("%Y%m%d")
        # The counter row is keyed by the day for ZX (as it always was), by prefix + yymmdd otherwise.
        key = day if prefix == TICKET_PREFIX else prefix + day[2:]
        insert = _UPSERT[session.get_bind().dialect.name]
        session.execute(
            insert(m.TicketSequence)
            .values(day=key, last_value=1)
            .on_conflict_do_update(
                index_elements=[m.TicketSequence.day],
                set_={"last_value": m.TicketSequence.last_value + 1},
            )
        )
        value = session.execute(
            select(m.TicketSequence.last_value).where(m.TicketSequence.day == key)
        ).scalar_one()
        if value > MAX_DAILY_SEQUENCE:
            raise SequenceExhausted(day)
        return f"{prefix}{day}{value:04d}"

    # -- reading ----------------------------------------------------------------------------

    def _find_one(self, *where: Any) -> Optional[TicketView]:
        with self._transaction(write=False) as session:
            row = session.execute(select(m.Ticket).where(*where).limit(1)).scalar_one_or_none()
            return _ticket_view(row) if row is not None else None

    def get(self, ticket_no: str) -> Optional[TicketView]:
        return self._find_one(
            m.Ticket.ticket_no == ticket_no_of(ticket_no), m.Ticket.kind == m.KIND_DEREGISTRATION
        )

    def open_ticket_for_terminal(self, terminal_sn: str) -> Optional[TicketView]:
        """The terminal's deregistration ticket in progress, if any (there is at most one)."""
        return self._find_one(
            m.Ticket.terminal_sn == terminal_sn_of(terminal_sn),
            m.Ticket.kind == m.KIND_DEREGISTRATION,
            m.Ticket.status.in_([s.value for s in OPEN_STATUSES]),
        )

    def blocking_ticket_for_terminal(self, terminal_sn: str) -> Optional[TicketView]:
        """The ticket that stops a new application: one in progress, else a completed one."""
        open_ticket = self.open_ticket_for_terminal(terminal_sn)
        if open_ticket is not None:
            return open_ticket
        return self._find_one(
            m.Ticket.terminal_sn == terminal_sn_of(terminal_sn),
            m.Ticket.kind == m.KIND_DEREGISTRATION,
            m.Ticket.status == Status.COMPLETED.value,
        )

    def history(self, ticket_no: str) -> List[HistoryEntry]:
        """Every change to the ticket, oldest first. Raises TicketNotFound."""
        ticket_no = ticket_no_of(ticket_no)
        with self._transaction(write=False) as session:
            ticket_id = session.execute(
                select(m.Ticket.id).where(m.Ticket.ticket_no == ticket_no)
            ).scalar_one_or_none()
            if ticket_id is None:
                raise TicketNotFound(ticket_no)
            rows = session.execute(
                select(m.TicketHistory)
                .where(m.TicketHistory.ticket_id == ticket_id)
                .order_by(m.TicketHistory.at, m.TicketHistory.id)
            ).scalars()
            return [_history_entry(row) for row in rows]

    def list_tickets(
        self,
        status: Union[Status, str, None] = None,
        terminal_sn: Optional[str] = None,
        limit: int = 50,
    ) -> List[TicketView]:
        """Newest first."""
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIST_LIMIT:
            raise ValueError(f"数量须在 1 到 {MAX_LIST_LIMIT} 之间")
        query = (
            select(m.Ticket)
            .where(m.Ticket.kind == m.KIND_DEREGISTRATION)
            .order_by(m.Ticket.created_at.desc(), m.Ticket.id.desc())
            .limit(limit)
        )
        if status is not None:
            query = query.where(m.Ticket.status == _member(Status, status, "状态").value)
        if terminal_sn is not None:
            query = query.where(m.Ticket.terminal_sn == terminal_sn_of(terminal_sn))
        with self._transaction(write=False) as session:
            return [_ticket_view(row) for row in session.execute(query).scalars()]

    def owns(self, ticket_no: str, phone_last4: str) -> bool:
        """Whether `phone_last4` are the last 4 digits of the ticket's phone.

        Unknown tickets answer False just like a wrong guess, and the comparison is constant
        time, so neither timing nor the answer tells which tickets exist.

        Ticket numbers are sequential and only 10,000 answers are possible, so each ticket has a
        lockout kept in its row: MAX_FAILED_PROOFS wrong guesses in a row refuse every proof,
        right or wrong, for PROOF_LOCKOUT. That makes this a write (one transaction, the row
        locked), so the count holds across conversations, processes and restarts and concurrent
        guesses cannot lose an increment. A right answer resets the count. Unknown tickets write
        nothing; no history row is written (history is the ticket's lifecycle).
        """
        ticket_no = ticket_no_of(ticket_no)
        guess = formats.checked(phone_last4, _PHONE_LAST4, "手机尾号").encode()
        with self._transaction(write=True) as session:
            # FOR UPDATE: concurrent guesses queue here, each seeing the count the last one left.
            # (SQLite ignores it; BEGIN IMMEDIATE already serialises writers there.)
            row = session.execute(
                select(m.Ticket).where(m.Ticket.ticket_no == ticket_no).with_for_update()
            ).scalar_one_or_none()
            if row is None:
                hmac.compare_digest(guess, b"----")  # same work as a real comparison
                return False
            now = self._clock()
            if row.proofs_locked_until is not None and row.proofs_locked_until > now:
                return False  # locked: not even compared
            phone = row.phone
            expected = phone[-4:] if phone and len(phone) >= 4 else "----"  # never matches digits
            if hmac.compare_digest(guess, expected.encode()):
                row.failed_proofs = 0
                row.proofs_locked_until = None  # any lock left here has expired
                return True
            failed = row.failed_proofs + 1
            if failed >= MAX_FAILED_PROOFS:
                row.failed_proofs = 0
                row.proofs_locked_until = now + PROOF_LOCKOUT
                log.warning("ticket %s: ownership proofs locked after %d wrong guesses", ticket_no, failed)
            else:
                row.failed_proofs = failed
            return False

    # -- moving -----------------------------------------------------------------------------

    def move(
        self,
        ticket_no: str,
        to_status: Union[Status, str],
        *,
        actor_kind: Union[Actor, str],
        actor_name: str,
        note: Optional[str] = None,
    ) -> TicketView:
        """Move a ticket along the state machine, writing exactly one history row.

        Raises TicketNotFound, IllegalTransition (nothing written), ValueError or StoreUnavailable.
        """
        ticket_no = ticket_no_of(ticket_no)
        target = _member(Status, to_status, "目标状态")
        actor = _member(Actor, actor_kind, "操作人类型")
        actor_name = formats.bounded_text(actor_name, m.ACTOR_NAME_LEN, "操作人", required=True)
        note = formats.bounded_text(note, m.NOTE_LEN, "备注", required=False)

        with self._transaction(write=True) as session:
            # FOR UPDATE: a concurrent move waits here, then sees our status and is refused.
            # (SQLite ignores it; BEGIN IMMEDIATE already serialises writers there.)
            row = session.execute(
                select(m.Ticket).where(m.Ticket.ticket_no == ticket_no).with_for_update()
            ).scalar_one_or_none()
            if row is None:
                raise TicketNotFound(ticket_no)
            current = Status(row.status)
            if not can_move(current, target):
                raise IllegalTransition(ticket_no, current, target, _refusal(ticket_no, current, target))
            now = self._clock()
            row.status = target.value
            row.updated_at = now
            session.add(m.history_row(row, current, target, actor, actor_name, now, note))
            view = _ticket_view(row)
        log.info("ticket %s moved %s -> %s by %s", ticket_no, current, target, actor)
        return view

    def withdraw(self, ticket_no: str, *, actor_name: str, note: Optional[str] = None) -> TicketView:
        """The merchant withdraws the application. The caller checks ownership first (owns())."""
        return self.move(
            ticket_no,
            Status.WITHDRAWN,
            actor_kind=Actor.MERCHANT,
            actor_name=actor_name,
            note=note or "商户撤销申请",
        )


class AsyncTicketStore:
    """TicketStore for asyncio code (Rasa actions): each call runs in a small thread pool and is
    abandoned after `timeout` seconds with StoreUnavailable, so the event loop never waits on the
    database.

    A call abandoned on timeout may still finish in its thread. That is safe to retry:
    open_deregistration with the same idempotency_key returns the same ticket, and a repeated move
    is refused as illegal rather than applied twice. An abandoned owns() still counts towards the
    ticket's proof lockout if it finishes: a retried wrong guess may count twice, never zero times.
    """

    def __init__(self, store: TicketStore, *, timeout: float = DEFAULT_TIMEOUT_S, max_workers: int = 4) -> None:
        self.store = store
        self.timeout = timeout
        # Our own pool: a stuck database must not use up the event loop's default executor.
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="tickets")

    @classmethod
    def from_url(cls, url: Optional[str] = None, *, timeout: float = DEFAULT_TIMEOUT_S) -> "AsyncTicketStore":
        return cls(TicketStore.from_url(url), timeout=timeout)

    def close(self, *, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait)

    async def call(self, method: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Run any blocking store call (e.g. `store.claim`) under this wrapper's pool and timeout."""
        return await self._call(method, *args, **kwargs)

    async def _call(self, method: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        work = loop.run_in_executor(self._executor, functools.partial(method, *args, **kwargs))
        try:
            return await asyncio.wait_for(work, self.timeout)
        except asyncio.TimeoutError:
            log.warning("ticket store call %s timed out after %.1fs", method.__name__, self.timeout)
            raise StoreUnavailable("工单系统响应超时，请稍后再试") from None

    async def open_deregistration(self, **application: Any) -> OpenResult:
        """Same keyword arguments as TicketStore.open_deregistration."""
        return await self._call(self.store.open_deregistration, **application)

    async def get(self, ticket_no: str) -> Optional[TicketView]:
        return await self._call(self.store.get, ticket_no)

    async def history(self, ticket_no: str) -> List[HistoryEntry]:
        return await self._call(self.store.history, ticket_no)

    async def list_tickets(
        self, status: Union[Status, str, None] = None, terminal_sn: Optional[str] = None, limit: int = 50
    ) -> List[TicketView]:
        return await self._call(self.store.list_tickets, status, terminal_sn, limit)

    async def open_ticket_for_terminal(self, terminal_sn: str) -> Optional[TicketView]:
        return await self._call(self.store.open_ticket_for_terminal, terminal_sn)

    async def blocking_ticket_for_terminal(self, terminal_sn: str) -> Optional[TicketView]:
        return await self._call(self.store.blocking_ticket_for_terminal, terminal_sn)

    async def owns(self, ticket_no: str, phone_last4: str) -> bool:
        return await self._call(self.store.owns, ticket_no, phone_last4)

    async def move(
        self,
        ticket_no: str,
        to_status: Union[Status, str],
        *,
        actor_kind: Union[Actor, str],
        actor_name: str,
        note: Optional[str] = None,
    ) -> TicketView:
        return await self._call(
            self.store.move, ticket_no, to_status, actor_kind=actor_kind, actor_name=actor_name, note=note
        )

    async def withdraw(self, ticket_no: str, *, actor_name: str, note: Optional[str] = None) -> TicketView:
        return await self._call(self.store.withdraw, ticket_no, actor_name=actor_name, note=note)
