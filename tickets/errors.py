"""Exceptions raised by the stores. Messages are Chinese and safe to show staff: they name ticket
and case numbers and statuses, never phone, merchant or card numbers. Each carries the HTTP status
the console answers with (mapped once, in web/console_api.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from tickets.statuses import HandoffStatus, LabelledEnum

if TYPE_CHECKING:
    from tickets.views import TicketView


class TicketError(Exception):
    """Base class for everything the stores raise on purpose."""

    http_status = 400


class TicketNotFound(TicketError, LookupError):
    http_status = 404

    def __init__(self, ticket_no: str) -> None:
        super().__init__(f"找不到工单 {ticket_no}")
        self.ticket_no = ticket_no


class IllegalTransition(TicketError):
    http_status = 409

    def __init__(self, ticket_no: str, current: LabelledEnum, target: LabelledEnum, message: str) -> None:
        super().__init__(message)
        self.ticket_no, self.current, self.target = ticket_no, current, target


class TerminalHasOpenTicket(TicketError):
    """The terminal already has a deregistration ticket in progress; `ticket` is that one."""

    http_status = 409

    def __init__(self, ticket: "TicketView") -> None:
        super().__init__(f"该终端已有进行中的注销工单 {ticket.ticket_no}（{ticket.status.label}），请勿重复申请")
        self.ticket = ticket


class TerminalAlreadyDeregistered(TicketError):
    """The terminal was deregistered already; `ticket` is the completed one."""

    http_status = 409

    def __init__(self, ticket: "TicketView") -> None:
        super().__init__(f"该终端已通过工单 {ticket.ticket_no} 完成注销")
        self.ticket = ticket


class IdempotencyConflict(TicketError):
    """An idempotency key was replayed with a different merchant, terminal or phone.

    Returning the stored ticket then would show one merchant another merchant's ticket."""

    http_status = 409

    def __init__(self) -> None:
        super().__init__("同一请求标识对应了不同的申请信息，已拒绝")


class SequenceExhausted(TicketError):
    """The day's numbers are used up (a million of one kind): refused, with an error log."""

    http_status = 503

    def __init__(self, day: str) -> None:
        super().__init__(f"{day} 的编号已用完")


class StoreUnavailable(TicketError):
    """The database could not be reached or did not answer in time."""

    http_status = 503


class StoreTimedOut(StoreUnavailable):
    """A store call took longer than its pool allows (runtime.calls.BlockingCalls' timeout_error)."""

    def __init__(self) -> None:
        super().__init__("工单系统响应超时，请稍后再试")


class CaseAlreadyClaimed(TicketError):
    """Another agent claimed the handoff case first."""

    http_status = 409

    def __init__(self, case_no: str, assignee: Optional[str]) -> None:
        super().__init__(f"会话 {case_no} 已被其他客服接入")
        self.case_no, self.assignee = case_no, assignee


class NotCaseAssignee(TicketError):
    """Only the agent who claimed a case may read, answer, return or close it."""

    http_status = 403

    def __init__(self, case_no: str, message: Optional[str] = None) -> None:
        super().__init__(message or f"会话 {case_no} 由其他客服处理中")
        self.case_no = case_no


class CaseNotActive(TicketError):
    """The case is not in a state that allows this (e.g. already returned to the bot)."""

    http_status = 409

    def __init__(self, case_no: str, status: HandoffStatus) -> None:
        super().__init__(f"会话 {case_no} 当前为「{status.label}」，无法执行此操作")
        self.case_no, self.status = case_no, status


class CallbackNotRequested(TicketError):
    """Marking a call back as made on a case whose merchant asked for none."""

    http_status = 409

    def __init__(self, case_no: str) -> None:
        super().__init__(f"会话 {case_no} 的商户没有申请回电")
        self.case_no = case_no
