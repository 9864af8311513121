"""Merchants as locust users: real multi-turn conversations over the chat page's protocol (load the
page for the signed cookie, then socket.io), each turn timed from the message to the server's
acknowledgement (every reply of the turn arrives before it).

    locust -f bench/load/locustfile.py --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:8000

Each user appends what it did to $ZX_LOAD_JOURNAL (JSON lines): its conversation, the messages it
sent in order, the tickets it got. devtools/load.py checks them against the databases afterwards.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import uuid

import requests
import socketio
from locust import User, between, events, task
from locust.exception import StopUser

JOURNAL = os.environ.get("ZX_LOAD_JOURNAL", "load-journal.jsonl")
TICKET_NO = re.compile(r"ZX[0-9]{12,14}")
FAQ = ["注销要收费吗", "注销需要准备哪些材料", "注销后POS机要交还吗", "审核要多久", "余额怎么处理", "怎么解绑银行卡"]


class Merchant(User):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.address = "10.{}.{}.{}".format(*random.sample(range(1, 255), 3))  # one person each
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = self.address
        self.http.get(f"{self.host}/", timeout=30).raise_for_status()
        self.http.get(f"{self.host}/chat/history", timeout=30).raise_for_status()  # as the page does: the cookie
        self.cookie = self.http.cookies.get("zx_chat")
        self.conversation_id = self.cookie.split(".")[0]
        self.sent, self.tickets, self.replies, self.notices = [], [], [], []
        # Every poll carries the cookie, as a browser's do: nginx routes replicas by it.
        self.sio = socketio.Client(reconnection=False, http_session=self.http)
        self.sio.on("bot_uttered", lambda data: self.replies.append(data.get("text") or ""))
        # The channel's own notices (too fast, too long, busy…): the message was not handled.
        self.sio.on("error_message", lambda data: self.notices.append(data.get("text") or ""))
        self.sio.connect(
            self.host,
            headers={"X-Forwarded-For": self.address},
            transports=["polling"],
            wait_timeout=30,
        )

    def on_stop(self) -> None:
        with open(JOURNAL, "a", encoding="utf-8") as journal:
            record = {"conversation_id": self.conversation_id, "sent": self.sent, "tickets": self.tickets}
            journal.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.sio.disconnect()

    def turn(self, name: str, text: str) -> list:
        """One message and the bot's whole answer, reported to locust as one request."""
        self.replies, self.notices = [], []
        started = time.perf_counter()
        error = None
        try:
            self.sio.call("user_uttered", {"message": text}, timeout=30)
            if self.notices:
                raise RuntimeError(f"notice instead of an answer: {self.notices[0]}")
            self.sent.append(text)
        except Exception as exc:  # a lost turn is a failure in the report, never a crash of the user
            error = exc
        events.request.fire(
            request_type="socket.io",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=sum(len(r) for r in self.replies),
            exception=error,
            context={},
        )
        return list(self.replies)

    @task(5)
    def policy_questions(self) -> None:
        for question in random.sample(FAQ, 3):
            self.turn("faq", question)

    @task(2)
    def apply(self) -> None:
        serial = "LD" + uuid.uuid4().hex[:10].upper()
        self.turn("apply:start", f"我要注销POS机，商户号862014937715503，机身号{serial}")
        for step, text in (("phone", "13912345678"), ("reason", "店铺转让了"), ("balance", "是的，已经转出了")):
            self.turn(f"apply:{step}", text)
        replies = self.turn("apply:confirm", "确认")
        found = TICKET_NO.search(" ".join(replies))
        if found:
            self.tickets.append({"ticket_no": found.group(0), "terminal_sn": serial})

    @task(2)
    def status(self) -> None:
        if not self.tickets:
            self.turn("status:none", "查询进度")
            self.turn("status:leave", "算了不查了")
            return
        self.turn("status", f"{self.tickets[-1]['ticket_no']}现在什么状态")

    @task(1)
    def ask_for_a_person(self) -> None:
        self.turn("handoff", "转人工")
        raise StopUser()  # a person has the conversation now: this merchant waits for them
