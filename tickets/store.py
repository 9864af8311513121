"""Deregistration tickets: every rule about opening, proving and moving them lives here.

Correctness under concurrency comes from the database, not from checks in Python: unique indexes
decide duplicates, the day's sequence row is incremented in place, and a ticket row is locked
while it moves.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, List, Optional, Type, TypeVar, Union

from sqlalchemy import exc as sa_exc
from sqlalchemy import select

import shapes
from shapes import InvalidValue, bounded_text
from tickets import models as m
from tickets import throttle
from tickets.db import Database
from tickets.errors import (
    IdempotencyConflict,
    IllegalTransition,
    StoreUnavailable,
    TerminalAlreadyDeregistered,
    TerminalHasOpenTicket,
    TicketNotFound,
)
from tickets.numbering import random_ticket_number
from tickets.statuses import FINAL_STATUSES, OPEN_STATUSES, Actor, LabelledEnum, Reason, Status, can_move
from tickets.views import HistoryEntry, OpenResult, ProofOutcome, TicketView

log = logging.getLogger(__name__)

MAX_LIST_LIMIT = 500
BOT_NAME = m.BOT_NAME
_OPEN_ATTEMPTS = 5  # an insert may also collide on a random ticket number: tried again
_PRINTABLE_KEY = shapes.Shape("idempotency_key", "请求标识", r"[\x21-\x7e]{1,128}")

E = TypeVar("E", bound=LabelledEnum)


def member(cls: Type[E], value: Any, what: str) -> E:
    """`value` as a member of the enum `cls` (its stored value or the member itself)."""
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except ValueError:
        raise InvalidValue(f"{what}取值不正确") from None


def ticket_view(row: m.Ticket) -> TicketView:
    return TicketView(
        ticket_no=row.ticket_no,
        status=Status(row.status),
        merchant_no=row.merchant_no,
        terminal_sn=row.terminal_sn,
        phone=row.phone,
        reason=Reason(row.reason) if row.reason else None,
        reason_detail=row.reason_detail,
        balance_cleared=row.balance_cleared,
        conversation_id=row.conversation_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _is_known_device(session: Any, ticket_id: int, conversation_id: Optional[str]) -> bool:
    if not conversation_id:
        return False
    found = session.execute(
        select(m.TicketDevice.id).where(
            m.TicketDevice.ticket_id == ticket_id, m.TicketDevice.conversation_id == conversation_id
        )
    ).first()
    return found is not None


def _remember_device(session: Any, ticket_id: int, conversation_id: Optional[str], now: datetime) -> None:
    """This conversation applied for or proved the ticket: a known device from now on."""
    if conversation_id and not _is_known_device(session, ticket_id, conversation_id):
        session.add(m.TicketDevice(ticket_id=ticket_id, conversation_id=conversation_id, proved_at=now))


def history_entries(session: Any, row_id: int, statuses: Type[LabelledEnum]) -> List[HistoryEntry]:
    """Every change of a ticket or case row, oldest first."""
    rows = session.execute(
        select(m.TicketHistory)
        .where(m.TicketHistory.ticket_id == row_id)
        .order_by(m.TicketHistory.at, m.TicketHistory.id)
    ).scalars()
    return [
        HistoryEntry(
            at=row.at,
            actor_kind=Actor(row.actor_kind),
            actor_name=row.actor_name,
            from_status=statuses(row.from_status) if row.from_status else None,
            to_status=statuses(row.to_status),
            note=row.note,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class _Application:
    merchant_no: str
    terminal_sn: str
    phone: str
    reason: Reason
    reason_detail: Optional[str]
    balance_cleared: bool
    conversation_id: Optional[str]
    idempotency_key: str


def _refusal(ticket_no: str, current: Status, target: Status) -> str:
    """Why a move is refused, in words staff and merchants understand."""
    prefix = f"工单 {ticket_no} 当前状态为「{current.label}」"
    if target is Status.WITHDRAWN and current in FINAL_STATUSES:
        why = {
            Status.COMPLETED: "注销已完成，无法撤回",
            Status.REJECTED: "申请已被驳回，无需撤回",
            Status.WITHDRAWN: "申请已撤回，无需重复操作",
        }[current]
        return f"{prefix}，{why}"
    if current in FINAL_STATUSES:
        return f"{prefix}，工单已结束，不能再改为「{target.label}」"
    return f"{prefix}，不能直接改为「{target.label}」"


class TicketStore:
    """Deregistration tickets on a Database (synchronous; run it through BackOffice.run from async code)."""

    def __init__(self, db: Database) -> None:
        self.db = db

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
        conversation_id: Optional[str] = None,
        idempotency_key: str,
    ) -> OpenResult:
        """Open a deregistration ticket, or return the one this idempotency key already opened.

        Raises TerminalHasOpenTicket, TerminalAlreadyDeregistered, IdempotencyConflict,
        InvalidValue (bad input) or StoreUnavailable.
        """
        if not isinstance(balance_cleared, bool):
            raise InvalidValue("余额是否结清须为是/否")
        application = _Application(
            merchant_no=shapes.MERCHANT_NO.checked(merchant_no),
            terminal_sn=shapes.TERMINAL_SN.checked(terminal_sn),
            phone=shapes.PHONE.checked(phone),
            reason=member(Reason, reason, "注销原因"),
            reason_detail=bounded_text(reason_detail, m.REASON_DETAIL_LEN, "原因说明", required=False),
            balance_cleared=balance_cleared,
            conversation_id=bounded_text(conversation_id, m.CONVERSATION_ID_LEN, "会话标识", required=False),
            idempotency_key=_PRINTABLE_KEY.checked(idempotency_key),
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

            replay = self._find_one(m.Deregistration.idempotency_key == application.idempotency_key)
            if replay is not None:
                if (replay.merchant_no, replay.terminal_sn, replay.phone) != (
                    application.merchant_no,
                    application.terminal_sn,
                    application.phone,
                ):
                    raise IdempotencyConflict()
                return OpenResult(replay, created=False)
            existing = self.open_ticket_for_terminal(application.terminal_sn)
            if existing is not None:
                raise TerminalHasOpenTicket(existing)
            # The ticket we collided with was closed in the meantime: try again.
        raise StoreUnavailable("工单系统繁忙，请稍后再试") from collision

    def _insert(self, application: _Application) -> TicketView:
        with self.db.transaction(write=True) as session:
            now = self.db.clock()
            row = m.Deregistration(
                ticket_no=random_ticket_number(now),
                status=Status.SUBMITTED.value,
                merchant_no=application.merchant_no,
                terminal_sn=application.terminal_sn,
                phone=application.phone,
                reason=application.reason.value,
                reason_detail=application.reason_detail,
                balance_cleared=application.balance_cleared,
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
                select(m.Deregistration)
                .where(
                    m.Deregistration.terminal_sn == application.terminal_sn,
                    m.Deregistration.status == Status.COMPLETED.value,
                )
                .limit(1)
            ).scalar_one_or_none()
            if completed is not None:
                raise TerminalAlreadyDeregistered(ticket_view(completed))  # rolls back
            session.add(m.history_row(row, None, Status.SUBMITTED, Actor.BOT, BOT_NAME, now, "商户提交注销申请"))
            _remember_device(session, row.id, application.conversation_id, now)
            return ticket_view(row)

    # -- reading ----------------------------------------------------------------------------

    def _find_one(self, *where: Any) -> Optional[TicketView]:
        with self.db.transaction(write=False) as session:
            row = session.execute(select(m.Deregistration).where(*where).limit(1)).scalar_one_or_none()
            return ticket_view(row) if row is not None else None

    def get(self, ticket_no: str) -> Optional[TicketView]:
        return self._find_one(m.Deregistration.ticket_no == shapes.TICKET_NO.checked(ticket_no))

    def open_ticket_for_terminal(self, terminal_sn: str) -> Optional[TicketView]:
        """The terminal's deregistration ticket in progress, if any (there is at most one)."""
        return self._find_one(
            m.Deregistration.terminal_sn == shapes.TERMINAL_SN.checked(terminal_sn),
            m.Deregistration.status.in_([s.value for s in OPEN_STATUSES]),
        )

    def blocking_ticket_for_terminal(self, terminal_sn: str) -> Optional[TicketView]:
        """The ticket that stops a new application: one in progress, else a completed one."""
        open_ticket = self.open_ticket_for_terminal(terminal_sn)
        if open_ticket is not None:
            return open_ticket
        return self._find_one(
            m.Deregistration.terminal_sn == shapes.TERMINAL_SN.checked(terminal_sn),
            m.Deregistration.status == Status.COMPLETED.value,
        )

    def history(self, ticket_no: str) -> List[HistoryEntry]:
        """Every change to the ticket, oldest first. Raises TicketNotFound."""
        ticket_no = shapes.TICKET_NO.checked(ticket_no)
        with self.db.transaction(write=False) as session:
            ticket_id = session.execute(
                select(m.Deregistration.id).where(m.Deregistration.ticket_no == ticket_no)
            ).scalar_one_or_none()
            if ticket_id is None:
                raise TicketNotFound(ticket_no)
            return history_entries(session, ticket_id, Status)

    def list_tickets(
        self,
        status: Union[Status, str, None] = None,
        terminal_sn: Optional[str] = None,
        limit: int = 50,
    ) -> List[TicketView]:
        """Newest first."""
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIST_LIMIT:
            raise InvalidValue(f"数量须在 1 到 {MAX_LIST_LIMIT} 之间")
        query = select(m.Deregistration).order_by(m.Deregistration.created_at.desc(), m.Deregistration.id.desc())
        if status is not None:
            query = query.where(m.Deregistration.status == member(Status, status, "状态").value)
        if terminal_sn is not None:
            query = query.where(m.Deregistration.terminal_sn == shapes.TERMINAL_SN.checked(terminal_sn))
        with self.db.transaction(write=False) as session:
            return [ticket_view(row) for row in session.execute(query.limit(limit)).scalars()]

    def owns(self, ticket_no: str, phone: str, *, conversation_id: Optional[str] = None) -> ProofOutcome:
        """Whether `phone` is the phone the ticket was applied with: the merchant's proof.

        The whole number is asked for, not its last 4 digits: masked phones (138****5678) show
        exactly those. Unknown tickets answer like a wrong guess, and the comparison is constant
        time, so neither timing nor the answer tells which tickets exist.

        A conversation that applied for the ticket or proved it before (`conversation_id`, the
        browser's signed chat cookie) is a known device: strangers' failures never slow it down.
        Any other is throttled per ticket number as typed (tickets.throttle), existing or not: past
        a few failures it must wait, longer each time, and is told how long — never locked out for
        good, and told nothing about whether the number exists. One transaction, the ticket row
        locked, so concurrent guesses cannot lose a count; no history row (history is the lifecycle).
        """
        ticket_no = shapes.TICKET_NO.checked(ticket_no)
        guess = shapes.PHONE.checked(phone).encode()
        conversation_id = bounded_text(conversation_id, m.CONVERSATION_ID_LEN, "会话标识", required=False)
        with self.db.transaction(write=True) as session:
            now = self.db.clock()
            # FOR UPDATE: concurrent guesses queue here. (SQLite: BEGIN IMMEDIATE serialises writers.)
            row = session.execute(
                select(m.Deregistration).where(m.Deregistration.ticket_no == ticket_no).with_for_update()
            ).scalar_one_or_none()
            known = row is not None and _is_known_device(session, row.id, conversation_id)
            if not known:
                wait = throttle.wait_left(session, throttle.Scope.PROOF, ticket_no, now)
                if wait is not None:
                    return ProofOutcome(owner=False, retry_after=wait)  # not even compared
            expected = (row.phone if row is not None and row.phone else "-").encode()  # "-" never matches
            if not hmac.compare_digest(guess, expected):
                if not known:
                    throttle.record_failure(session, throttle.Scope.PROOF, ticket_no, now)
                return ProofOutcome(owner=False)
            if not known:
                throttle.clear(session, throttle.Scope.PROOF, ticket_no)
                _remember_device(session, row.id, conversation_id, now)
            return ProofOutcome(owner=True)

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

        Raises TicketNotFound, IllegalTransition (nothing written), InvalidValue or StoreUnavailable.
        """
        ticket_no = shapes.TICKET_NO.checked(ticket_no)
        target = member(Status, to_status, "目标状态")
        actor = member(Actor, actor_kind, "操作人类型")
        actor_name = bounded_text(actor_name, m.ACTOR_NAME_LEN, "操作人", required=True)
        note = bounded_text(note, m.NOTE_LEN, "备注", required=False)

        with self.db.transaction(write=True) as session:
            # FOR UPDATE: a concurrent move waits here, then sees our status and is refused.
            # (SQLite ignores it; BEGIN IMMEDIATE already serialises writers there.)
            row = session.execute(
                select(m.Deregistration).where(m.Deregistration.ticket_no == ticket_no).with_for_update()
            ).scalar_one_or_none()
            if row is None:
                raise TicketNotFound(ticket_no)
            current = Status(row.status)
            if not can_move(current, target):
                raise IllegalTransition(ticket_no, current, target, _refusal(ticket_no, current, target))
            now = self.db.clock()
            row.status = target.value
            row.updated_at = now
            session.add(m.history_row(row, current, target, actor, actor_name, now, note))
            view = ticket_view(row)
        log.info("ticket %s moved %s -> %s by %s", ticket_no, current, target, actor)
        return view

    def withdraw(self, ticket_no: str, *, actor_name: str, note: Optional[str] = None) -> TicketView:
        """The merchant withdraws the application. The caller checks ownership first (owns())."""
        return self.move(
            ticket_no, Status.WITHDRAWN, actor_kind=Actor.MERCHANT, actor_name=actor_name, note=note or "商户撤回申请"
        )
