"""Who is on the other end: the merchant's conversation (a signed cookie the server issues) and
the agent's console session (a random token whose hash is in the database).

The conversation id never comes from the client: a browser only holds a token we signed — an
HttpOnly cookie, or (in a partner's frame that blocks third-party cookies) the same token in the
frame's own storage, sent in a header and in the socket.io handshake — with the time it was signed,
so another merchant's conversation cannot be joined by guessing ids, and a copied token expires.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any, Iterable, Mapping, Optional, Sequence

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

CHAT_COOKIE = "zx_chat"
AGENT_COOKIE = "zx_agent"
AGENT_DEVICE_COOKIE = "zx_device"  # the browser an agent logged in from before (login throttle)
CHAT_TOKEN_HEADER = "X-ZX-Chat"  # the chat page in a partner's frame, where cookies may be blocked
# A conversation's token expires after 30 days unused: every page load renews it (sliding).
CHAT_MAX_AGE_S = 30 * 24 * 3600
CHAT_RENEW_AFTER_S = 24 * 3600  # renewed at most daily, and whenever an older key signed it
AGENT_DEVICE_MAX_AGE_S = 90 * 24 * 3600
# The agent's cookies never leave our own site's requests; the chat cookie must reach the widget's
# iframe on partner sites, which browsers allow only for SameSite=None; Secure (HTTPS).
AGENT_SAMESITE = "Strict"
_CONVERSATION_ID = re.compile(r"[0-9a-f]{32}")


def chat_samesite(secure: bool) -> str:
    return "None" if secure else "Lax"


@dataclass(frozen=True)
class ChatIdentity:
    conversation_id: str
    renewed_token: Optional[str]  # a fresh token for the same conversation, when it is due


class Signatures:
    """What the web side signs with ZX_SECRET_KEY (itsdangerous, timed): the conversation token and
    the agent's device cookie. Keys rotate without logging anyone out: tokens signed with a key in
    ZX_PREVIOUS_SECRET_KEYS still verify and are re-signed with the current key when next seen."""

    def __init__(self, current: bytes, previous: Sequence[bytes] = ()) -> None:
        keys = [*previous, current]  # itsdangerous signs with the last, verifies with any
        self._chat = TimestampSigner(keys, salt="zx-chat")
        self._chat_current = TimestampSigner([current], salt="zx-chat")
        self._device = URLSafeTimedSerializer(keys, salt="zx-agent-device")

    def new_chat_token(self) -> str:
        return self._chat.sign(uuid.uuid4().hex).decode()

    def chat_identity(self, token: Optional[str]) -> Optional[ChatIdentity]:
        """The conversation a token we signed names (None if forged, malformed or expired)."""
        if not token or len(token) > 200 or not token.isascii():
            return None
        try:
            value, signed_at = self._chat.unsign(token, max_age=CHAT_MAX_AGE_S, return_timestamp=True)
        except BadSignature:  # SignatureExpired is one too
            return None
        conversation_id = value.decode()
        if not _CONVERSATION_ID.fullmatch(conversation_id):
            return None
        age = self._chat.get_timestamp() - int(signed_at.timestamp())
        renew = age > CHAT_RENEW_AFTER_S or not self._chat_current.validate(token)
        return ChatIdentity(conversation_id, self._chat.sign(conversation_id).decode() if renew else None)

    def device_cookie(self, username: str, device_key: str) -> str:
        return self._device.dumps({"u": username, "k": device_key})

    def device_key(self, cookie: Optional[str], username: str) -> Optional[str]:
        """The device key in an agent's device cookie, if it is ours, unexpired and for `username`."""
        if not cookie or len(cookie) > 300:
            return None
        try:
            data = self._device.loads(cookie, max_age=AGENT_DEVICE_MAX_AGE_S)
        except BadSignature:
            return None
        if not isinstance(data, dict) or data.get("u") != (username or "").strip().lower():
            return None
        key = data.get("k")
        return key if isinstance(key, str) else None


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


def set_cookie(
    response: Any,
    name: str,
    value: str,
    *,
    max_age: Optional[int],
    secure: bool,
    samesite: str,
    path: str = "/",
    partitioned: bool = False,
) -> None:
    """An HttpOnly cookie on a Sanic response. Written as the header itself: Sanic 21's cookie jar
    knows no `Partitioned` (CHIPS: a cookie a partner's frame keeps where third-party cookies are
    blocked). Values are our own URL-safe tokens, never quoted text."""
    parts = [f"{name}={value}", f"Path={path}", "HttpOnly", f"SameSite={samesite}"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
        if partitioned:
            parts.append("Partitioned")  # browsers accept it on Secure cookies only
    response.headers.add("Set-Cookie", "; ".join(parts))
