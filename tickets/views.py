"""What the stores hand out: frozen snapshots, never ORM objects, so nothing outside the stores
ever holds a session. Personal fields are left out of repr(), so logging a view is safe."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Optional

from shapes.masking import mask_merchant_no, mask_phone
from tickets.statuses import (
    ACTIVE_HANDOFF_STATUSES,
    OPEN_STATUSES,
    Actor,
    AgentRole,
    HandoffReason,
    HandoffStatus,
    LabelledEnum,
    Reason,
    Status,
)


@dataclass(frozen=True)
class TicketView:
    """A deregistration ticket."""

    ticket_no: str
    status: Status
    merchant_no: Optional[str] = field(repr=False)
    terminal_sn: Optional[str]
    phone: Optional[str] = field(repr=False)
    reason: Optional[Reason]
    reason_detail: Optional[str] = field(repr=False)  # merchant's free text: may hold anything
    balance_cleared: Optional[bool]
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
    """One change of a ticket or a case."""

    at: datetime
    actor_kind: Actor
    actor_name: str
    from_status: Optional[LabelledEnum]  # None for the row that created it
    to_status: LabelledEnum
    note: Optional[str]


@dataclass(frozen=True)
class OpenResult:
    ticket: TicketView
    created: bool  # False: the idempotency key was seen before and this is that ticket


@dataclass(frozen=True)
class ProofOutcome:
    """An ownership proof (TicketStore.owns): the owner, or not — and when unknown devices must wait
    before trying this number again, how long (they were not even compared)."""

    owner: bool
    retry_after: Optional[timedelta] = None

    @property
    def protected(self) -> bool:
        return self.retry_after is not None

    def __bool__(self) -> bool:
        return self.owner


@dataclass(frozen=True)
class HandoffCase:
    """A conversation handed from the bot to the support team."""

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
    callback_done_at: Optional[datetime] = None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_HANDOFF_STATUSES

    @property
    def ended_at(self) -> Optional[datetime]:
        """When it was returned to the bot or closed (its last change), None while active."""
        return None if self.is_active else self.updated_at

    @property
    def masked_phone(self) -> Optional[str]:
        return mask_phone(self.phone) if self.phone else None


@dataclass(frozen=True)
class HandoffOpened:
    case: HandoffCase
    created: bool  # False: the conversation already had an active case, and this is it
    position: int  # 1 = next to be served


@dataclass(frozen=True)
class AgentView:
    username: str
    display_name: str
    active: bool
    role: AgentRole = AgentRole.AGENT

    @property
    def is_lead(self) -> bool:
        return self.role is AgentRole.LEAD
