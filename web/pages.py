"""The chat page, the widget script, the console page and the chat history (same origin as
socket.io, so the conversation cookie set here is the one the socket presents)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Awaitable, Callable, Dict, Optional, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from tickets.errors import StoreUnavailable
from web import conversation_log
from web.desk import SupportDesk
from web.http_util import json_reply
from web.identity import CHAT_COOKIE, CHAT_COOKIE_MAX_AGE, chat_samesite, conversation_of, new_chat_cookie, set_cookie
from web.settings import SOCKET_IO_CLIENT, STATIC_DIR, TEMPLATES_DIR


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


def _ensure_chat_cookie(desk: SupportDesk, request: Request, reply: HTTPResponse) -> Optional[Text]:
    """The conversation of this browser; a new signed one when it has none (or a forged one)."""
    conversation_id = conversation_of(desk.settings.secret, request.cookies.get(CHAT_COOKIE))
    if conversation_id is None:
        cookie = new_chat_cookie(desk.settings.secret)
        secure = desk.settings.secure_cookies
        set_cookie(
            reply, CHAT_COOKIE, cookie, max_age=CHAT_COOKIE_MAX_AGE, secure=secure, samesite=chat_samesite(secure)
        )
    return conversation_id


def serve_chat_page_at_root(desk: SupportDesk) -> Callable[[Request], Awaitable[Optional[HTTPResponse]]]:
    async def chat_page(request: Request) -> Optional[HTTPResponse]:
        if request.path != "/" or request.method not in ("GET", "HEAD"):
            return None
        ancestors = " ".join(("'self'", *desk.settings.embed_origins))
        reply = response.html(_page("index.html"), headers=_headers(ancestors))
        _ensure_chat_cookie(desk, request, reply)
        return reply

    return chat_page


def pages_blueprint(desk: SupportDesk) -> Blueprint:
    pages = Blueprint("web_pages")
    pages.static("/static", str(STATIC_DIR))

    @pages.get("/console")
    async def console_page(_: Request) -> HTTPResponse:
        return response.html(_page("console.html"), headers=_headers("'none'"))

    @pages.get("/vendor/socket.io.min.js")
    async def socket_io_client(_: Request) -> HTTPResponse:
        if not Path(SOCKET_IO_CLIENT).exists():
            return response.text("socket.io-client not built: run `make setup`", status=404)
        return await response.file(str(SOCKET_IO_CLIENT), mime_type="application/javascript")

    @pages.get("/chat/history")
    async def history(request: Request) -> HTTPResponse:
        reply = json_reply({"messages": [], "handed_off": False})
        conversation_id = _ensure_chat_cookie(desk, request, reply)
        if conversation_id is None:
            return reply
        try:
            handed_off = await desk.active_case(conversation_id) is not None
        except StoreUnavailable:
            handed_off = False
        messages = await conversation_log.transcript(desk.rasa, conversation_id)
        return json_reply({"messages": messages, "handed_off": handed_off})

    return pages
