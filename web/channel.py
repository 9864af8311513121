"""The merchant web chat: Rasa's socket.io channel, with the conversation bound to a signed cookie
and the handoff checked in the database on every message.

credentials.yml: `web.channel.WebChatInput:` (settings come from the environment, web/settings.py).
Mounting this channel also mounts the chat page, the widget and the agents' console (same origin,
so cookies authenticate both socket.io and HTTP).
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from web import console_api, conversation_log
from web.console_api import connect_console_socket
from web.desk import CONSOLE_NAMESPACE, SupportDesk, iso
from web.http_util import enter_room
from web.identity import CHAT_COOKIE, conversation_of, cookies_from_environ
from web.pages import pages_blueprint, serve_chat_page_at_root
from web.settings import WebSettings, load_settings

log = logging.getLogger(__name__)

MAX_MESSAGE_LEN = 500
CALLBACK_OFFER = "utter_offer_callback"  # its button's payload asks for a call back (also when typed)
NO_REPLY = "抱歉，系统暂时无法回复，请稍后再试。如需人工帮助，请输入“转人工”。"
STORE_DOWN = "抱歉，系统暂时繁忙，这条消息没有处理成功，请稍后重新发送。"
TOO_LONG = f"消息太长了，请分几次发送（每条最多 {MAX_MESSAGE_LEN} 字）。"
EMPTY = "请输入您想咨询的问题，例如“注销需要什么材料”。"
CALLBACK_NOTED = "好的，客服上线后会致电 {phone} 与您联系。您也可以继续在这里留言。"
CALLBACK_NO_PHONE = "抱歉，没有您的手机号，暂时无法回电。请在这里留言，客服上线后会在这里回复您。"
FULL_WIDTH_SOLIDUS = "\uff0f"


class WebChatOutput(SocketIOOutput):
    """One bubble per response (Rasa's own splits text on blank lines), buttons as quick replies,
    each with a timestamp; counts what it sent so that silence can be noticed."""

    def __init__(self, sio: AsyncServer) -> None:
        super().__init__(sio, "bot_uttered")
        self.sent = 0

    @classmethod
    def name(cls) -> Text:
        return "web_chat"

    async def _send_message(self, socket_id: Text, message: Any) -> None:
        self.sent += 1
        await self.sio.emit(self.bot_message_evt, {**message, "at": iso()}, room=socket_id)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        replies = [{"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]
        await self._send_message(recipient_id, {"text": text, "quick_replies": replies})


class _WebBlueprint(SocketBlueprint):
    """Attaches socket.io, the pages and the console to the Rasa app when Rasa mounts the channel."""

    def __init__(self, desk: SupportDesk, *args: Any, **kwargs: Any) -> None:
        super().__init__(desk.sio, "/socket.io", *args, **kwargs)
        self.ctx.desk = desk

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        desk: SupportDesk = self.ctx.desk
        desk.app = app
        app.ctx.desk = desk  # routes find the desk here
        app.blueprint(pages_blueprint(desk))
        app.blueprint(console_api.api)
        # Rasa owns the route "/" (its hello text); the chat page is answered before it.
        app.register_middleware(serve_chat_page_at_root(desk), "request")
        super().register(app, options)


class WebChatInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "web_chat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls(load_settings())

    def __init__(self, settings: WebSettings) -> None:
        super().__init__(session_persistence=True, socketio_path="/socket.io")
        self.settings = settings

    def get_output_channel(self) -> Optional[WebChatOutput]:
        return WebChatOutput(self.sio) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        manager = AsyncRedisManager(self.settings.redis_url) if self.settings.redis_url else None
        sio = AsyncServer(
            async_mode="sanic", cors_allowed_origins=list(self.settings.site_origins), client_manager=manager
        )
        self.sio = sio
        desk = SupportDesk(sio, self.settings)
        blueprint = _WebBlueprint(desk, "web_chat_webhook", __name__)
        merchants = MerchantSockets(desk, on_new_message)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        sio.on("connect")(merchants.connect)
        sio.on("session_request")(merchants.session_request)
        sio.on("user_uttered")(merchants.user_uttered)

        @sio.on("connect", namespace=CONSOLE_NAMESPACE)
        async def console_connect(sid: Text, environ: Dict[Text, Any], auth: Optional[Dict] = None) -> bool:
            return await connect_console_socket(desk, sid, environ)

        return blueprint


class MerchantSockets:
    """socket.io handlers of the chat page."""

    def __init__(self, desk: SupportDesk, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        self.desk = desk
        self.on_new_message = on_new_message

    async def connect(self, sid: Text, environ: Dict[Text, Any], auth: Optional[Dict] = None) -> bool:
        conversation_id = conversation_of(self.desk.settings.secret, cookies_from_environ(environ).get(CHAT_COOKIE))
        if conversation_id is None:
            return False  # no page loaded from us: no conversation to join
        await self.desk.sio.save_session(sid, {"conversation_id": conversation_id})
        await enter_room(self.desk.sio, sid, conversation_id)
        return True

    async def session_request(self, sid: Text, data: Any = None) -> None:
        # Rasa's widgets ask for a session; the id is ours, whatever they propose.
        await self.desk.sio.emit("session_confirm", {"session_id": "cookie"}, room=sid)

    async def user_uttered(self, sid: Text, data: Any) -> None:
        conversation_id = (await self.desk.sio.get_session(sid)).get("conversation_id")
        text = data.get("message") if isinstance(data, dict) else None
        if not conversation_id:
            return
        if not isinstance(text, str) or not text.strip():
            await self._notice(conversation_id, EMPTY)
            return
        text = text.strip()
        if len(text) > MAX_MESSAGE_LEN:
            await self._notice(conversation_id, TOO_LONG)
            return
        try:
            case = await self.desk.active_case(conversation_id)
            if case is not None:
                await self._while_handed_off(conversation_id, text, case.case_no)
            else:
                await self._to_bot(conversation_id, text)
        except Exception as error:  # whatever broke, the merchant is told; no traceback (it may quote the text)
            log.error("merchant message not handled: %s", type(error).__name__)
            await self._notice(conversation_id, STORE_DOWN)

    async def _notice(self, conversation_id: Text, text: Text) -> None:
        """A notice from the channel itself; like every answered message, it ends the turn
        (typing off is the last event of a turn)."""
        await self.desk.to_merchant(conversation_id, "error_message", {"text": text})
        await self.desk.to_merchant(conversation_id, "typing", {"on": False})

    async def _while_handed_off(self, conversation_id: Text, text: Text, case_no: Text) -> None:
        """The bot says nothing; the message goes to the transcript and the agents' consoles."""
        await conversation_log.record_merchant_message(self.desk.rasa, conversation_id, text)
        if text in self._callback_payloads():
            office = self.desk.office
            case = await office.run(office.queue.request_callback, conversation_id)
            reply = CALLBACK_NOTED.format(phone=case.masked_phone) if case else CALLBACK_NO_PHONE
            await conversation_log.record_notice(self.desk.rasa, conversation_id, reply)
            await self.desk.to_merchant(conversation_id, "bot_uttered", {"text": reply, "system": True, "at": iso()})
        await self.desk.notify_agents(case_no)

    def _callback_payloads(self) -> Set[Text]:
        variants = self.desk.rasa.domain.responses.get(CALLBACK_OFFER, [])
        return {b["payload"] for v in variants for b in v.get("buttons", [])}

    async def _to_bot(self, conversation_id: Text, text: Text) -> None:
        text = await self._as_text_unless_offered(conversation_id, text)
        output = WebChatOutput(self.desk.sio)
        await self.desk.to_merchant(conversation_id, "typing", {"on": True})
        await self.on_new_message(UserMessage(text, output, conversation_id, input_channel=WebChatInput.name()))
        case = await self.desk.active_case(conversation_id)
        if case is not None:
            await self.desk.to_merchant(conversation_id, "handoff", {"state": "queued"})
            await self.desk.notify_agents(case.case_no)
        elif output.sent == 0:
            await self._notice(conversation_id, NO_REPLY)
            return
        await self.desk.to_merchant(conversation_id, "typing", {"on": False})

    async def _as_text_unless_offered(self, conversation_id: Text, text: Text) -> Text:
        """A leading "/" is Rasa's command syntax (/restart, /intent{...}). Only payloads of buttons the
        bot has just offered may use it; anything else a merchant sends is plain text."""
        if not text.startswith("/"):
            return text
        if text in await conversation_log.last_offered_payloads(self.desk.rasa, conversation_id):
            return text
        return FULL_WIDTH_SOLIDUS + text[1:]
