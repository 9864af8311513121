"""The chat page, the widget script, the console page and the chat history (same origin as
socket.io, so the conversation cookie set here is the one the socket presents)."""

from __future__ import annotations

from functools import cache
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from dialogue.names import Response
from runtime.rate_limits import client_key, rate_limits
from tickets.errors import StoreUnavailable
from web import conversation_log
from web.desk import SupportDesk
from web.http_util import json_reply, with_body
from web.identity import (
    CHAT_COOKIE,
    CHAT_MAX_AGE_S,
    CHAT_TOKEN_HEADER,
    chat_samesite,
    client_address,
    set_cookie,
)
from web.settings import STATIC_DIR, TEMPLATES_DIR, VENDOR_DIR, VENDOR_SCRIPTS

BUSY = "访问过于频繁，请稍后再打开在线客服。"
WELCOME = Response.GREET


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


def presented_token(request: Request) -> Optional[Text]:
    """The conversation token a request carries: the page's header (a partner's frame keeps the
    token in its own storage where third-party cookies are blocked), else the cookie."""
    return request.headers.get(CHAT_TOKEN_HEADER) or request.cookies.get(CHAT_COOKIE)


async def chat_session(desk: SupportDesk, request: Request, reply: HTTPResponse) -> Tuple[Text, Text]:
    """(conversation id, token) of this browser: the one it presents, renewed when due (sliding
    expiry, key rotation), or a new one — unless its address started too many lately
    (TooManyConversations). The cookie is (re)set on `reply` whenever the token changes."""
    settings = desk.settings
    token = presented_token(request)
    identity = settings.signatures.chat_identity(token)
    if identity is not None and identity.renewed_token is None and request.cookies.get(CHAT_COOKIE) == token:
        return identity.conversation_id, token
    if identity is None:
        client = client_key(settings.secret, client_address(request, settings.trusted_proxies))
        if not await rate_limits().hit("conversations_per_client", client):
            raise TooManyConversations()
        token = settings.signatures.new_chat_token()
        identity = settings.signatures.chat_identity(token)
        assert identity is not None
    else:
        token = identity.renewed_token or token
    secure = settings.secure_cookies
    set_cookie(
        reply,
        CHAT_COOKIE,
        token,
        max_age=CHAT_MAX_AGE_S,
        secure=secure,
        samesite=chat_samesite(secure),
        partitioned=True,
    )
    return identity.conversation_id, token


def serve_chat_page_at_root(desk: SupportDesk) -> Callable[[Request], Awaitable[Optional[HTTPResponse]]]:
    """The chat page itself is the same for everyone; its script asks /chat/history for the
    conversation (so opening the page, or a partner's frame, starts none)."""

    async def chat_page(request: Request) -> Optional[HTTPResponse]:
        if request.path != "/" or request.method not in ("GET", "HEAD"):
            return None
        headers = _headers(" ".join(("'self'", *desk.settings.embed_origins)))
        return response.html(_page("index.html"), headers=headers)

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
        shown on opening and never stored, so a reload does not repeat it). The page's first call
        starts its conversation; a page in a partner's frame (`embed=1`) also gets the token."""
        welcome = _welcome(desk)
        reply = json_reply({})
        try:
            conversation_id, token = await chat_session(desk, request, reply)
        except TooManyConversations:
            return json_reply({"error": BUSY}, 429)
        try:
            handed_off = await desk.active_case(conversation_id) is not None
        except StoreUnavailable:
            handed_off = False
        messages = await conversation_log.transcript(desk.rasa, conversation_id)
        body: Dict[Text, Any] = {"messages": messages, "handed_off": handed_off, "welcome": welcome}
        if request.args.get("embed") == "1":
            body["token"] = token
        return with_body(reply, body)

    return pages


def _welcome(desk: SupportDesk) -> Optional[Dict[Text, Any]]:
    domain = desk.rasa.domain if desk.rasa else None
    variants = domain.responses.get(WELCOME, []) if domain else []
    if not variants:
        return None
    buttons = [{"title": b["title"], "payload": b["payload"]} for b in variants[0].get("buttons", [])]
    return {"text": variants[0]["text"], "buttons": buttons}
