"""The merchant web chat: Rasa's socket.io channel, with the conversation bound to a signed cookie
and the handoff checked in the database on every message.

credentials.yml: `web.channel.WebChatInput:` (settings come from the environment, web/settings.py).
Mounting this channel also mounts the chat page, the widget and the agents' console (same origin,
so cookies authenticate both socket.io and HTTP).
"""

from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from dialogue.names import MAY_HAVE_QUEUED_A_CASE, Response
from runtime.metrics import ERRORS, TURN_SECONDS, TURNS
from runtime.rate_limits import client_key, rate_limits
from shapes.masking import hide_card_numbers
from web import console_api, conversation_log, insights_api
from web.console_api import connect_console_socket
from web.desk import CONSOLE_NAMESPACE, SupportDesk, iso
from web.feedback import answered_topic, feedback_buttons
from web.health import health
from web.http_util import enter_room
from web.identity import CHAT_COOKIE, client_address, cookies_from_environ
from web.pages import pages_blueprint, serve_chat_page_at_root
from web.rasa_api_auth import refuse_unverifiable_tokens
from web.replica_messages import replica_messages
from web.settings import WebSettings, load_settings

log = logging.getLogger(__name__)

MAX_MESSAGE_LEN = 500
REDIS_TIMEOUT_S = 1.0
CALLBACK_OFFER = Response.OFFER_CALLBACK  # its button's payload asks for a call back (also when typed)
NO_REPLY = "抱歉，系统暂时无法回复，请稍后再试。如需人工帮助，请输入“转人工”。"
STORE_DOWN = "抱歉，系统暂时繁忙，这条消息没有处理成功，请稍后重新发送。"
TOO_LONG = f"消息太长了，请分几次发送（每条最多 {MAX_MESSAGE_LEN} 字）。"
EMPTY = "请输入您想咨询的问题，例如“注销需要什么材料”。"
TOO_FAST = "您发送消息太快了，这条消息没有处理。请稍等片刻再发送。"
CALLBACK_NOTED = "好的，客服上线后会致电 {phone} 与您联系。您也可以继续在这里留言。"
CALLBACK_NO_PHONE = "抱歉，没有您的手机号，暂时无法回电。请在这里留言，客服上线后会在这里回复您。"
FULL_WIDTH_SOLIDUS = "\uff0f"


class WebChatOutput(SocketIOOutput):
    """One bubble per response (Rasa's own splits text on blank lines), buttons as quick replies,
    each with a timestamp; counts what it sent so that silence can be noticed. A policy answer is
    held until the next message or the end of the turn (`finish`): when it ends the turn, it gets
    有帮助 / 没帮助."""

    def __init__(self, sio: AsyncServer) -> None:
        super().__init__(sio, "bot_uttered")
        self.sent = 0
        self.responses: Set[Text] = set()  # the domain responses said this turn
        self._held: Optional[Tuple[Text, Dict[Text, Any], Text]] = None

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await self._release(with_feedback=False)
        self.responses.add(message.get("utter_action") or "")
        topic = answered_topic(message.get("utter_action"))
        if topic:
            self._held = (recipient_id, dict(message), topic)
            return
        await super().send_response(recipient_id, message)

    async def finish(self) -> None:
        """The turn is over: send what is held, with the feedback buttons."""
        await self._release(with_feedback=True)

    async def _release(self, with_feedback: bool) -> None:
        if self._held is None:
            return
        recipient_id, message, topic = self._held
        self._held = None
        if with_feedback:
            message["buttons"] = list(message.get("buttons") or []) + feedback_buttons(topic)
        await super().send_response(recipient_id, message)

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
        app.blueprint(health)
        app.blueprint(insights_api.insights)
        refuse_unverifiable_tokens(app)
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
        manager = None
        if self.settings.redis_url:
            # Replicas pass messages through Redis; a Redis that hangs must not hold a reply (each
            # message is delivered on this replica first, then published for the others).
            manager = replica_messages(self.settings.redis_url, REDIS_TIMEOUT_S)
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
        settings = self.desk.settings
        # The page in a partner's frame presents its token in the handshake (its cookie may be
        # blocked there); otherwise the cookie. Same signature, same expiry.
        token = auth.get("token") if isinstance(auth, dict) and isinstance(auth.get("token"), str) else None
        identity = settings.signatures.chat_identity(token or cookies_from_environ(environ).get(CHAT_COOKIE))
        if identity is None:
            return False  # no page loaded from us: no conversation to join
        conversation_id = identity.conversation_id
        request = environ.get("sanic.request")
        client = client_key(settings.secret, client_address(request, settings.trusted_proxies) if request else None)
        await self.desk.sio.save_session(sid, {"conversation_id": conversation_id, "client": client})
        await enter_room(self.desk.sio, sid, conversation_id)
        return True

    async def session_request(self, sid: Text, data: Any = None) -> None:
        # Rasa's widgets ask for a session; the id is ours, whatever they propose.
        await self.desk.sio.emit("session_confirm", {"session_id": "cookie"}, room=sid)

    async def user_uttered(self, sid: Text, data: Any) -> None:
        session = await self.desk.sio.get_session(sid)
        conversation_id, client = session.get("conversation_id"), session.get("client", "unknown")
        if not conversation_id:
            return
        started = time.perf_counter()
        outcome = await self._handle(conversation_id, client, data.get("message") if isinstance(data, dict) else None)
        TURNS.labels(outcome).inc()
        if outcome in ("answered", "handed_off"):
            TURN_SECONDS.observe(time.perf_counter() - started)

    async def _handle(self, conversation_id: Text, client: Text, text: Any) -> Text:
        """Answer one message; returns what happened to it (a metrics label)."""
        limits = rate_limits()
        # Counted before any work: a flood costs a counter and a short notice, not a pipeline run.
        if not (
            await limits.hit("messages_per_conversation", conversation_id)
            and await limits.hit("messages_per_client", client)
        ):
            await self._notice(conversation_id, TOO_FAST)
            return "rate_limited"
        if not isinstance(text, str) or not text.strip():
            await self._notice(conversation_id, EMPTY)
            return "empty"
        # Card numbers never reach Rasa, its tracker store or an agent: the form still sees the marker.
        text = hide_card_numbers(text.strip())
        if len(text) > MAX_MESSAGE_LEN:
            await self._notice(conversation_id, TOO_LONG)
            return "too_long"
        try:
            case = await self.desk.active_case(conversation_id)
            if case is not None:
                await self._while_handed_off(conversation_id, text, case.case_no)
                return "to_agent"
            return await self._to_bot(conversation_id, text, client)
        except Exception as error:  # whatever broke, the merchant is told; no traceback (it may quote the text)
            ERRORS.labels("message_failed").inc()
            log.error("merchant message not handled: %s", type(error).__name__)
            await self._notice(conversation_id, STORE_DOWN)
            return "error"

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

    async def _to_bot(self, conversation_id: Text, text: Text, client: Text) -> Text:
        text = await self._as_text_unless_offered(conversation_id, text)
        output = WebChatOutput(self.desk.sio)
        await self.desk.to_merchant(conversation_id, "typing", {"on": True})
        # The actions read the client (a keyed hash of the address) for their own limits.
        message = UserMessage(
            text, output, conversation_id, input_channel=WebChatInput.name(), metadata={"client": client}
        )
        try:
            await self.on_new_message(message)
        finally:
            await output.finish()
        # Only the handoff action opens cases: a turn that did not run it needs no second look.
        case = await self.desk.active_case(conversation_id) if output.responses & MAY_HAVE_QUEUED_A_CASE else None
        if case is not None:
            await self.desk.to_merchant(conversation_id, "handoff", {"state": "queued"})
            await self.desk.notify_agents(case.case_no)
        elif output.sent == 0:
            ERRORS.labels("no_reply").inc()
            await self._notice(conversation_id, NO_REPLY)
            return "no_reply"
        await self.desk.to_merchant(conversation_id, "typing", {"on": False})
        return "handed_off" if case is not None else "answered"

    async def _as_text_unless_offered(self, conversation_id: Text, text: Text) -> Text:
        """A leading "/" is Rasa's command syntax (/restart, /intent{...}). Only payloads of buttons the
        bot has just offered may use it; anything else a merchant sends is plain text."""
        if not text.startswith("/"):
            return text
        if text in await conversation_log.last_offered_payloads(self.desk.rasa, conversation_id):
            return text
        return FULL_WIDTH_SOLIDUS + text[1:]
