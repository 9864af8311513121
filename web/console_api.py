"""The agents' console API (/console/api/*) and its live socket.io namespace (/console).

Every route but login needs an agent session (401 without); writes from a foreign Origin are
refused (403) on top of SameSite cookies and CORS. Who may see or change what is the back
office's rule (tickets.handoff); this module maps requests to it, and its errors to HTTP once.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.lock_store import LockError
from redis.exceptions import RedisError
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from runtime.rate_limits import client_key, rate_limits, rule
from shapes import InvalidValue
from tickets import throttle
from tickets.agents import SESSION_TTL
from tickets.errors import StoreUnavailable, TicketError
from tickets.statuses import TRANSITIONS, Actor, HandoffStatus
from tickets.views import AgentView, HandoffCase, HistoryEntry, TicketView
from web import conversation_log
from web.desk import AGENTS_ROOM, CONSOLE_NAMESPACE, SupportDesk, iso
from web.http_util import enter_room, json_reply
from web.identity import (
    AGENT_COOKIE,
    AGENT_DEVICE_COOKIE,
    AGENT_DEVICE_MAX_AGE_S,
    AGENT_SAMESITE,
    client_address,
    cookies_from_environ,
    set_cookie,
)

log = logging.getLogger(__name__)

MAX_REPLY_LEN = 1000
QUEUE_PAGE = 50  # waiting cases per page: a flood of requests never hides the rest
TOO_MANY_LOGINS = "登录尝试过于频繁，请稍后再试。"
# The wait is the limit's window (ZX_LIMIT_LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT), not a number of its own.
ACCOUNT_LOCKED_HERE = "该账号在此设备上的登录失败次数过多，请{minutes}分钟后再试，或联系管理员重设密码。"
# A device the account does not know, after failures from such devices (anyone's): said alike for
# every username typed, so it tells a stranger nothing about which accounts exist.
ACCOUNT_PROTECTED = (
    "该账号近期在其他设备上登录失败次数较多，为保护账号，新设备暂时需要等待，请约{minutes}分钟后再试。"
    "您也可以在常用的电脑上登录，或联系组长重设密码。"
)
RETURNED_NOTICE = "人工客服已结束服务，接下来由注销助手继续为您解答。如需人工帮助，请输入“转人工”。"
# Rasa waits up to a ticket's 60 s lifetime for a conversation's lock; ending a case does not.
HAND_BACK_WAIT_S = 5.0
NOT_HANDED_BACK = "该会话的记录暂时无法写入，请稍后重试。"
CLOSED_NOTICE = "本次人工服务已结束，感谢您的耐心等待。如还有问题，可以继续问注销助手。"

api = Blueprint("web_console_api", url_prefix="/console/api")
Handler = Callable[..., Awaitable[HTTPResponse]]


def _desk(request: Request) -> SupportDesk:
    return request.app.ctx.desk


def _error(status: int, text: Text) -> HTTPResponse:
    return json_reply({"error": text}, status)


def answer_errors_in_chinese(blueprint: Blueprint) -> None:
    """The stores' refusals and invalid values become their HTTP status with the Chinese reason."""

    @blueprint.exception(TicketError)
    async def store_refused(request: Request, error: TicketError) -> HTTPResponse:
        return _error(error.http_status, str(error))

    @blueprint.exception(InvalidValue)
    async def invalid_value(request: Request, error: InvalidValue) -> HTTPResponse:
        return _error(400, str(error))


answer_errors_in_chinese(api)


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
        "callback_done": case.callback_done_at is not None,
        "masked_phone": case.masked_phone,
        "linked_ticket_no": case.linked_ticket_no,
        "last_message": last_message,
    }


def _history_json(entry: HistoryEntry) -> Dict[Text, Any]:
    return {
        "at": iso(entry.at),
        "actor_label": entry.actor_kind.label,
        "actor_name": entry.actor_name,
        "from_label": entry.from_status.label if entry.from_status else None,
        "to_label": entry.to_status.label,
        "note": entry.note,
    }


def ticket_json(ticket: TicketView, history: List[HistoryEntry]) -> Dict[Text, Any]:
    order = list(type(ticket.status))
    return {
        "ticket_no": ticket.ticket_no,
        "status": ticket.status.value,
        "status_label": ticket.status_label,
        "merchant_no": ticket.masked_merchant_no,
        "terminal_sn": ticket.terminal_sn,
        "phone": ticket.masked_phone,
        "reason_label": ticket.reason.label if ticket.reason else None,
        "balance_cleared": ticket.balance_cleared,
        "created_at": iso(ticket.created_at),
        "history": [_history_json(e) for e in history],
        "next_statuses": [
            {"value": s.value, "label": s.label} for s in sorted(TRANSITIONS[ticket.status], key=order.index)
        ],
    }


def _body(request: Request) -> Dict[Text, Any]:
    try:
        data = request.json
    except Exception:  # Sanic raises InvalidUsage on bad JSON
        return {}
    return data if isinstance(data, dict) else {}


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
        agent = await desk.office.run(desk.office.agents.agent_for_session, token)
    except StoreUnavailable:
        return False
    if agent is None:
        return False
    await enter_room(desk.sio, sid, AGENTS_ROOM, namespace=CONSOLE_NAMESPACE)
    return True


def as_agent(handler: Handler) -> Handler:
    """Resolve the session (401) and refuse foreign-origin writes (403) before the handler runs."""

    @functools.wraps(handler)
    async def wrapped(request: Request, **kwargs: Any) -> HTTPResponse:
        desk = _desk(request)
        if request.method != "GET" and not _same_origin(desk, request):
            return _error(403, "请求来源不被允许")
        agent = await desk.office.run(desk.office.agents.agent_for_session, request.cookies.get(AGENT_COOKIE))
        if agent is None:
            return _error(401, "请先登录")
        return await handler(request, desk, agent, **kwargs)

    return wrapped


async def _names(desk: SupportDesk) -> Dict[Text, Text]:
    return await desk.office.run(desk.office.agents.display_names)


@api.post("/login")
async def login(request: Request) -> HTTPResponse:
    desk = _desk(request)
    if not _same_origin(desk, request):
        return _error(403, "请求来源不被允许")
    data = _body(request)
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        return _error(400, "请输入用户名和密码")
    settings = desk.settings
    account = username.strip().lower()[:64]
    # A browser this agent logged in from before (its device cookie): strangers' failures, from
    # any number of addresses, never slow it down (tickets.agents.login).
    device_key = settings.signatures.device_key(request.cookies.get(AGENT_DEVICE_COOKIE), account)
    client = client_key(settings.secret, client_address(request, settings.trusted_proxies))
    # Per address: one address cycling usernames stops here. Failures per account and device (the
    # known browser) or address (any other): a mistyping agent waits a few minutes at their desk.
    where = device_key or client
    limits = rate_limits()
    if not await limits.hit("logins_per_client", client):
        return _error(429, TOO_MANY_LOGINS)
    if not await limits.allows("login_failures_per_account_and_client", account, where):
        window = rule("login_failures_per_account_and_client").get_expiry()
        return _error(429, ACCOUNT_LOCKED_HERE.format(minutes=max(1, window // 60)))
    outcome = await desk.office.hashing.run(desk.office.agents.login, username, password, device_key=device_key)
    if outcome.retry_after is not None:
        return _error(429, ACCOUNT_PROTECTED.format(minutes=throttle.minutes(outcome.retry_after)))
    if outcome.agent is None or outcome.token is None or outcome.device_key is None:
        await limits.hit("login_failures_per_account_and_client", account, where)
        return _error(401, "用户名或密码错误")
    agent = outcome.agent
    reply = json_reply(_me_json(agent))
    secure = settings.secure_cookies
    set_cookie(
        reply,
        AGENT_COOKIE,
        outcome.token,
        max_age=int(SESSION_TTL.total_seconds()),
        secure=secure,
        samesite=AGENT_SAMESITE,
    )
    set_cookie(
        reply,
        AGENT_DEVICE_COOKIE,
        settings.signatures.device_cookie(agent.username, outcome.device_key),
        max_age=AGENT_DEVICE_MAX_AGE_S,
        secure=secure,
        samesite=AGENT_SAMESITE,
        path=f"{api.url_prefix}/login",  # only the login reads it
    )
    log.info("agent %s logged in", agent.username)
    return reply


@api.post("/logout")
@as_agent
async def logout(request: Request, desk: SupportDesk, agent: AgentView) -> HTTPResponse:
    await desk.office.run(desk.office.agents.logout, request.cookies.get(AGENT_COOKIE))
    reply = json_reply({"ok": True})
    set_cookie(reply, AGENT_COOKIE, "", max_age=0, secure=desk.settings.secure_cookies, samesite=AGENT_SAMESITE)
    return reply


@api.get("/me")
@as_agent
async def me(request: Request, desk: SupportDesk, agent: AgentView) -> HTTPResponse:
    return json_reply(_me_json(agent))


def _me_json(agent: AgentView) -> Dict[Text, Any]:
    return {"username": agent.username, "display_name": agent.display_name, "is_lead": agent.is_lead}


@api.get("/queue")
@as_agent
async def queue(request: Request, desk: SupportDesk, agent: AgentView) -> HTTPResponse:
    office = desk.office
    page = _page_number(request)
    waiting = await office.run(office.queue.waiting_cases, QUEUE_PAGE, page * QUEUE_PAGE)
    mine = await office.run(office.queue.cases_of, agent.username)
    names = await _names(desk)

    async def shaped(case: HandoffCase) -> Dict[Text, Any]:
        last = await conversation_log.last_merchant_message(desk.rasa, case.conversation_id)
        return case_json(case, names, last)

    return json_reply(
        {
            "waiting": [await shaped(c) for c in waiting],
            "waiting_total": await office.run(office.queue.waiting_count),
            "page": page,
            "page_size": QUEUE_PAGE,
            "mine": [await shaped(c) for c in mine],
            "agents_online": await office.run(office.agents.online_count),
        }
    )


def _page_number(request: Request) -> int:
    try:
        return max(0, min(int(request.args.get("page", "0")), 10_000))
    except ValueError:
        return 0


@api.post("/cases/<case_no>/claim")
@as_agent
async def claim(request: Request, desk: SupportDesk, agent: AgentView, case_no: Text) -> HTTPResponse:
    case = await desk.office.run(desk.office.queue.claim, case_no, agent=agent.username)
    log.info("case %s claimed by %s", case.case_no, agent.username)
    await desk.to_merchant(case.conversation_id, "handoff", {"state": "claimed", "agent": agent.display_name})
    await desk.notify_agents(case.case_no)
    return json_reply({"case": case_json(case, await _names(desk))})


@api.get("/cases/<case_no>")
@as_agent
async def show_case(request: Request, desk: SupportDesk, agent: AgentView, case_no: Text) -> HTTPResponse:
    office = desk.office
    case = await office.run(office.queue.read_case, case_no, agent.username)  # the read is audited
    ticket = None
    if case.linked_ticket_no:
        found = await office.run(office.tickets.get, case.linked_ticket_no)
        if found is not None:
            ticket = ticket_json(found, await office.run(office.tickets.history, found.ticket_no))
    return json_reply(
        {
            "case": case_json(case, await _names(desk)),
            "transcript": await conversation_log.case_transcript(desk.rasa, case),
            "ticket": ticket,
        }
    )


@api.post("/cases/<case_no>/reply")
@as_agent
async def reply(request: Request, desk: SupportDesk, agent: AgentView, case_no: Text) -> HTTPResponse:
    text = _body(request).get("text")
    if not isinstance(text, str) or not text.strip():
        return _error(400, "回复内容不能为空")
    if len(text) > MAX_REPLY_LEN:
        return _error(400, f"回复不能超过 {MAX_REPLY_LEN} 字")
    case = await desk.office.run(desk.office.queue.note_reply, case_no, agent.username)
    text = text.strip()
    await conversation_log.record_agent_message(
        desk.rasa, case.conversation_id, text, agent.username, agent.display_name
    )
    await desk.say_to_merchant(case.conversation_id, text, agent=agent.display_name)
    await desk.notify_agents(case.case_no)
    return json_reply({"ok": True})


async def _end(desk: SupportDesk, agent: AgentView, case_no: Text, status: HandoffStatus, notice: Text) -> HTTPResponse:
    office = desk.office
    case = await office.run(office.queue.case_for_agent, case_no, agent.username, must_be_claimed=True)
    # Tracker first: if the database write then fails, the case is still the agent's and the
    # bot stays silent (the database decides); a retry gives back again, harmlessly.
    if not await _hand_back_within(desk, case, notice):
        raise StoreUnavailable(NOT_HANDED_BACK)
    case = await office.run(office.queue.end_handoff, case.case_no, status, agent=agent.username)
    await _tell_merchant_it_ended(desk, case, notice)
    log.info("case %s %s by %s", case.case_no, status.value, agent.username)
    return json_reply({"case": case_json(case, await _names(desk))})


async def _tell_merchant_it_ended(desk: SupportDesk, case: HandoffCase, notice: Text) -> None:
    await desk.say_to_merchant(case.conversation_id, notice)
    await desk.to_merchant(case.conversation_id, "handoff", {"state": "ended"})
    await desk.notify_agents(case.case_no)


@api.post("/cases/<case_no>/return")
@as_agent
async def return_to_bot(request: Request, desk: SupportDesk, agent: AgentView, case_no: Text) -> HTTPResponse:
    return await _end(desk, agent, case_no, HandoffStatus.RETURNED, RETURNED_NOTICE)


@api.post("/cases/<case_no>/close")
@as_agent
async def close(request: Request, desk: SupportDesk, agent: AgentView, case_no: Text) -> HTTPResponse:
    return await _end(desk, agent, case_no, HandoffStatus.CLOSED, CLOSED_NOTICE)


@api.post("/cases/<case_no>/callback-done")
@as_agent
async def callback_done(request: Request, desk: SupportDesk, agent: AgentView, case_no: Text) -> HTTPResponse:
    """The agent called the merchant back (the insights count call backs made)."""
    case = await desk.office.run(desk.office.queue.mark_callback_done, case_no, agent.username)
    await desk.notify_agents(case.case_no)
    return json_reply({"case": case_json(case, await _names(desk))})


@api.post("/cases/close-waiting")
@as_agent
async def close_waiting(request: Request, desk: SupportDesk, agent: AgentView) -> HTTPResponse:
    """Close many waiting cases at once (spam, merchants who left); claimed cases are left alone."""
    numbers = _body(request).get("case_nos")
    if not isinstance(numbers, list) or not numbers or not all(isinstance(n, str) for n in numbers):
        return _error(400, "请选择要关闭的会话")
    office = desk.office
    closed = await office.run(
        office.queue.close_waiting, numbers, actor_kind=Actor.AGENT, actor_name=agent.username, note="批量关闭"
    )
    # The database has closed them all (it decides: the bot answers their next message). Each
    # merchant's page is told; a conversation whose transcript cannot be written now (its turn lock
    # held by a replica that died mid-turn, its store away) waits at most a few seconds and is
    # reported; all are handed back at once, so a hundred cases take those seconds, not 100 × 5.
    handed_back = await asyncio.gather(*(_hand_back_within(desk, case, CLOSED_NOTICE) for case in closed))
    not_handed_back = [case.case_no for case, done in zip(closed, handed_back, strict=True) if not done]
    for case in closed:
        await _tell_merchant_it_ended(desk, case, CLOSED_NOTICE)
    log.info("%d waiting cases closed by %s", len(closed), agent.username)
    return json_reply({"closed": [c.case_no for c in closed], "not_handed_back": not_handed_back})


async def _hand_back_within(desk: SupportDesk, case: HandoffCase, notice: Text) -> bool:
    """Give the conversation back to the bot in its transcript; False when that cannot be done now."""
    try:
        await asyncio.wait_for(
            conversation_log.give_back_to_bot(desk.rasa, case.conversation_id, notice), HAND_BACK_WAIT_S
        )
        return True
    except (asyncio.TimeoutError, LockError, RedisError, SQLAlchemyError, StoreUnavailable, OSError) as error:
        log.warning("case %s closed, its conversation not handed back: %s", case.case_no, type(error).__name__)
        return False


@api.post("/tickets/<ticket_no>/move")
@as_agent
async def move_ticket(request: Request, desk: SupportDesk, agent: AgentView, ticket_no: Text) -> HTTPResponse:
    data = _body(request)
    office = desk.office
    await office.run(office.queue.check_may_move_ticket, ticket_no, agent.username)
    ticket = await office.run(
        office.tickets.move,
        ticket_no,
        data.get("status"),
        actor_kind=Actor.AGENT,
        actor_name=f"{agent.display_name}（{agent.username}）",
        note=data.get("note") or None,
    )
    await desk.notify_agents()
    history = await office.run(office.tickets.history, ticket.ticket_no)
    return json_reply({"ticket": ticket_json(ticket, history)})
