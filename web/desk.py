"""The support desk as the web side sees it: the back office, the socket.io server and the running
Rasa agent. One per Rasa server; routes reach it as `request.app.ctx.desk`."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Dict, Optional, Text

from rasa.core.agent import Agent
from sanic import Sanic
from socketio import AsyncServer

from tickets.office import BackOffice, back_office
from tickets.views import HandoffCase
from web.settings import WebSettings

log = logging.getLogger(__name__)

CONSOLE_NAMESPACE = "/console"
AGENTS_ROOM = "agents"


def iso(moment: Optional[datetime] = None) -> Text:
    """ISO 8601 in UTC for the browser (now, when no moment is given)."""
    return (moment or datetime.now(timezone.utc)).isoformat()


class SupportDesk:
    def __init__(self, sio: AsyncServer, settings: WebSettings) -> None:
        self.sio = sio
        self.settings = settings
        self.app: Optional[Sanic] = None  # set when the channel is mounted

    @property
    def office(self) -> BackOffice:
        """Opened on first use, so a database that is down does not stop the server from starting."""
        return back_office()

    @property
    def rasa(self) -> Agent:
        return self.app.ctx.agent

    async def active_case(self, conversation_id: Text) -> Optional[HandoffCase]:
        return await self.office.run(self.office.queue.active_handoff, conversation_id)

    # -- pushing to browsers ----------------------------------------------------------------

    async def to_merchant(self, conversation_id: Text, event: Text, payload: Dict[Text, Any]) -> None:
        await self.sio.emit(event, payload, room=conversation_id)

    async def say_to_merchant(self, conversation_id: Text, text: Text, *, agent: Optional[Text] = None) -> None:
        await self.to_merchant(conversation_id, "bot_uttered", {"text": text, "agent": agent, "at": iso()})

    async def notify_agents(self, case_no: Optional[Text] = None) -> None:
        """Consoles re-fetch the queue, and the case if they have it open (case_event implies both)."""
        if case_no:
            await self.sio.emit("case_event", {"case_no": case_no}, room=AGENTS_ROOM, namespace=CONSOLE_NAMESPACE)
        else:
            await self.sio.emit("queue_changed", {}, room=AGENTS_ROOM, namespace=CONSOLE_NAMESPACE)
