"""Handoff cases: a conversation handed from the bot to the support team.

A case is a ticket of kind 'handoff' (numbered RG…) in the same table as deregistration tickets,
with its own statuses (queued → claimed → returned/closed) and history rows. The rules that must
hold under concurrency are the database's: a partial unique index allows one active case per
conversation, and a claim is one conditional UPDATE, so two agents can never both win it.

Mixed into TicketStore: methods use its transactions, clock and ticket-number counter.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, List, Optional, Union

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, or_, select, update

from tickets import formats
from tickets import models as m
from tickets.models import BOT_NAME
from tickets.errors import CaseAlreadyClaimed, CaseNotActive, NotCaseAssignee, StoreUnavailable, TicketNotFound
from tickets.privacy import mask_phone
from tickets.statuses import (
    ACTIVE_HANDOFF_STATUSES,
    HANDOFF_TRANSITIONS,
    Actor,
    HandoffReason,
    HandoffStatus,
)

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy.orm import Session

_CASE_NO = re.compile(formats.HANDOFF_CASE_NO)
_TICKET_NO = re.compile(formats.TICKET_NO)
_PHONE = re.compile(formats.PHONE)
_ACTIVE = [s.value for s in ACTIVE_HANDOFF_STATUSES]
MAX_QUEUE_LIMIT = 200
_OPEN_ATTEMPTS = 3


@dataclass(frozen=True)
class HandoffCase:
    case_no: str
    status: HandoffStatus
    reason: HandoffReason
    conversation_id: str
    assignee: Optional[str]  # agent username while claimed and after
    linked_ticket_no: Optional[str]
    phone: Optional[str] = field(repr=False)
    callback_requested: bool
    created_at: datetime
    updated_at: datetime

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_HANDOFF_STATUSES

    @property
    def masked_phone(self) -> Optional[str]:
        return mask_phone(self.phone) if self.phone else None


@dataclass(frozen=True)
class HandoffOpened:
    case: HandoffCase
    created: bool  # False: the conversation already had an active case, and this is it
    position: int  # 1 = next to be served


def _case(row: m.Ticket) -> HandoffCase:
    return HandoffCase(
        case_no=row.ticket_no,
        status=HandoffStatus(row.status),
        reason=HandoffReason(row.reason),
        conversation_id=row.conversation_id,
        assignee=row.assignee,
        linked_ticket_no=row.linked_ticket_no,
        phone=row.phone,
        callback_requested=bool(row.callback_requested),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def case_no_of(value: Any) -> str:
    return formats.checked(value, _CASE_NO, "会话编号", upper=True)


def _optional(value: Optional[str], pattern: re.Pattern, what: str) -> Optional[str]:
    return None if value in (None, "") else formats.checked(value, pattern, what, upper=True)


def _conversation_id(value: Any) -> str:
    return formats.bounded_text(value, m.CONVERSATION_ID_LEN, "会话标识", required=True)


class HandoffCases:
    """Handoff-case operations of TicketStore."""

    _clock: Any

    def _transaction(self, *, write: bool) -> "AbstractContextManager[Session]":  # provided by TicketStore
        raise NotImplementedError

    @staticmethod
    def _next_ticket_no(session: "Session", now: datetime, prefix: str) -> str:  # provided by TicketStore
        raise NotImplementedError

    # -- opening ----------------------------------------------------------------------------

    def open_handoff(
        self,
        *,
        conversation_id: str,
        reason: Union[HandoffReason, str],
        linked_ticket_no: Optional[str] = None,
        phone: Optional[str] = None,
    ) -> HandoffOpened:
        """Queue the conversation for a person, or return its case if one is already active."""
        conversation_id = _conversation_id(conversation_id)
        reason = HandoffReason(reason)
        linked_ticket_no = _optional(linked_ticket_no, _TICKET_NO, "工单号")
        phone = _optional(phone, _PHONE, "手机号")
        for _ in range(_OPEN_ATTEMPTS):
            try:
                case = self._insert_case(conversation_id, reason, linked_ticket_no, phone)
                return HandoffOpened(case, True, self.queue_position(case.case_no))
            except sa_exc.IntegrityError:
                existing = self.active_handoff(conversation_id)
                if existing is not None:
                    return HandoffOpened(existing, False, self.queue_position(existing.case_no))
                # The active case ended between our insert and this read: queue again.
        raise StoreUnavailable("工单系统繁忙，请稍后再试")

    def _insert_case(
        self, conversation_id: str, reason: HandoffReason, linked_ticket_no: Optional[str], phone: Optional[str]
    ) -> HandoffCase:
        with self._transaction(write=True) as session:
            now = self._clock()
            row = m.Ticket(
                ticket_no=self._next_ticket_no(session, now, formats.HANDOFF_PREFIX),
                kind=m.KIND_HANDOFF,
                status=HandoffStatus.QUEUED.value,
                reason=reason.value,
                phone=phone,
                conversation_id=conversation_id,
                linked_ticket_no=linked_ticket_no,
                callback_requested=False,
                idempotency_key=f"handoff-{uuid.uuid4().hex}",
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()  # the one-active-case index speaks here
            session.add(m.history_row(row, None, HandoffStatus.QUEUED, Actor.BOT, BOT_NAME, now, reason.label))
            return _case(row)

    # -- reading ----------------------------------------------------------------------------

    def _cases(self, *where: Any, order: Any = None, limit: int = MAX_QUEUE_LIMIT) -> List[HandoffCase]:
        query = select(m.Ticket).where(m.Ticket.kind == m.KIND_HANDOFF, *where).limit(limit)
        query = query.order_by(*(order or (m.Ticket.created_at, m.Ticket.id)))
        with self._transaction(write=False) as session:
            return [_case(row) for row in session.execute(query).scalars()]

    def get_handoff(self, case_no: str) -> Optional[HandoffCase]:
        found = self._cases(m.Ticket.ticket_no == case_no_of(case_no), limit=1)
        return found[0] if found else None

    def active_handoff(self, conversation_id: str) -> Optional[HandoffCase]:
        """The conversation's case while a person has it (queued or claimed): the bot stays silent."""
        found = self._cases(
            m.Ticket.conversation_id == _conversation_id(conversation_id), m.Ticket.status.in_(_ACTIVE), limit=1
        )
        return found[0] if found else None

    def waiting_cases(self, limit: int = MAX_QUEUE_LIMIT) -> List[HandoffCase]:
        """Queued cases, oldest first."""
        return self._cases(m.Ticket.status == HandoffStatus.QUEUED.value, limit=limit)

    def cases_of(self, agent: str, limit: int = MAX_QUEUE_LIMIT) -> List[HandoffCase]:
        """The agent's claimed cases, oldest first."""
        return self._cases(
            m.Ticket.status == HandoffStatus.CLAIMED.value, m.Ticket.assignee == agent, limit=limit
        )

    def queue_position(self, case_no: str) -> int:
        """1 + the number of queued cases before this one; 0 when it is not queued."""
        case = self.get_handoff(case_no)
        if case is None or case.status is not HandoffStatus.QUEUED:
            return 0
        with self._transaction(write=False) as session:
            ahead = session.execute(
                select(func.count()).select_from(m.Ticket).where(
                    m.Ticket.kind == m.KIND_HANDOFF,
                    m.Ticket.status == HandoffStatus.QUEUED.value,
                    or_(
                        m.Ticket.created_at < case.created_at,
                        (m.Ticket.created_at == case.created_at) & (m.Ticket.ticket_no < case.case_no),
                    ),
                )
            ).scalar_one()
        return ahead + 1

    # -- changing ---------------------------------------------------------------------------

    def claim(self, case_no: str, *, agent: str) -> HandoffCase:
        """Give a queued case to `agent` (again, harmlessly, if it is theirs already). One conditional
    UPDATE: of two agents, exactly one wins.

        Raises TicketNotFound, CaseAlreadyClaimed (someone else has it) or CaseNotActive.
        """
        case_no = case_no_of(case_no)
        with self._transaction(write=True) as session:
            now = self._clock()
            won = session.execute(
                update(m.Ticket)
                .where(
                    m.Ticket.ticket_no == case_no,
                    m.Ticket.kind == m.KIND_HANDOFF,
                    m.Ticket.status == HandoffStatus.QUEUED.value,
                )
                .values(status=HandoffStatus.CLAIMED.value, assignee=agent, updated_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            row = session.execute(
                select(m.Ticket).where(m.Ticket.ticket_no == case_no, m.Ticket.kind == m.KIND_HANDOFF)
            ).scalar_one_or_none()
            if row is None:
                raise TicketNotFound(case_no)
            if not won:
                if row.status == HandoffStatus.CLAIMED.value and row.assignee == agent:
                    return _case(row)  # a double click or a retry: already theirs
                if row.status == HandoffStatus.CLAIMED.value:
                    raise CaseAlreadyClaimed(case_no, row.assignee)
                raise CaseNotActive(case_no, HandoffStatus(row.status))
            session.add(m.history_row(row, HandoffStatus.QUEUED, HandoffStatus.CLAIMED, Actor.AGENT, agent, now, "接入会话"))
            return _case(row)

    def end_handoff(
        self, case_no: str, to_status: Union[HandoffStatus, str], *, agent: str, note: Optional[str] = None
    ) -> HandoffCase:
        """The assignee returns the conversation to the bot (RETURNED) or closes the case (CLOSED).

        Raises TicketNotFound, NotCaseAssignee or CaseNotActive.
        """
        case_no = case_no_of(case_no)
        target = HandoffStatus(to_status)
        with self._transaction(write=True) as session:
            row = session.execute(
                select(m.Ticket)
                .where(m.Ticket.ticket_no == case_no, m.Ticket.kind == m.KIND_HANDOFF)
                .with_for_update()
            ).scalar_one_or_none()
            if row is None:
                raise TicketNotFound(case_no)
            current = HandoffStatus(row.status)
            if current is HandoffStatus.CLAIMED and row.assignee != agent:
                raise NotCaseAssignee(case_no)
            if target not in HANDOFF_TRANSITIONS[current] or current is not HandoffStatus.CLAIMED:
                raise CaseNotActive(case_no, current)
            row.status, row.updated_at = target.value, self._clock()
            session.add(m.history_row(row, current, target, Actor.AGENT, agent, row.updated_at, note))
            return _case(row)

    def requeue_cases_of(self, agent: str) -> List[HandoffCase]:
        """Put an agent's claimed cases back in the queue (their account is being disabled)."""
        with self._transaction(write=True) as session:
            rows = session.execute(
                select(m.Ticket)
                .where(m.Ticket.kind == m.KIND_HANDOFF, m.Ticket.status == HandoffStatus.CLAIMED.value,
                       m.Ticket.assignee == agent)
                .with_for_update()
            ).scalars().all()
            for row in rows:
                row.status, row.assignee, row.updated_at = HandoffStatus.QUEUED.value, None, self._clock()
                session.add(m.history_row(row, HandoffStatus.CLAIMED, HandoffStatus.QUEUED, Actor.STAFF, "系统",
                                          row.updated_at, f"客服 {agent} 已停用，重新排队"))
            return [_case(row) for row in rows]

    def request_callback(self, conversation_id: str) -> Optional[HandoffCase]:
        """Mark the conversation's active case as wanting a phone call back (it must have a phone)."""
        conversation_id = _conversation_id(conversation_id)
        with self._transaction(write=True) as session:
            row = session.execute(
                select(m.Ticket).where(
                    m.Ticket.kind == m.KIND_HANDOFF,
                    m.Ticket.conversation_id == conversation_id,
                    m.Ticket.status.in_(_ACTIVE),
                )
            ).scalar_one_or_none()
            if row is None or not row.phone:
                return None
            row.callback_requested = True
            return _case(row)
