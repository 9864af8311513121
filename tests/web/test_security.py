"""The product as an attacker meets it — over what it really serves (the socket.io chat, the
console API, the action server, Rasa's HTTP API), on the real stack.

Each test is written as the attacker's request, then checks that nothing was given away and that
the real merchant or agent is still served.
"""

import json
import re
import socket
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import socketio
import yaml

import shapes
from devtools.clients import APPLICATION_ANSWERS, WAIT_S, Merchant, new_address
from devtools.stack import ACTION_TOKEN, PROJECT
from shapes.masking import fold
from tickets.statuses import HandoffStatus, Status
from web.console_api import TOO_MANY_LOGINS

DOMAIN = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))
TICKET_NO = shapes.TICKET_NO.in_text


def digits(text: str) -> str:
    return re.sub(r"\D", "", fold(text))


def tracker_for_action(action: str, slots: dict, text: str = "确认") -> dict:
    """What Rasa posts to the action server."""
    all_slots = dict.fromkeys(DOMAIN["slots"])
    all_slots.update(slots)
    tracker = {
        "sender_id": f"attacker-{uuid.uuid4().hex[:8]}",
        "slots": all_slots,
        "latest_message": {"text": text, "intent": {"name": "affirm"}, "metadata": {}},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    return {"next_action": action, "sender_id": tracker["sender_id"], "tracker": tracker, "domain": DOMAIN}


def apply(merchant: Merchant, phone: str = "13912345678") -> str:
    """The merchant applies in their conversation; returns the ticket number."""
    merchant.texts(f"我要注销POS机，商户号862014937715503，机身号SC{uuid.uuid4().hex[:10].upper()}")
    replies = merchant.texts(phone)
    for answer in APPLICATION_ANSWERS[1:]:
        replies = merchant.texts(answer)
    return TICKET_NO.search(" ".join(replies)).group(0)


# -- the action server answers only Rasa -----------------------------------------------------------


def test_the_action_server_refuses_calls_without_the_secret(rasa_stack, desk):
    owner = Merchant(rasa_stack.rasa_url).connect()
    ticket_no = apply(owner)
    owner.close()
    forged = tracker_for_action("action_withdraw_ticket", {"ticket_no": ticket_no, "owned_tickets": [ticket_no]})
    url = f"{rasa_stack.action_url}/webhook"
    # The request a web page can send from any browser: no preflight for text/plain.
    as_page = requests.post(url, data=json.dumps(forged), headers={"Content-Type": "text/plain"}, timeout=30)
    wrong = requests.post(url, json=forged, headers={"Authorization": "Bearer not-the-secret"}, timeout=30)
    listing = requests.get(f"{rasa_stack.action_url}/actions", timeout=30)
    assert [as_page.status_code, wrong.status_code, listing.status_code] == [401, 401, 401]
    assert desk.office.tickets.get(ticket_no).status is Status.SUBMITTED  # nothing happened


def _other_interface_address():
    """An address of this machine that is not loopback, if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))  # no packet is sent: this only picks a route
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_the_action_server_is_not_reachable_from_another_interface(rasa_stack):
    address = _other_interface_address()
    if address is None:
        pytest.skip("this machine has no interface but loopback")
    port = int(rasa_stack.action_url.rsplit(":", 1)[1])
    with pytest.raises(OSError):
        socket.create_connection((address, port), timeout=5).close()


def test_an_action_that_raises_answers_in_chinese_and_logs_no_personal_data(rasa_stack):
    # A tracker an action cannot handle (owned_tickets is not a list): the action raises.
    broken = tracker_for_action(
        "action_show_ticket_status",
        {"ticket_no": "ZX202611270001", "owned_tickets": 5, "phone": "13987654321"},
        text="我的手机是13987654321",
    )
    reply = requests.post(
        f"{rasa_stack.action_url}/webhook", json=broken, headers={"Authorization": f"Bearer {ACTION_TOKEN}"}, timeout=30
    )
    assert reply.status_code == 200
    assert reply.json()["responses"] == [{"response": "utter_action_failed"}]
    assert "13987654321" not in reply.text
    assert "13987654321" not in digits((rasa_stack.logs / "actions.log").read_text(encoding="utf-8"))


# -- proof of ownership is the actions' business -------------------------------------------------


def test_a_conversation_that_owns_one_ticket_cannot_act_on_another(merchants, desk):
    victim = merchants().connect()
    victims_ticket = apply(victim, phone="13700001111")
    attacker = merchants().connect()
    own_ticket = apply(attacker, phone="13900002222")

    # Asking about the other ticket asks for its phone, and says nothing about it.
    replies = attacker.texts(f"查一下{victims_ticket}的进度")
    assert replies == [DOMAIN["responses"]["utter_ask_ownership_proof"][0]["text"]]
    attacker.texts("算了不查了")
    replies = attacker.texts(f"我要撤回申请{victims_ticket}")
    assert replies == [DOMAIN["responses"]["utter_ask_ownership_proof"][0]["text"]]
    attacker.texts("算了不查了")

    # Withdrawing its own ticket, with the other number slipped into the confirmation.
    ask = attacker.texts(f"我要撤回申请{own_ticket}")
    assert "确定要撤回" in ask[0] and own_ticket in ask[0]
    answer = attacker.texts(f"确认 {victims_ticket}")
    assert victims_ticket not in " ".join(answer)
    assert desk.office.tickets.get(victims_ticket).status is Status.SUBMITTED
    # Nothing the bot said to the attacker names the other ticket.
    assert not any(victims_ticket in text for text in attacker.bot_texts())


def test_a_serial_alone_tells_nothing_about_someone_elses_application(merchants):
    owner = merchants().connect()
    owner.texts("我要注销POS机，商户号862014937715503，机身号SQ77881234567")
    for answer in ("13911112222", *APPLICATION_ANSWERS[1:]):
        owner.texts(answer)
    stranger = merchants().connect()
    replies = " ".join(stranger.texts("我要注销，机身号SQ77881234567"))
    assert "已有注销申请记录" in replies and "转人工" in replies
    assert not any(status.label in replies for status in Status)


def test_guessing_phones_locks_the_guesser_not_the_owner(merchants):
    owner = merchants().connect()
    ticket_no = apply(owner, phone="13655556666")
    guesser = merchants().connect()
    answers = []
    for n in range(8):  # a fresh query each time: the form's own three strikes do not stop this
        guesser.texts(f"查询进度{ticket_no}")
        answers = guesser.texts(f"1365555{n:04d}")
        if "核对失败的次数过多" in " ".join(answers):
            break
        guesser.texts("算了不查了")
    assert "核对失败的次数过多" in " ".join(answers)
    # The owner, in a new conversation from their own address, still proves it at once.
    again = merchants().connect()
    again.texts(f"查询进度{ticket_no}")
    status = again.texts("13655556666")
    assert ticket_no in status[0] and "已提交" in status[0]


# -- floods ------------------------------------------------------------------------------------------


def test_a_flood_from_one_socket_does_not_silence_other_merchants(rasa_stack, merchants, domain):
    # A browser's websocket (over polling, engine.io itself refuses a batch of more than 16 messages).
    flooder = merchants().connect("websocket")
    other = merchants().connect()
    flood_done = threading.Event()

    def flood():
        for n in range(600):
            flooder.say(f"刷屏{n}")
        flood_done.set()

    worker = threading.Thread(target=flood, daemon=True)
    started = time.monotonic()
    worker.start()
    slowest, asks = 0.0, 0
    # The other merchant asks while the flood is handled, at most 15 times: within a person's
    # own limit (20 a minute), which fast answers would otherwise exhaust in 2 s.
    while (not flood_done.is_set() or time.monotonic() - started < 2) and asks < 15:
        asks += 1
        asked = time.monotonic()
        answer = other.texts("注销要收费吗")
        slowest = max(slowest, time.monotonic() - asked)
        assert answer == [domain["responses"]["utter_faq/policy_and_fees"][0]["text"]]
    worker.join()
    assert slowest < 2.0, f"another merchant waited {slowest:.1f} s during the flood"
    _, notice = flooder.next_event("error_message")  # the flooder is told, in Chinese
    assert "发送消息太快" in notice["text"]


def test_one_client_cannot_fill_the_support_queue(rasa_stack, desk):
    desk.nobody_online()
    address = new_address()
    opened, refused_pages = [], 0
    for _ in range(150):
        page = requests.get(f"{rasa_stack.rasa_url}/", headers={"X-Forwarded-For": address}, timeout=30)
        if page.status_code == 429:
            assert "访问过于频繁" in page.text
            refused_pages += 1
            continue
        merchant = Merchant(rasa_stack.rasa_url, page.cookies["zx_chat"], address=address).connect()
        opened.append(merchant)
        merchant.texts("转人工")
    try:
        cases = [desk.case_of(m) for m in opened]
        queued = [c for c in cases if c is not None]
        assert refused_pages >= 100  # new conversations from one address are limited
        assert len(queued) <= 10  # and so are its requests for a person
        # A real merchant elsewhere still gets through.
        merchant = Merchant(rasa_stack.rasa_url).connect()
        merchant.texts("转人工")
        assert desk.case_of(merchant) is not None
        merchant.close()
    finally:
        for merchant in opened:
            merchant.close()


def test_agents_close_spam_cases_at_once_and_the_queue_pages(rasa_stack, merchants, desk):
    spam = []
    for _ in range(3):
        merchant = merchants().connect()
        merchant.texts("转人工")
        spam.append(desk.case_of(merchant).case_no)
    agent = desk.new_agent().login(rasa_stack.rasa_url)
    queue = agent.get("/queue").json()
    assert queue["waiting_total"] >= 3 and queue["page_size"] == 50 and len(queue["waiting"]) <= 50
    closed = agent.post("/cases/close-waiting", {"case_nos": spam})
    assert sorted(closed.json()["closed"]) == sorted(spam)
    assert all(desk.office.queue.get_handoff(no).status is HandoffStatus.CLOSED for no in spam)


def test_wrong_logins_from_a_stranger_do_not_lock_the_agent_out(rasa_stack, desk):
    agent = desk.new_agent()
    base = f"{rasa_stack.rasa_url}/console/api/login"
    stranger = {"X-Forwarded-For": new_address()}  # no Origin: not a browser
    replies = [
        requests.post(base, json={"username": agent.username, "password": "guess"}, headers=stranger, timeout=30)
        for _ in range(20)
    ]
    codes = [reply.status_code for reply in replies]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    assert "15分钟后再试" in replies[5].json()["error"]  # the limit's default window, said in Chinese
    agent.login(rasa_stack.rasa_url)  # from the agent's own address
    assert agent.get("/me").json()["username"] == agent.username


def test_one_address_cannot_guess_logins_across_accounts(rasa_stack):
    """Usernames are guessable; cycling them from one address stops at the per-address limit."""
    base = f"{rasa_stack.rasa_url}/console/api/login"
    guesser = {"X-Forwarded-For": new_address()}
    replies = [
        requests.post(base, json={"username": f"agent{n}", "password": "guess"}, headers=guesser, timeout=30)
        for n in range(21)
    ]
    assert [r.status_code for r in replies[:20]] == [401] * 20
    assert replies[20].status_code == 429 and replies[20].json()["error"] == TOO_MANY_LOGINS


# -- foreign origins -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, body",
    [
        ("/login", {"username": "x", "password": "y"}),
        ("/logout", {}),
        ("/cases/RG202611270001/claim", {}),
        ("/cases/RG202611270001/reply", {"text": "hi"}),
        ("/cases/RG202611270001/return", {}),
        ("/cases/RG202611270001/close", {}),
        ("/cases/close-waiting", {"case_nos": ["RG202611270001"]}),
        ("/cases/RG202611270001/callback-done", {}),
        ("/tickets/ZX202611270001/move", {"status": "in_review"}),
        ("/insights/export", {"items": [{"label": "faq/balance", "texts": ["余额"]}]}),
    ],
)
def test_every_console_write_is_refused_from_a_foreign_origin(rasa_stack, desk, path, body):
    agent = desk.new_agent().login(rasa_stack.rasa_url)
    response = agent.http.post(
        f"{rasa_stack.rasa_url}/console/api{path}", json=body, headers={"Origin": "https://evil.example"}, timeout=30
    )
    assert response.status_code == 403 and response.json()["error"] == "请求来源不被允许"


def test_a_chat_socket_from_a_foreign_origin_is_refused(rasa_stack, merchants):
    merchant = merchants()
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            rasa_stack.rasa_url,
            headers={"Cookie": f"zx_chat={merchant.cookie}", "Origin": "https://evil.example"},
            transports=["polling"],
            wait_timeout=WAIT_S,
        )


# -- personal data -------------------------------------------------------------------------------


def test_what_an_agent_and_the_logs_see_of_typed_numbers_is_masked(rasa_stack, merchants, desk):
    merchant = merchants().connect()
    merchant.texts("我的手机是１３９．１２３４．５６７８，商户号８６２０ １４９３ ７７１５ ５０３")
    merchant.texts("卡号6222 0212 3456 7890 128")
    merchant.texts("转人工")
    merchant.send("手机139-8765-4321也可以")
    case = desk.case_of(merchant)
    agent = desk.new_agent().login(rasa_stack.rasa_url)
    assert agent.post(f"/cases/{case.case_no}/claim").ok
    seen = agent.get(f"/cases/{case.case_no}").json()
    shown = digits(json.dumps(seen, ensure_ascii=False))
    logs = digits((rasa_stack.logs / "rasa.log").read_text(encoding="utf-8"))
    logs += digits((rasa_stack.logs / "actions.log").read_text(encoding="utf-8"))
    for secret in ("13912345678", "862014937715503", "6222021234567890128", "13987654321"):
        assert secret not in shown, secret
        assert secret not in logs, secret
    texts = [m["text"] for m in seen["transcript"]]
    assert any("139****5678" in t for t in texts) and any("[卡号已隐藏]" in t for t in texts)
    # The card number never reached the conversation's stored events either.
    assert "6222021234567890128" not in digits(json.dumps(rasa_stack.tracker(merchant.conversation_id)))


def test_agents_read_a_case_from_its_start_to_its_end_and_every_read_is_recorded(rasa_stack, merchants, desk):
    merchant = merchants().connect()
    merchant.texts("转人工")
    case = desk.case_of(merchant)
    agent = desk.new_agent().login(rasa_stack.rasa_url)
    assert agent.post(f"/cases/{case.case_no}/claim").ok
    assert agent.post(f"/cases/{case.case_no}/close").ok
    merchant.texts("注销要收费吗")  # after the case: not the agent's to read
    transcript = agent.get(f"/cases/{case.case_no}").json()["transcript"]
    texts = [m["text"] for m in transcript]
    assert "转人工" in texts and "注销要收费吗" not in texts
    assert [who for who, _ in desk.office.queue.reads_of(case.case_no)] == [agent.username]


# -- the database going away ---------------------------------------------------------------------


@contextmanager
def database_unreachable(rasa_stack):
    """PostgreSQL black-holed (a network that drops packets); on SQLite, the file locked."""
    if rasa_stack.database_proxy is not None:
        rasa_stack.database_proxy.blackhole()
        try:
            yield
        finally:
            rasa_stack.database_proxy.forward()
        return
    holder = sqlite3.connect(rasa_stack.database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")  # nobody else may read or write until we let go
        yield
    finally:
        holder.close()


def test_an_unreachable_database_gets_a_chinese_notice_in_time_and_the_page_still_loads(rasa_stack, merchants):
    merchant = merchants().connect()
    merchant.texts("你好")
    with database_unreachable(rasa_stack):
        asked = time.monotonic()
        merchant.say("注销要收费吗")
        name, data = merchant.next_event("error_message", "bot_uttered")
        waited = time.monotonic() - asked
        page = requests.get(f"{rasa_stack.rasa_url}/", timeout=10)
    assert name == "error_message" and data["text"] == "抱歉，系统暂时繁忙，这条消息没有处理成功，请稍后重新发送。"
    assert waited < 6.0, f"the notice took {waited:.1f} s"
    assert page.status_code == 200 and "注销助手" in page.text
    assert merchant.next_event("typing")[1] == {"on": False}
    assert merchant.texts("注销要收费吗"), "answered again once the database is back"


def test_secrets_are_not_on_any_command_line(rasa_stack):
    for pid in (rasa_stack.rasa_pid, rasa_stack.actions.process.pid):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        for secret in (rasa_stack.env["RASA_JWT_SECRET"], ACTION_TOKEN, rasa_stack.env["ZX_SECRET_KEY"]):
            assert secret not in argv
