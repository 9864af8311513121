"""The agents' console API (/console/api/*) and its live socket.io namespace (/console).

Every route but login needs an agent session (401 without); a case another agent has claimed is
theirs (403). POSTs from a foreign Origin are refused (403) on top of SameSite cookies and CORS.
Ticket and handoff rules are the store's; this module only maps them to HTTP.
"""
from __future__ import annotations

import functools
import logging
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from tickets.agents import SESSION_TTL, AgentView
from tickets.errors import (
    CaseAlreadyClaimed,
    CaseNotActive,
    IllegalTransition,
    NotCaseAssignee,
    StoreUnavailable,
    TicketError,
    TicketNotFound,
)
from tickets.handoff import HandoffCase
from tickets.statuses import TRANSITIONS, Actor, HandoffStatus
from tickets.store import HistoryEntry, TicketView
from web import conversation_log
from web.desk import AGENTS_ROOM, CONSOLE_NAMESPACE, SupportDesk, iso
from web.http_util import enter_room, json_reply
from web.identity import AGENT_COOKIE, AGENT_SAMESITE, cookies_from_environ, set_cookie

log = logging.getLogger(__name__)

MAX_REPLY_LEN = 1000
RETURNED_NOTICE = "人工客服已结束服务，接下来由注销助手继续为您解答。如需再次联系人工，请输入“转人工”。"
CLOSED_NOTICE = "本次人工服务已结束，感谢您的耐心等待。如还有问题，可以继续问注销助手。"
_STATUS_BY_ERROR = [
    (CaseAlreadyClaimed, 409), (CaseNotActive, 409), (IllegalTransition, 409), (NotCaseAssignee, 403),
    (TicketNotFound, 404), (StoreUnavailable, 503), (TicketError, 400), (ValueError, 400),
]

Handler = Callable[..., Awaitable[HTTPResponse]]


def _error(status: int, text: Text) -> HTTPResponse:
    return json_reply({"error": text}, status)


# -- JSON shapes --------------------------------------------------------------------------------


def case_json(case: HandoffCase, names: Dict[Text, Text], last_message: Optional[Text] = None) -> Dict[Text, Any]:
    return {
        "case_no": case.case_no,
        "status": case.status.value,
        "status_label": case.status.label,
        "reason_label": case.reason.label,
        "created_at": iso(case.created_at),
        "waiting_seconds": int((datetime.now(timezone.utc) - case.created_at).total_seconds()),
        "assignee": case.assignee,
        "assignee_name": names.get(case.assignee) if case.assignee else None,
        "callback_requested": case.callback_requested,
        "masked_phone": case.masked_phone,
        "linked_ticket_no": case.linked_ticket_no,
        "last_message": last_message,
    }


def _history_json(entry: HistoryEntry) -> Dict[Text, Any]:
    return {
        "at": iso(entry.at), "actor_label": entry.actor_kind.label, "actor_name": entry.actor_name,
        "from_label": entry.from_status.label if entry.from_status else None,
        "to_label": entry.to_status.label, "note": entry.note,
    }


def ticket_json(ticket: TicketView, history: List[HistoryEntry]) -> Dict[Text, Any]:
    return {
        "ticket_no": ticket.ticket_no,
        "status": ticket.status.value,
        "status_label": ticket.status_label,
        "merchant_no": ticket.masked_merchant_no,
        "terminal_sn": ticket.terminal_sn,
        "phone": ticket.masked_phone,
        "reason_label": ticket.reason.label if ticket.reason else None,
        "return_method_label": ticket.return_method.label if ticket.return_method else None,
        "balance_cleared": ticket.balance_cleared,
        "created_at": iso(ticket.created_at),
        "history": [_history_json(e) for e in history],
        "next_statuses": [
            {"value": s.value, "label": s.label} for s in sorted(TRANSITIONS[ticket.status], key=list(type(ticket.status)).index)
        ],
    }


# -- sessions -----------------------------------------------------------------------------------


def _same_origin(desk: SupportDesk, request: Request) -> bool:
    """A browser's write must come from one of our own pages (partner sites are not enough)."""
    origin = request.headers.get("origin")
    if origin is None:  # not a browser's cross-site request (browsers send Origin on those)
        return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")
    return origin in desk.settings.site_origins


async def connect_console_socket(desk: SupportDesk, sid: Text, environ: Dict[Text, Any]) -> bool:
    token = cookies_from_environ(environ).get(AGENT_COOKIE)
    try:
        agent = await desk.call(desk.agents.agent_for_session, token)
    except StoreUnavailable:
        return False
    if agent is None:
        return False
    await enter_room(desk.sio, sid, AGENTS_ROOM, namespace=CONSOLE_NAMESPACE)
    return True


def console_blueprint(desk: SupportDesk) -> Blueprint:
    api = Blueprint("web_console_api", url_prefix="/console/api")

    def as_agent(handler: Handler) -> Handler:
        """Resolve the session (401), refuse foreign-origin writes (403), map store errors to HTTP."""

        @functools.wraps(handler)
        async def wrapped(request: Request, **kwargs: Any) -> HTTPResponse:
            if request.method != "GET" and not _same_origin(desk, request):
                return _error(403, "请求来源不被允许")
            try:
                agent = await desk.call(desk.agents.agent_for_session, request.cookies.get(AGENT_COOKIE))
                if agent is None:
                    return _error(401, "请先登录")
                return await handler(request, agent, **kwargs)
            except tuple(e for e, _ in _STATUS_BY_ERROR) as error:
                status = next(code for kind, code in _STATUS_BY_ERROR if isinstance(error, kind))
                return _error(status, str(error))

        return wrapped

    def body(request: Request) -> Dict[Text, Any]:
        try:
            data = request.json
        except Exception:  # Sanic raises InvalidUsage on bad JSON
            return {}
        return data if isinstance(data, dict) else {}

    async def names() -> Dict[Text, Text]:
        return await desk.call(desk.agents.display_names)

    async def own_case(case_no: Text, agent: AgentView, *, must_be_claimed: bool) -> HandoffCase:
        case = await desk.call(desk.tickets.store.get_handoff, case_no)
        if case is None:
            raise TicketNotFound(case_no)
        if case.status is HandoffStatus.CLAIMED and case.assignee != agent.username:
            raise NotCaseAssignee(case_no)
        if must_be_claimed and case.status is not HandoffStatus.CLAIMED:
            raise CaseNotActive(case_no, case.status)
        return case

    @api.post("/login")
    async def login(request: Request) -> HTTPResponse:
        if not _same_origin(desk, request):
            return _error(403, "请求来源不被允许")
        data = body(request)
        username, password = data.get("username"), data.get("password")
        if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
            return _error(400, "请输入用户名和密码")
        try:
            found = await desk.call(desk.agents.login, username, password)
        except StoreUnavailable as error:
            return _error(503, str(error))
        if found is None:
            return _error(401, "用户名或密码错误")
        agent, token = found
        reply = json_reply({"username": agent.username, "display_name": agent.display_name})
        set_cookie(reply, AGENT_COOKIE, token, max_age=int(SESSION_TTL.total_seconds()),
                   secure=desk.settings.secure_cookies, samesite=AGENT_SAMESITE)
        log.info("agent %s logged in", agent.username)
        return reply

    @api.post("/logout")
    @as_agent
    async def logout(request: Request, agent: AgentView) -> HTTPResponse:
        await desk.call(desk.agents.logout, request.cookies.get(AGENT_COOKIE))
        reply = json_reply({"ok": True})
        set_cookie(reply, AGENT_COOKIE, "", max_age=0, secure=desk.settings.secure_cookies, samesite=AGENT_SAMESITE)
        return reply

    @api.get("/me")
    @as_agent
    async def me(request: Request, agent: AgentView) -> HTTPResponse:
        return json_reply({"username": agent.username, "display_name": agent.display_name})

    @api.get("/queue")
    @as_agent
    async def queue(request: Request, agent: AgentView) -> HTTPResponse:
        store = desk.tickets.store
        waiting = await desk.call(store.waiting_cases)
        mine = await desk.call(store.cases_of, agent.username)
        agent_names = await names()

        async def shaped(case: HandoffCase) -> Dict[Text, Any]:
            last = await conversation_log.last_merchant_message(desk.rasa, case.conversation_id)
            return case_json(case, agent_names, last)

        return json_reply({
            "waiting": [await shaped(c) for c in waiting],
            "mine": [await shaped(c) for c in mine],
            "agents_online": await desk.call(desk.agents.online_count),
        })

    @api.post("/cases/<case_no>/claim")
    @as_agent
    async def claim(request: Request, agent: AgentView, case_no: Text) -> HTTPResponse:
        case = await desk.call(desk.tickets.store.claim, case_no, agent=agent.username)
        log.info("case %s claimed by %s", case.case_no, agent.username)
        await desk.to_merchant(case.conversation_id, "handoff", {"state": "claimed", "agent": agent.display_name})
        await desk.notify_agents(case.case_no)
        return json_reply({"case": case_json(case, await names())})

    @api.get("/cases/<case_no>")
    @as_agent
    async def show_case(request: Request, agent: AgentView, case_no: Text) -> HTTPResponse:
        case = await own_case(case_no, agent, must_be_claimed=False)
        ticket = None
        if case.linked_ticket_no:
            found = await desk.call(desk.tickets.store.get, case.linked_ticket_no)
            if found is not None:
                ticket = ticket_json(found, await desk.call(desk.tickets.store.history, found.ticket_no))
        return json_reply({
            "case": case_json(case, await names()),
            "transcript": await conversation_log.transcript(desk.rasa, case.conversation_id),
            "ticket": ticket,
        })

    @api.post("/cases/<case_no>/reply")
    @as_agent
    async def reply(request: Request, agent: AgentView, case_no: Text) -> HTTPResponse:
        text = body(request).get("text")
        if not isinstance(text, str) or not text.strip():
            return _error(400, "回复内容不能为空")
        if len(text) > MAX_REPLY_LEN:
            return _error(400, f"回复不能超过 {MAX_REPLY_LEN} 字")
        case = await own_case(case_no, agent, must_be_claimed=True)
        text = text.strip()
        await conversation_log.record_agent_message(desk.rasa, case.conversation_id, text, agent.username, agent.display_name)
        await desk.say_to_merchant(case.conversation_id, text, agent=agent.display_name)
        await desk.notify_agents(case.case_no)
        return json_reply({"ok": True})

    async def end(agent: AgentView, case_no: Text, status: HandoffStatus, notice: Text) -> HTTPResponse:
        case = await own_case(case_no, agent, must_be_claimed=True)
        # Tracker first: if the database write then fails, the case is still the agent's and the
        # bot stays silent (the database decides); a retry resumes again, harmlessly.
        await conversation_log.give_back_to_bot(desk.rasa, case.conversation_id, notice)
        case = await desk.call(desk.tickets.store.end_handoff, case.case_no, status, agent=agent.username)
        await desk.say_to_merchant(case.conversation_id, notice)
        await desk.to_merchant(case.conversation_id, "handoff", {"state": "ended"})
        await desk.notify_agents(case.case_no)
        log.info("case %s %s by %s", case.case_no, status.value, agent.username)
        return json_reply({"case": case_json(case, await names())})

    @api.post("/cases/<case_no>/return")
    @as_agent
    async def return_to_bot(request: Request, agent: AgentView, case_no: Text) -> HTTPResponse:
        return await end(agent, case_no, HandoffStatus.RETURNED, RETURNED_NOTICE)

    @api.post("/cases/<case_no>/close")
    @as_agent
    async def close(request: Request, agent: AgentView, case_no: Text) -> HTTPResponse:
        return await end(agent, case_no, HandoffStatus.CLOSED, CLOSED_NOTICE)

    @api.post("/tickets/<ticket_no>/move")
    @as_agent
    async def move_ticket(request: Request, agent: AgentView, ticket_no: Text) -> HTTPResponse:
        data = body(request)
        store = desk.tickets.store
        mine = await desk.call(store.cases_of, agent.username)
        if ticket_no.upper() not in {c.linked_ticket_no for c in mine}:
            return _error(403, "只能处理自己接入的会话所关联的工单")
        ticket = await desk.call(
            store.move, ticket_no, data.get("status"), actor_kind=Actor.AGENT,
            actor_name=f"{agent.display_name}（{agent.username}）", note=data.get("note") or None,
        )
        await desk.notify_agents()
        return json_reply({"ticket": ticket_json(ticket, await desk.call(store.history, ticket.ticket_no))})

    return api
