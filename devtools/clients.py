"""Clients that speak the product's protocols as its users do: a merchant's browser (the signed
conversation cookie + socket.io, like the chat page), an agent's console session (HTTP with the
agent cookie), and the back office as staff see it."""

from __future__ import annotations

import queue
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import requests
import socketio

from tickets.office import BackOffice
from tickets.statuses import AgentRole
from tickets.views import HandoffCase
from web.identity import CHAT_COOKIE

# A deregistration application after its first message (phone, reason, balance, confirm).
APPLICATION_ANSWERS = ("13912345678", "店铺转让了", "是的，已经转出了", "确认")
WAIT_S = 30  # upper bound for a reply to arrive; tests wait for events, never sleep
QUIET_WINDOW_S = 3.0  # how long "the bot says nothing" is watched for
SPOKEN = ("bot_uttered", "error_message")  # what a merchant reads (typing and handoff states are not)


def new_address() -> str:
    """A client address of its own, sent as nginx would (the test stack trusts 127.0.0.1 as its
    proxy): rate limits count each simulated person apart, as they would in production."""
    return "10.{}.{}.{}".format(*random.sample(range(1, 255), 3))


class Merchant:
    """A browser: loads the page (gets the signed conversation cookie) and chats over socket.io."""

    def __init__(self, base_url: str, cookie: Optional[str] = None, address: Optional[str] = None) -> None:
        self.base_url = base_url
        self.address = address or new_address()
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = self.address
        if cookie is None:
            # What the page does on opening: its history call starts the conversation (the cookie).
            self.http.get(f"{base_url}/", timeout=30).raise_for_status()
            self.http.get(f"{base_url}/chat/history", timeout=30).raise_for_status()
        else:
            self.http.cookies.set(CHAT_COOKIE, cookie)
        self.events: "queue.Queue[tuple]" = queue.Queue()
        self.pending: List[tuple] = []
        # socket.io's requests go through this session, so every poll carries the cookie as a
        # browser's do (engine.io's own session would send it on the handshake only, and nginx,
        # which routes by it, would send the polls to another replica).
        self.sio = socketio.Client(reconnection=False, http_session=self.http)
        for name in ("bot_uttered", "error_message", "handoff", "typing"):
            self.sio.on(name, lambda data, name=name: self.events.put((name, data)))

    @property
    def cookie(self) -> str:
        return self.http.cookies.get(CHAT_COOKIE)

    @property
    def conversation_id(self) -> str:
        return self.cookie.split(".")[0]

    def connect(self, transport: str = "polling") -> "Merchant":
        """Polling by default (one request per batch, easy to follow); "websocket" as browsers do."""
        headers = {"X-Forwarded-For": self.address}  # the cookie comes from the session's jar
        self.sio.connect(self.base_url, headers=headers, transports=[transport], wait_timeout=WAIT_S)
        return self

    def say(self, text: str) -> None:
        self.sio.emit("user_uttered", {"message": text})

    def send(self, text: str) -> None:
        """Say `text` and wait until the server has finished handling it (socket.io acknowledgement:
        whatever it sent in reply arrives before the acknowledgement)."""
        self.sio.call("user_uttered", {"message": text}, timeout=WAIT_S)

    def next_event(self, *names: str) -> tuple:
        """The oldest event of one of `names` not yet taken; events of other names stay queued."""
        for index, (name, data) in enumerate(self.pending):
            if not names or name in names:
                del self.pending[index]
                return name, data
        while True:
            name, data = self.events.get(timeout=WAIT_S)
            if not names or name in names:
                return name, data
            self.pending.append((name, data))

    def stays_quiet(self, seconds: float = QUIET_WINDOW_S) -> bool:
        """No message or notice reaches this browser for `seconds`: a window, not one moment
        (waiting for an event that must not come, not sleeping)."""
        if any(name in SPOKEN for name, _ in self.pending):
            return False
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                name, data = self.events.get(timeout=remaining)
            except queue.Empty:
                return True
            self.pending.append((name, data))
            if name in SPOKEN:
                return False
        return True

    def replies_until(self, predicate) -> List[Dict[str, Any]]:
        """bot_uttered payloads up to and including the first one `predicate` accepts."""
        seen = []
        while True:
            _, data = self.next_event("bot_uttered", "error_message")
            seen.append(data)
            if predicate(data):
                return seen

    def turn(self, text: str) -> List[Dict[str, Any]]:
        """Say `text` and collect the bot's replies (until the typing indicator goes off)."""
        self.say(text)
        replies = []
        while True:
            name, data = self.next_event("bot_uttered", "typing", "error_message")
            if name == "typing" and data == {"on": False}:
                return replies
            if name != "typing":
                replies.append(data)

    def texts(self, text: str) -> List[str]:
        """The texts of the replies to `text` (bot messages and notices), in order."""
        return [reply["text"] for reply in self.turn(text)]

    def drain(self) -> List[tuple]:
        """Every event received so far and not taken yet, oldest first (no waiting)."""
        taken, self.pending = self.pending, []
        while True:
            try:
                taken.append(self.events.get_nowait())
            except queue.Empty:
                return taken

    def bot_texts(self) -> List[str]:
        """What the bot (not the merchant) said in this conversation, from the page's history."""
        return [m["text"] for m in self.history()["messages"] if m["from"] != "merchant"]

    def history(self) -> Dict[str, Any]:
        response = self.http.get(f"{self.base_url}/chat/history", timeout=30)
        response.raise_for_status()
        return response.json()

    def close(self) -> None:
        if self.sio.connected:
            # abort: do not wait for the long-poll in flight (up to the 25 s ping interval)
            self.sio.eio.disconnect(abort=True)


@dataclass
class Desk:
    """The stack's database, seen as staff see it (the back office, called directly)."""

    database_url: str
    office: BackOffice = field(init=False)

    def __post_init__(self) -> None:
        self.office = BackOffice.open(self.database_url)

    def new_agent(self, name: str = "测试客服", role: AgentRole = AgentRole.AGENT) -> "AgentClient":
        username = f"agent{uuid.uuid4().hex[:8]}"
        password = uuid.uuid4().hex
        self.office.agents.create_agent(username, name, password, role)
        return AgentClient(username, password)

    def nobody_online(self) -> None:
        """Disable every agent account (earlier tests' agents would otherwise count as online)."""
        for account in self.office.agents.list_agents():
            self.office.agents.set_active(account.username, False)

    def case_of(self, merchant: Merchant) -> Optional[HandoffCase]:
        return self.office.queue.active_handoff(merchant.conversation_id)

    def case_of_conversation(self, browser_cookies: List[Dict[str, Any]]) -> Optional[HandoffCase]:
        """The active case of a browser, from its cookies (Playwright's context.cookies())."""
        chat = next(c["value"] for c in browser_cookies if c["name"] == CHAT_COOKIE)
        return self.office.queue.active_handoff(chat.split(".")[0])


@dataclass
class AgentClient:
    username: str
    password: str
    http: requests.Session = field(default_factory=requests.Session)
    base_url: str = ""
    address: str = field(default_factory=new_address)

    def __post_init__(self) -> None:
        self.http.headers["X-Forwarded-For"] = self.address

    def login(self, base_url: str) -> "AgentClient":
        self.base_url = base_url
        response = self.http.post(
            f"{base_url}/console/api/login", json={"username": self.username, "password": self.password}, timeout=30
        )
        response.raise_for_status()
        return self

    def get(self, path: str) -> requests.Response:
        return self.http.get(f"{self.base_url}/console/api{path}", timeout=30)

    def post(self, path: str, body: Optional[dict] = None) -> requests.Response:
        return self.http.post(f"{self.base_url}/console/api{path}", json=body or {}, timeout=30)
