"""Who is on the other end: the merchant's conversation (a signed cookie the server issues) and
the agent's console session (a random token whose hash is in the database).

The conversation id never comes from the client: a browser only holds an HttpOnly cookie with the
id and its HMAC, so another merchant's conversation cannot be joined by guessing or replaying ids.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import uuid
from http.cookies import CookieError, SimpleCookie
from typing import Any, Iterable, Mapping, Optional

CHAT_COOKIE = "zx_chat"
AGENT_COOKIE = "zx_agent"
CHAT_COOKIE_MAX_AGE = 30 * 24 * 3600
# The agent's cookie never leaves our own site's requests; the chat cookie must reach the widget's
# iframe on partner sites, which browsers allow only for SameSite=None; Secure (HTTPS).
AGENT_SAMESITE = "Strict"


def chat_samesite(secure: bool) -> str:
    return "None" if secure else "Lax"


def _mac(secret: bytes, conversation_id: str) -> str:
    return hmac.new(secret, conversation_id.encode(), hashlib.sha256).hexdigest()


def new_chat_cookie(secret: bytes) -> str:
    conversation_id = uuid.uuid4().hex
    return f"{conversation_id}.{_mac(secret, conversation_id)}"


def conversation_of(secret: bytes, cookie_value: Optional[str]) -> Optional[str]:
    """The conversation id in a chat cookie we signed, else None."""
    if not cookie_value or cookie_value.count(".") != 1:
        return None
    conversation_id, mac = cookie_value.split(".")
    if len(conversation_id) != 32 or not cookie_value.isascii():
        return None
    if not hmac.compare_digest(mac.encode(), _mac(secret, conversation_id).encode()):
        return None
    return conversation_id


def _within(address: str, networks: Iterable[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


def client_address(request: Any, trusted_proxies: Iterable[str]) -> str:
    """The address of whoever sent `request` (a Sanic request): the peer, or — when the peer is one
    of our own proxies (nginx; addresses or networks like 10.244.0.0/16) — the nearest address in
    X-Forwarded-For that is not one of them. Headers from any other peer are ignored, so a client
    cannot pose as another address."""
    trusted = tuple(trusted_proxies)
    peer = request.ip or "?"
    if not _within(peer, trusted):
        return peer
    forwarded = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(forwarded):
        if not _within(hop, trusted):
            return hop
    return peer


def cookies_from_environ(environ: Mapping[str, Any]) -> Mapping[str, str]:
    """Cookies of a socket.io handshake (a WSGI-style environ)."""
    jar = SimpleCookie()
    try:
        jar.load(environ.get("HTTP_COOKIE", ""))
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def set_cookie(response: Any, name: str, value: str, *, max_age: Optional[int], secure: bool, samesite: str) -> None:
    """HttpOnly, whole site (Sanic response)."""
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = samesite
    cookie["path"] = "/"
    if max_age is not None:
        cookie["max-age"] = max_age
    if secure:
        cookie["secure"] = True
