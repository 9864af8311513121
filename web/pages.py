"""The chat page, the widget script, the console page and the chat history (same origin as
socket.io, so the conversation cookie set here is the one the socket presents)."""

from __future__ import annotations

from functools import cache
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from runtime.rate_limits import client_key, rate_limits
from tickets.errors import StoreUnavailable
from web import conversation_log
from web.desk import SupportDesk
from web.http_util import json_reply
from web.identity import (
    CHAT_COOKIE,
    CHAT_COOKIE_MAX_AGE,
    chat_samesite,
    client_address,
    conversation_of,
    new_chat_cookie,
    set_cookie,
)
from web.settings import STATIC_DIR, TEMPLATES_DIR, VENDOR_DIR, VENDOR_SCRIPTS

BUSY = "访问过于频繁，请稍后再打开在线客服。"
WELCOME = "utter_greet"


@cache
def _page(name: Text) -> Text:
    return (TEMPLATES_DIR / name).read_text(encoding="utf-8")


def _headers(frame_ancestors: Text) -> Dict[Text, Text]:
    return {
        "Content-Security-Policy": (
            f"default-src 'self'; connect-src 'self' ws: wss:; frame-ancestors {frame_ancestors}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


class TooManyConversations(Exception):
    """This client address started too many conversations lately."""


def page_reply(name: Text, frame_ancestors: Text = "'none'") -> HTTPResponse:
    """One of our pages (web/templates/), with the security headers."""
    return response.html(_page(name), headers=_headers(frame_ancestors))


async def _ensure_chat_cookie(desk: SupportDesk, request: Request, reply: HTTPResponse) -> Optional[Text]:
    """The conversation of this browser; a new signed one when it has none (or a forged one),
    unless its address started too many lately (TooManyConversations)."""
    settings = desk.settings
    conversation_id = conversation_of(settings.secret, request.cookies.get(CHAT_COOKIE))
    if conversation_id is None:
        client = client_key(settings.secret, client_address(request, settings.trusted_proxies))
        if not await rate_limits().hit("conversations_per_client", client):
            raise TooManyConversations()
        secure = settings.secure_cookies
        cookie = new_chat_cookie(settings.secret)
        set_cookie(
            reply, CHAT_COOKIE, cookie, max_age=CHAT_COOKIE_MAX_AGE, secure=secure, samesite=chat_samesite(secure)
        )
    return conversation_id


def serve_chat_page_at_root(desk: SupportDesk) -> Callable[[Request], Awaitable[Optional[HTTPResponse]]]:
    async def chat_page(request: Request) -> Optional[HTTPResponse]:
        if request.path != "/" or request.method not in ("GET", "HEAD"):
            return None
        headers = _headers(" ".join(("'self'", *desk.settings.embed_origins)))
        reply = response.html(_page("index.html"), headers=headers)
        try:
            await _ensure_chat_cookie(desk, request, reply)
        except TooManyConversations:
            return response.html(_page("busy.html").replace("{busy}", BUSY), status=429, headers=headers)
        return reply

    return chat_page


def pages_blueprint(desk: SupportDesk) -> Blueprint:
    pages = Blueprint("web_pages")
    pages.static("/static", str(STATIC_DIR))

    @pages.get("/console")
    async def console_page(_: Request) -> HTTPResponse:
        return page_reply("console.html")

    @pages.get("/vendor/<name>")
    async def vendor_script(_: Request, name: Text) -> HTTPResponse:
        """Front-end libraries from npm, copied into build/web by `make setup` (never a CDN)."""
        path = VENDOR_DIR / name
        if name not in VENDOR_SCRIPTS or not path.exists():
            return response.text(f"{name} not built: run `make setup`", status=404)
        return await response.file(str(path), mime_type="application/javascript")

    @pages.get("/chat/history")
    async def history(request: Request) -> HTTPResponse:
        """The conversation so far, and the welcome the page shows above it (the domain's greeting,
        shown on opening and never stored, so a reload does not repeat it)."""
        welcome = _welcome(desk)
        reply = json_reply({"messages": [], "handed_off": False, "welcome": welcome})
        try:
            conversation_id = await _ensure_chat_cookie(desk, request, reply)
        except TooManyConversations:
            return json_reply({"error": BUSY}, 429)
        if conversation_id is None:
            return reply
        try:
            handed_off = await desk.active_case(conversation_id) is not None
        except StoreUnavailable:
            handed_off = False
        messages = await conversation_log.transcript(desk.rasa, conversation_id)
        return json_reply({"messages": messages, "handed_off": handed_off, "welcome": welcome})

    return pages


def _welcome(desk: SupportDesk) -> Optional[Dict[Text, Any]]:
    domain = desk.rasa.domain if desk.rasa else None
    variants = domain.responses.get(WELCOME, []) if domain else []
    if not variants:
        return None
    buttons = [{"title": b["title"], "payload": b["payload"]} for b in variants[0].get("buttons", [])]
    return {"text": variants[0]["text"], "buttons": buttons}
