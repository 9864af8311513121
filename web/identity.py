"""Who is on the other end: the merchant's conversation (a signed cookie the server issues) and
the agent's console session (a random token whose hash is in the database).

The conversation id never comes from the client: a browser only holds an HttpOnly cookie with the
id and its HMAC, so another merchant's conversation cannot be joined by guessing or replaying ids.
"""
from __future__ import annotations

import hashlib
import hmac
import uuid
from http.cookies import CookieError, SimpleCookie
from typing import Any, Mapping, Optional

CHAT_COOKIE = "zx_chat"
AGENT_COOKIE = "zx_agent"
CHAT_COOKIE_MAX_AGE = 30 * 24 * 3600


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
    if len(conversation_id) != 32 or not hmac.compare_digest(mac, _mac(secret, conversation_id)):
        return None
    return conversation_id


def cookies_from_environ(environ: Mapping[str, Any]) -> Mapping[str, str]:
    """Cookies of a socket.io handshake (a WSGI-style environ)."""
    jar = SimpleCookie()
    try:
        jar.load(environ.get("HTTP_COOKIE", ""))
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def set_cookie(response: Any, name: str, value: str, *, max_age: Optional[int], secure: bool) -> None:
    """HttpOnly, whole site (Sanic response). Over HTTPS (`secure`): SameSite=None; Secure, so the
    widget's iframe on a partner site keeps its conversation; over plain HTTP: SameSite=Lax."""
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "None" if secure else "Lax"
    cookie["path"] = "/"
    if max_age is not None:
        cookie["max-age"] = max_age
    if secure:
        cookie["secure"] = True
