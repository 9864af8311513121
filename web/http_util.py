"""Small HTTP helpers shared by the pages and the console API."""

from __future__ import annotations

import functools
import inspect
import json
from typing import Any, Dict, Optional, Text

from sanic import response
from sanic.response import HTTPResponse
from socketio import AsyncServer


def json_reply(body: Any, status: int = 200, headers: Optional[Dict[Text, Text]] = None) -> HTTPResponse:
    """JSON with Chinese left readable, never cached."""
    return response.json(
        body,
        status=status,
        dumps=functools.partial(json.dumps, ensure_ascii=False),
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


async def enter_room(sio: AsyncServer, sid: Text, room: Text, namespace: Optional[Text] = None) -> None:
    # python-socketio 5.10+ made enter_room a coroutine; Rasa 3.6's own channel does not await it
    # (RasaHQ/rasa#13027), which silently drops every bot message. We await it when needed.
    result = sio.enter_room(sid, room, namespace=namespace)
    if inspect.isawaitable(result):
        await result


def with_body(draft: HTTPResponse, body: Any, status: int = 200) -> HTTPResponse:
    """A JSON reply with the cookies already set on `draft` (set before the body was known)."""
    reply = json_reply(body, status)
    for value in draft.headers.getall("Set-Cookie", []):
        reply.headers.add("Set-Cookie", value)
    return reply
