"""The support desk as the web side sees it: the ticket store and agent directory (through one
bounded thread pool), the socket.io server, and the running Rasa agent."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Optional, Text

from rasa.core.agent import Agent
from sanic import Sanic
from socketio import AsyncServer

from tickets.agents import AgentDirectory
from tickets.handoff import HandoffCase
from tickets.store import AsyncTicketStore
from web.settings import WebSettings

log = logging.getLogger(__name__)

CONSOLE_NAMESPACE = "/console"
AGENTS_ROOM = "agents"
STORE_TIMEOUT_S = 5.0


def iso(moment: Optional[datetime] = None) -> Text:
    """ISO 8601 in UTC for the browser (now, when no moment is given)."""
    return (moment or datetime.now(timezone.utc)).isoformat()


def now_iso() -> Text:
    return iso()


class SupportDesk:
    def __init__(self, sio: AsyncServer, settings: WebSettings) -> None:
        self.sio = sio
        self.settings = settings
        self.app: Optional[Sanic] = None  # set when the channel is mounted
        self._tickets: Optional[AsyncTicketStore] = None

    @property
    def tickets(self) -> AsyncTicketStore:
        """Opened on first use, so a database that is down does not stop the server from starting."""
        if self._tickets is None:
            self._tickets = AsyncTicketStore.from_url(timeout=STORE_TIMEOUT_S)
        return self._tickets

    @property
    def agents(self) -> AgentDirectory:
        return AgentDirectory(self.tickets.store)

    async def call(self, method: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """A blocking store or directory call, bounded in time (StoreUnavailable on timeout)."""
        return await self.tickets.call(method, *args, **kwargs)

    @property
    def rasa(self) -> Agent:
        return self.app.ctx.agent

    async def active_case(self, conversation_id: Text) -> Optional[HandoffCase]:
        return await self.call(self.tickets.store.active_handoff, conversation_id)

    # -- pushing to browsers ----------------------------------------------------------------

    async def to_merchant(self, conversation_id: Text, event: Text, payload: Dict[Text, Any]) -> None:
        await self.sio.emit(event, payload, room=conversation_id)

    async def say_to_merchant(self, conversation_id: Text, text: Text, *, agent: Optional[Text] = None) -> None:
        await self.to_merchant(conversation_id, "bot_uttered", {"text": text, "agent": agent, "at": now_iso()})

    async def notify_agents(self, case_no: Optional[Text] = None) -> None:
        """Consoles re-fetch the queue, and the case if they have it open (case_event implies both)."""
        if case_no:
            await self.sio.emit("case_event", {"case_no": case_no}, room=AGENTS_ROOM, namespace=CONSOLE_NAMESPACE)
        else:
            await self.sio.emit("queue_changed", {}, room=AGENTS_ROOM, namespace=CONSOLE_NAMESPACE)
