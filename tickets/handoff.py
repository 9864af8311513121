"""The handoff queue: conversations handed from the bot to the support team.

A case (RG…) is a row of `tickets` mapped as models.Case, with its own statuses and the same
history table. The rules that must hold under concurrency are the database's: a partial unique
index allows one active case per conversation, and every change is one conditional UPDATE or a
locked row, checked against the one transition table (statuses.HANDOFF_TRANSITIONS).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any, List, Optional, Tuple, Union

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, or_, select, update

import shapes
from shapes import InvalidValue, bounded_text
from tickets import models as m
from tickets.db import Database
from tickets.errors import (
    CallbackNotRequested,
    CaseAlreadyClaimed,
    CaseNotActive,
    NotCaseAssignee,
    StoreUnavailable,
    TicketNotFound,
)
from tickets.numbering import next_number
from tickets.statuses import ACTIVE_HANDOFF_STATUSES, Actor, HandoffReason, HandoffStatus, can_move_case
from tickets.store import history_entries, member
from tickets.views import HandoffCase, HandoffOpened, HistoryEntry

log = logging.getLogger(__name__)

_ACTIVE = [s.value for s in ACTIVE_HANDOFF_STATUSES]
MAX_QUEUE_LIMIT = 200
MAX_BULK_CLOSE = 100
_OPEN_ATTEMPTS = 3
SYSTEM_ACTOR = "系统"


def case_view(row: m.Case) -> HandoffCase:
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
        callback_done_at=row.callback_done_at,
    )


def _optional(value: Optional[str], shape: shapes.Shape) -> Optional[str]:
    return None if value in (None, "") else shape.checked(value)


def _conversation_id(value: Any) -> str:
    return bounded_text(value, m.CONVERSATION_ID_LEN, "会话标识", required=True)


def _refuse_unless(case_no: str, current: HandoffStatus, target: HandoffStatus) -> None:
    if not can_move_case(current, target):
        raise CaseNotActive(case_no, current)


class HandoffQueue:
    """Handoff cases on a Database (synchronous; run it through BackOffice.run from async code)."""

    def __init__(self, db: Database) -> None:
        self.db = db

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
        reason = member(HandoffReason, reason, "转人工原因")
        linked_ticket_no = _optional(linked_ticket_no, shapes.TICKET_NO)
        phone = _optional(phone, shapes.PHONE)
        for _ in range(_OPEN_ATTEMPTS):
            try:
                case = self._insert(conversation_id, reason, linked_ticket_no, phone)
                return HandoffOpened(case, True, self.queue_position(case.case_no))
            except sa_exc.IntegrityError:
                existing = self.active_handoff(conversation_id)
                if existing is not None:
                    return HandoffOpened(existing, False, self.queue_position(existing.case_no))
                # The active case ended between our insert and this read: queue again.
        raise StoreUnavailable("工单系统繁忙，请稍后再试")

    def _insert(
        self, conversation_id: str, reason: HandoffReason, linked_ticket_no: Optional[str], phone: Optional[str]
    ) -> HandoffCase:
        with self.db.transaction(write=True) as session:
            now = self.db.clock()
            row = m.Case(
                ticket_no=next_number(session, now, shapes.CASE_PREFIX),
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
            session.add(m.history_row(row, None, HandoffStatus.QUEUED, Actor.BOT, m.BOT_NAME, now, reason.label))
            return case_view(row)

    # -- reading ----------------------------------------------------------------------------

    def _cases(self, *where: Any, limit: int = MAX_QUEUE_LIMIT, offset: int = 0) -> List[HandoffCase]:
        query = select(m.Case).where(*where).order_by(m.Case.created_at, m.Case.id).limit(limit).offset(offset)
        with self.db.transaction(write=False) as session:
            return [case_view(row) for row in session.execute(query).scalars()]

    def get_handoff(self, case_no: str) -> Optional[HandoffCase]:
        found = self._cases(m.Case.ticket_no == shapes.CASE_NO.checked(case_no), limit=1)
        return found[0] if found else None

    def active_handoff(self, conversation_id: str) -> Optional[HandoffCase]:
        """The conversation's case while a person has it (queued or claimed): the bot stays silent."""
        found = self._cases(
            m.Case.conversation_id == _conversation_id(conversation_id), m.Case.status.in_(_ACTIVE), limit=1
        )
        return found[0] if found else None

    def waiting_cases(self, limit: int = MAX_QUEUE_LIMIT, offset: int = 0) -> List[HandoffCase]:
        """Queued cases, oldest first."""
        return self._cases(m.Case.status == HandoffStatus.QUEUED.value, limit=limit, offset=offset)

    def waiting_count(self) -> int:
        with self.db.transaction(write=False) as session:
            return session.execute(
                select(func.count()).select_from(m.Case).where(m.Case.status == HandoffStatus.QUEUED.value)
            ).scalar_one()

    def cases_of(self, agent: str, limit: int = MAX_QUEUE_LIMIT) -> List[HandoffCase]:
        """The agent's claimed cases, oldest first."""
        return self._cases(m.Case.status == HandoffStatus.CLAIMED.value, m.Case.assignee == agent, limit=limit)

    def queue_position(self, case_no: str) -> int:
        """1 + the number of queued cases before this one; 0 when it is not queued."""
        case = self.get_handoff(case_no)
        if case is None or case.status is not HandoffStatus.QUEUED:
            return 0
        with self.db.transaction(write=False) as session:
            ahead = session.execute(
                select(func.count())
                .select_from(m.Case)
                .where(
                    m.Case.status == HandoffStatus.QUEUED.value,
                    or_(
                        m.Case.created_at < case.created_at,
                        (m.Case.created_at == case.created_at) & (m.Case.ticket_no < case.case_no),
                    ),
                )
            ).scalar_one()
        return ahead + 1

    def history(self, case_no: str) -> List[HistoryEntry]:
        case_no = shapes.CASE_NO.checked(case_no)
        with self.db.transaction(write=False) as session:
            case_id = session.execute(select(m.Case.id).where(m.Case.ticket_no == case_no)).scalar_one_or_none()
            if case_id is None:
                raise TicketNotFound(case_no)
            return history_entries(session, case_id, HandoffStatus)

    # -- who may see and do what ------------------------------------------------------------

    def case_for_agent(self, case_no: str, agent: str, *, must_be_claimed: bool = False) -> HandoffCase:
        """The case, if `agent` may work on it: a waiting or ended case anyone may read; a claimed
        one is its assignee's alone. Raises TicketNotFound, NotCaseAssignee or CaseNotActive."""
        case = self.get_handoff(case_no)
        if case is None:
            raise TicketNotFound(shapes.CASE_NO.checked(case_no))
        if case.status is HandoffStatus.CLAIMED and case.assignee != agent:
            raise NotCaseAssignee(case.case_no)
        if must_be_claimed and case.status is not HandoffStatus.CLAIMED:
            raise CaseNotActive(case.case_no, case.status)
        return case

    def read_case(self, case_no: str, agent: str) -> HandoffCase:
        """The case for reading its transcript (same rule as case_for_agent), the read recorded."""
        case = self.case_for_agent(case_no, agent)
        with self.db.transaction(write=True) as session:
            case_id = session.execute(select(m.Case.id).where(m.Case.ticket_no == case.case_no)).scalar_one()
            session.add(m.CaseRead(case_id=case_id, agent=agent, at=self.db.clock()))
        return case

    def reads_of(self, case_no: str) -> List[Tuple[str, datetime]]:
        """Who opened the case's transcript and when, oldest first."""
        with self.db.transaction(write=False) as session:
            rows = session.execute(
                select(m.CaseRead.agent, m.CaseRead.at)
                .join(m.Case, m.Case.id == m.CaseRead.case_id)
                .where(m.Case.ticket_no == shapes.CASE_NO.checked(case_no))
                .order_by(m.CaseRead.at, m.CaseRead.id)
            ).all()
        return [(agent, at) for agent, at in rows]

    def check_may_move_ticket(self, ticket_no: str, agent: str) -> None:
        """An agent moves only tickets linked to a case they have claimed (NotCaseAssignee otherwise)."""
        ticket_no = shapes.TICKET_NO.checked(ticket_no)
        with self.db.transaction(write=False) as session:
            linked = session.execute(
                select(m.Case.id)
                .where(
                    m.Case.status == HandoffStatus.CLAIMED.value,
                    m.Case.assignee == agent,
                    m.Case.linked_ticket_no == ticket_no,
                )
                .limit(1)
            ).scalar_one_or_none()
        if linked is None:
            raise NotCaseAssignee(ticket_no, "只能处理自己接入的会话所关联的工单")

    # -- changing ---------------------------------------------------------------------------

    def claim(self, case_no: str, *, agent: str) -> HandoffCase:
        """Give a queued case to `agent` (again, harmlessly, if it is theirs already). One conditional
        UPDATE: of two agents, exactly one wins.

        Raises TicketNotFound, CaseAlreadyClaimed (someone else has it) or CaseNotActive.
        """
        case_no = shapes.CASE_NO.checked(case_no)
        with self.db.transaction(write=True) as session:
            now = self.db.clock()
            won = session.execute(
                update(m.Case)
                .where(m.Case.ticket_no == case_no, m.Case.status == HandoffStatus.QUEUED.value)
                .values(status=HandoffStatus.CLAIMED.value, assignee=agent, updated_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            row = session.execute(select(m.Case).where(m.Case.ticket_no == case_no)).scalar_one_or_none()
            if row is None:
                raise TicketNotFound(case_no)
            if not won:
                if row.status == HandoffStatus.CLAIMED.value and row.assignee == agent:
                    return case_view(row)  # a double click or a retry: already theirs
                if row.status == HandoffStatus.CLAIMED.value:
                    raise CaseAlreadyClaimed(case_no, row.assignee)
                _refuse_unless(case_no, HandoffStatus(row.status), HandoffStatus.CLAIMED)
            session.add(
                m.history_row(row, HandoffStatus.QUEUED, HandoffStatus.CLAIMED, Actor.AGENT, agent, now, "接入会话")
            )
            return case_view(row)

    def note_reply(self, case_no: str, agent: str) -> HandoffCase:
        """The assignee is about to reply: the case, with the time of its first reply kept for
        the insights. Raises like case_for_agent(must_be_claimed=True)."""
        case = self.case_for_agent(case_no, agent, must_be_claimed=True)
        with self.db.transaction(write=True) as session:
            session.execute(
                update(m.Case)
                .where(m.Case.ticket_no == case.case_no, m.Case.first_reply_at.is_(None))
                .values(first_reply_at=self.db.clock())
                .execution_options(synchronize_session=False)
            )
        return case

    def mark_callback_done(self, case_no: str, agent: str) -> HandoffCase:
        """The merchant asked to be called back and `agent` called: recorded once, by an agent who
        may work on the case. Raises CallbackNotRequested when no call back was asked for."""
        case = self.case_for_agent(case_no, agent)
        if not case.callback_requested:
            raise CallbackNotRequested(case.case_no)
        with self.db.transaction(write=True) as session:
            row = session.execute(select(m.Case).where(m.Case.ticket_no == case.case_no)).scalar_one()
            if row.callback_done_at is None:
                now = self.db.clock()
                row.callback_done_at = now
                status = HandoffStatus(row.status)
                session.add(m.history_row(row, status, status, Actor.AGENT, agent, now, "已回电"))
            return case_view(row)

    def end_handoff(
        self, case_no: str, to_status: Union[HandoffStatus, str], *, agent: str, note: Optional[str] = None
    ) -> HandoffCase:
        """The assignee gives the conversation back to the bot (RETURNED) or closes the case (CLOSED).
        Waiting cases are closed with close_waiting. Raises TicketNotFound, NotCaseAssignee or
        CaseNotActive."""
        case_no = shapes.CASE_NO.checked(case_no)
        target = member(HandoffStatus, to_status, "会话状态")
        if target not in (HandoffStatus.RETURNED, HandoffStatus.CLOSED):
            raise CaseNotActive(case_no, target)
        with self.db.transaction(write=True) as session:
            row = session.execute(
                select(m.Case).where(m.Case.ticket_no == case_no).with_for_update()
            ).scalar_one_or_none()
            if row is None:
                raise TicketNotFound(case_no)
            current = HandoffStatus(row.status)
            if current is not HandoffStatus.CLAIMED:
                raise CaseNotActive(case_no, current)
            if row.assignee != agent:
                raise NotCaseAssignee(case_no)
            _refuse_unless(case_no, current, target)
            row.status, row.updated_at = target.value, self.db.clock()
            session.add(m.history_row(row, current, target, Actor.AGENT, agent, row.updated_at, note))
            return case_view(row)

    def close_waiting(
        self, case_nos: List[str], *, actor_kind: Actor, actor_name: str, note: Optional[str] = None
    ) -> List[HandoffCase]:
        """Close waiting cases in bulk (spam, merchants who left): only QUEUED ones — a claimed case
        is its agent's to end. Returns the cases closed; others are left as they are."""
        if len(case_nos) > MAX_BULK_CLOSE:
            raise InvalidValue(f"一次最多关闭 {MAX_BULK_CLOSE} 个会话")
        numbers = {shapes.CASE_NO.checked(no) for no in case_nos}
        actor_name = bounded_text(actor_name, m.ACTOR_NAME_LEN, "操作人", required=True)
        with self.db.transaction(write=True) as session:
            rows = (
                session.execute(
                    select(m.Case)
                    .where(m.Case.ticket_no.in_(numbers), m.Case.status == HandoffStatus.QUEUED.value)
                    .order_by(m.Case.created_at, m.Case.id)
                    .with_for_update()
                )
                .scalars()
                .all()
            )
            now = self.db.clock()
            for row in rows:
                _refuse_unless(row.ticket_no, HandoffStatus.QUEUED, HandoffStatus.CLOSED)
                row.status, row.updated_at = HandoffStatus.CLOSED.value, now
                session.add(
                    m.history_row(row, HandoffStatus.QUEUED, HandoffStatus.CLOSED, actor_kind, actor_name, now, note)
                )
            return [case_view(row) for row in rows]

    def list_cases(
        self, status: Union[HandoffStatus, str, None] = None, limit: int = MAX_QUEUE_LIMIT
    ) -> List[HandoffCase]:
        """Cases, oldest first (staff CLI)."""
        where = [] if status is None else [m.Case.status == member(HandoffStatus, status, "会话状态").value]
        return self._cases(*where, limit=limit)

    def requeue_cases_of(self, agent: str) -> List[HandoffCase]:
        """Put an agent's claimed cases back in the queue (their account is being disabled)."""
        with self.db.transaction(write=True) as session:
            rows = (
                session.execute(
                    select(m.Case)
                    .where(m.Case.status == HandoffStatus.CLAIMED.value, m.Case.assignee == agent)
                    .with_for_update()
                )
                .scalars()
                .all()
            )
            for row in rows:
                _refuse_unless(row.ticket_no, HandoffStatus.CLAIMED, HandoffStatus.QUEUED)
                row.status, row.assignee, row.updated_at = HandoffStatus.QUEUED.value, None, self.db.clock()
                session.add(
                    m.history_row(
                        row,
                        HandoffStatus.CLAIMED,
                        HandoffStatus.QUEUED,
                        Actor.STAFF,
                        SYSTEM_ACTOR,
                        row.updated_at,
                        f"客服 {agent} 已停用，重新排队",
                    )
                )
            return [case_view(row) for row in rows]

    def request_callback(self, conversation_id: str) -> Optional[HandoffCase]:
        """Mark the conversation's active case as wanting a phone call back (it must have a phone)."""
        conversation_id = _conversation_id(conversation_id)
        with self.db.transaction(write=True) as session:
            row = session.execute(
                select(m.Case).where(m.Case.conversation_id == conversation_id, m.Case.status.in_(_ACTIVE))
            ).scalar_one_or_none()
            if row is None or not row.phone:
                return None
            row.callback_requested = True
            return case_view(row)
