"""The product as an attacker meets it — over what it really serves (the socket.io chat, the
console API, the action server, Rasa's HTTP API), on the real stack.

Each test is written as the attacker's request, then checks that nothing was given away and that
the real merchant or agent is still served.
"""

import base64
import json
import re
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import jwt
import pytest
import requests
import socketio
import yaml
from itsdangerous import TimestampSigner

import shapes
from devtools.clients import APPLICATION_ANSWERS, WAIT_S, AgentClient, Merchant, new_address
from devtools.stack import ACTION_TOKEN, JWT_SECRET, PROJECT, WEB_SECRET, jwt_headers
from runtime.rate_limits import rule
from shapes.numbers import fold
from tests.conftest import missing
from tickets.statuses import HandoffStatus, Status
from web.console_api import TOO_MANY_LOGINS
from web.pages import BUSY

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


def guess_phones(merchants, ticket_no, address, times):
    """A stranger at `address` guessing phones for `ticket_no`; what the bot said each time."""
    guesser = merchants(address=address).connect()
    said = []
    for n in range(times):
        guesser.texts(f"查询进度{ticket_no}")
        said.append(" ".join(guesser.texts(f"1365555{n:04d}")))
        guesser.texts("算了不查了")
    return said


def test_guessing_phones_stops_at_five_per_address(merchants):
    owner = merchants().connect()
    ticket_no = apply(owner, phone="13655556666")
    said = guess_phones(merchants, ticket_no, new_address(), 6)
    assert all("申请编号或手机号码不正确" in s for s in said[:5]) and "核对失败的次数过多" in said[5]


def test_strangers_from_many_addresses_never_lock_the_owner_out(rasa_stack, merchants, desk):
    owner = merchants().connect()
    ticket_no = apply(owner, phone="13655556666")
    for _ in range(6):  # six addresses, five wrong phones each
        guess_phones(merchants, ticket_no, new_address(), 5)
    # The conversation that applied, in a fresh session (its proof must be given again), gets in.
    owner.texts("转人工")
    agent = desk.new_agent().login(rasa_stack.rasa_url)
    case = desk.case_of(owner)
    assert agent.post(f"/cases/{case.case_no}/claim").ok and agent.post(f"/cases/{case.case_no}/close").ok
    owner.replies_until(lambda m: "人工服务已结束" in m["text"])
    assert owner.texts(f"查询进度{ticket_no}") == [DOMAIN["responses"]["utter_ask_ownership_proof"][0]["text"]]
    status = owner.texts("13655556666")
    assert ticket_no in status[0] and "已提交" in status[0]
    # A new device of the owner's is told honestly to wait (and what else to do), not "wrong phone";
    # a stranger trying a number that does not exist, after as many failures, reads the same.
    new_phone = merchants().connect()
    new_phone.texts(f"查询进度{ticket_no}")
    protected = new_phone.texts("13655556666")
    unknown = "ZX" + ticket_no[2:10] + ("000000" if ticket_no[-6:] != "000000" else "000001")
    for _ in range(6):
        guess_phones(merchants, unknown, new_address(), 5)
    stranger = merchants().connect()
    stranger.texts(f"查询进度{unknown}")
    assert [re.sub(r"\d+分钟", "N分钟", t) for t in stranger.texts("13655556666")] == [
        re.sub(r"\d+分钟", "N分钟", t) for t in protected
    ]
    assert len(protected) == 1 and "暂时需要等待约" in protected[0] and "转人工" in protected[0]
    assert ticket_no not in protected[0] and "已提交" not in protected[0]


# -- floods ------------------------------------------------------------------------------------------


def test_a_flood_from_one_socket_does_not_silence_other_merchants(rasa_stack, merchants, domain):
    # A browser's websocket (over polling, engine.io itself refuses a batch of more than 16 messages).
    flooder = merchants().connect("websocket")
    other = merchants().connect()
    worker = threading.Thread(target=lambda: [flooder.say(f"刷屏{n}") for n in range(600)], daemon=True)
    worker.start()
    # The other merchant asks while the flood is handled, 15 times: within a person's own limit (20 a
    # minute). Each question is answered, never refused. (How long it waits meanwhile is a figure:
    # `make bench`, "flood".)
    for _ in range(15):
        assert other.texts("注销要收费吗") == [domain["responses"]["utter_faq/policy_and_fees"][0]["text"]]
    worker.join()
    _, notice = flooder.next_event("error_message")  # the flooder is told, in Chinese
    assert "发送消息太快" in notice["text"]


def test_one_client_cannot_fill_the_support_queue(rasa_stack, desk):
    desk.nobody_online()
    address = new_address()
    conversations = conversation_limit = int(rule("conversations_per_client").amount)
    handoff_limit = int(rule("handoffs_per_client").amount)
    cookies, refused = [], 0
    for _ in range(conversation_limit + 20):  # what the page does on opening, from one address
        started = requests.get(f"{rasa_stack.rasa_url}/chat/history", headers={"X-Forwarded-For": address}, timeout=30)
        if started.status_code == 429:
            assert started.json()["error"] == BUSY
            refused += 1
        else:
            cookies.append(started.cookies["zx_chat"])
    assert (len(cookies), refused) == (conversations, 20)  # new conversations from one address are limited
    opened = [Merchant(rasa_stack.rasa_url, c, address=address).connect() for c in cookies[: handoff_limit + 5]]
    try:
        for merchant in opened:
            merchant.texts("转人工")
        queued = [m for m in opened if desk.case_of(m) is not None]
        assert len(queued) == handoff_limit  # and so are its requests for a person
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
    closed = agent.post("/cases/close-waiting", {"case_nos": spam})
    assert sorted(closed.json()["closed"]) == sorted(spam)
    assert all(desk.office.queue.get_handoff(no).status is HandoffStatus.CLOSED for no in spam)


def test_a_flooded_queue_is_served_a_page_at_a_time_oldest_first(rasa_stack, desk):
    queue = desk.office.queue
    flood = [
        queue.open_handoff(conversation_id=f"f-{uuid.uuid4().hex}", reason="requested").case.case_no for _ in range(55)
    ]
    agent = desk.new_agent().login(rasa_stack.rasa_url)
    first = agent.get("/queue").json()
    total = first["waiting_total"]
    assert total >= 55 and first["page_size"] == 50 and len(first["waiting"]) == 50
    pages = [first] + [agent.get(f"/queue?page={n}").json() for n in range(1, -(-total // 50))]
    listed = [c["case_no"] for page in pages for c in page["waiting"]]
    assert len(listed) == total and len(set(listed)) == total  # every case once, none lost between pages
    assert [c for c in listed if c in flood] == flood  # oldest first
    assert sorted(agent.post("/cases/close-waiting", {"case_nos": flood}).json()["closed"]) == sorted(flood)


def test_wrong_logins_from_one_address_stop_there(rasa_stack, desk):
    agent = desk.new_agent()
    base = f"{rasa_stack.rasa_url}/console/api/login"
    stranger = {"X-Forwarded-For": new_address()}  # no Origin: not a browser
    replies = [
        requests.post(base, json={"username": agent.username, "password": "guess"}, headers=stranger, timeout=30)
        for _ in range(8)
    ]
    codes = [reply.status_code for reply in replies]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    assert "15分钟后再试" in replies[5].json()["error"]  # the limit's default window, said in Chinese


def test_wrong_logins_from_many_addresses_never_lock_the_agent_out(rasa_stack, desk):
    agent = desk.new_agent().login(rasa_stack.rasa_url)  # her usual desk: it now carries a device cookie
    base = f"{rasa_stack.rasa_url}/console/api/login"
    for _ in range(7):  # seven addresses, five wrong passwords each
        stranger = {"X-Forwarded-For": new_address()}
        for _ in range(5):
            requests.post(base, json={"username": agent.username, "password": "guess"}, headers=stranger, timeout=30)
    # She logs in again from her own browser (its device cookie, not her session): taken at once.
    again = AgentClient(agent.username, agent.password, address=agent.address)
    again.http.cookies.set("zx_device", agent.http.cookies.get("zx_device"))
    again.login(rasa_stack.rasa_url)
    assert again.get("/me").json()["username"] == agent.username
    # Her right password from a new computer: told honestly that the account is protected for now,
    # and what to do — in the same words a stranger gets for a username that does not exist.
    new_computer = requests.post(
        base, json={"username": agent.username, "password": agent.password}, headers={"X-Forwarded-For": new_address()}
    )
    for _ in range(7):
        stranger = {"X-Forwarded-For": new_address()}
        for _ in range(5):
            requests.post(base, json={"username": "nobody.here", "password": "guess"}, headers=stranger, timeout=30)
    unknown = requests.post(
        base, json={"username": "nobody.here", "password": "guess"}, headers={"X-Forwarded-For": new_address()}
    )
    assert new_computer.status_code == unknown.status_code == 429
    protected = new_computer.json()["error"]
    assert "暂时需要等待" in protected and "常用的电脑" in protected
    assert re.sub(r"\d+", "N", unknown.json()["error"]) == re.sub(r"\d+", "N", protected)


def test_a_forged_or_foreign_device_cookie_is_an_unknown_device(rasa_stack, desk):
    victim, other = desk.new_agent(), desk.new_agent().login(rasa_stack.rasa_url)
    base = f"{rasa_stack.rasa_url}/console/api/login"
    for _ in range(6):
        stranger = {"X-Forwarded-For": new_address()}
        requests.post(base, json={"username": victim.username, "password": "guess"}, headers=stranger, timeout=30)
    # Another agent's device cookie (a colleague's browser), or a made-up one, does not vouch for her.
    for device in (other.http.cookies.get("zx_device"), "eyJ1IjoieCJ9.forged.sig"):
        reply = requests.post(
            base,
            json={"username": victim.username, "password": victim.password},
            cookies={"zx_device": device},
            headers={"X-Forwarded-For": new_address()},
            timeout=30,
        )
        assert reply.status_code == 429 and "暂时需要等待" in reply.json()["error"]


def test_one_address_cannot_guess_logins_across_accounts(rasa_stack):
    """Usernames are guessable; cycling them from one address stops at the per-address limit."""
    base = f"{rasa_stack.rasa_url}/console/api/login"
    guesser = {"X-Forwarded-For": new_address()}
    limit = int(rule("logins_per_client").amount)
    replies = [
        requests.post(base, json={"username": f"agent{n}", "password": "guess"}, headers=guesser, timeout=30)
        for n in range(limit + 1)
    ]
    assert [r.status_code for r in replies[:limit]] == [401] * limit
    assert replies[limit].status_code == 429 and replies[limit].json()["error"] == TOO_MANY_LOGINS


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


def _socket(rasa_stack, cookie, origin, auth=None):
    """A raw socket.io client presenting `cookie` from a page at `origin`."""
    client = socketio.Client(reconnection=False)
    client.connect(
        rasa_stack.rasa_url,
        headers={"Cookie": f"zx_chat={cookie}", "Origin": origin},
        transports=["polling"],
        auth=auth,
        wait_timeout=WAIT_S,
    )
    return client


def test_a_chat_socket_from_a_foreign_origin_is_refused(rasa_stack, merchants):
    merchant = merchants()
    ours = _socket(rasa_stack, merchant.cookie, rasa_stack.rasa_url)  # the control: our own page connects
    assert ours.connected
    ours.disconnect()
    with pytest.raises(socketio.exceptions.ConnectionError):
        _socket(rasa_stack, merchant.cookie, "https://evil.example")


def test_naming_another_conversation_in_the_socket_joins_nothing_of_it(rasa_stack, merchants):
    victim = merchants().connect()
    victim.texts("注销要收费吗")
    attacker = merchants().connect()
    # Rasa's own widget protocol names the session in the messages: ours takes it from the cookie only.
    attacker.sio.emit("session_request", {"session_id": victim.conversation_id})
    attacker.sio.call("user_uttered", {"message": "我要撤回申请", "session_id": victim.conversation_id})
    attacker.sio.call("user_uttered", {"message": "转人工", "customData": {"sender": victim.conversation_id}})
    assert victim.stays_quiet()  # nothing reached the victim's page
    said = [m["text"] for m in victim.history()["messages"] if m["from"] == "merchant"]
    assert said == ["注销要收费吗"]  # nor the victim's conversation
    mine = [m["text"] for m in attacker.history()["messages"] if m["from"] == "merchant"]
    assert mine == ["我要撤回申请", "转人工"]  # it all went to the attacker's own


def test_a_forged_or_expired_token_in_the_handshake_is_refused(rasa_stack, merchants):
    merchant = merchants()
    forged = merchant.cookie[:-3] + ("AAA" if not merchant.cookie.endswith("AAA") else "BBB")
    with pytest.raises(socketio.exceptions.ConnectionError):
        _socket(rasa_stack, "", rasa_stack.rasa_url, auth={"token": forged})
    conversation_id = merchant.conversation_id
    with pytest.MonkeyPatch.context() as patched:  # signed 31 days ago, with the real key
        patched.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 31 * 24 * 3600)
        expired = TimestampSigner([WEB_SECRET.encode()], salt="zx-chat").sign(conversation_id).decode()
    with pytest.raises(socketio.exceptions.ConnectionError):
        _socket(rasa_stack, expired, rasa_stack.rasa_url)
    history = requests.get(f"{rasa_stack.rasa_url}/chat/history", cookies={"zx_chat": expired}, timeout=30)
    assert history.cookies["zx_chat"].split(".")[0] != conversation_id  # a new conversation, not that one
    token = _socket(rasa_stack, "", rasa_stack.rasa_url, auth={"token": merchant.cookie})  # the control
    assert token.connected
    token.disconnect()


# -- Rasa's HTTP API -------------------------------------------------------------------------------


def _unsigned(payload: dict) -> str:
    """A JWT with `alg: none` and no signature, as an attacker writes one."""
    encode = lambda part: base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{encode({'alg': 'none', 'typ': 'JWT'})}.{encode(payload)}."


ADMIN = {"user": {"username": "ops", "role": "admin"}}


@pytest.mark.parametrize(
    "token",
    [
        _unsigned(ADMIN),
        _unsigned(ADMIN)[:-1] + "c2ln",  # alg none with a made-up signature
        jwt.encode(ADMIN, "not-the-secret", algorithm="HS256"),
        jwt.encode(ADMIN, JWT_SECRET, algorithm="HS512"),  # the right secret, another algorithm
        jwt.encode({**ADMIN, "exp": 1}, JWT_SECRET, algorithm="HS256"),  # expired
        "not.a.jwt",
        "x" * 5000,
        "eyJhbGciOiJIUzI1NiJ9..",
        "e30.e30.",
    ],
    ids=["alg-none", "alg-none-signed", "wrong-secret", "hs512", "expired", "garbage", "huge", "empty", "empty-json"],
)
def test_a_token_rasa_cannot_verify_is_a_401_without_a_traceback(rasa_stack, token):
    log = rasa_stack.logs / "rasa.log"
    before = log.stat().st_size
    for path in ("/status", f"/conversations/{uuid.uuid4().hex}/tracker"):
        reply = requests.get(f"{rasa_stack.rasa_url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert reply.status_code == 401, (path, reply.text)
    with log.open(encoding="utf-8") as written:
        written.seek(before)
        assert "Traceback" not in written.read()
    assert requests.get(f"{rasa_stack.rasa_url}/status", headers=jwt_headers(), timeout=30).ok  # the control


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
    """PostgreSQL black-holed: a network that drops packets (what production meets)."""
    if rasa_stack.database_proxy is None:
        missing("a network fault needs the database behind a proxy: PostgreSQL (TEST_DATABASE_URL, CI)")
    rasa_stack.database_proxy.blackhole()
    try:
        yield
    finally:
        rasa_stack.database_proxy.forward()


def test_an_unreachable_database_gets_a_chinese_notice_in_time_and_the_page_still_loads(rasa_stack, merchants):
    merchant = merchants().connect()
    merchant.texts("你好")
    with database_unreachable(rasa_stack):
        merchant.say("注销要收费吗")
        name, data = merchant.next_event("error_message", "bot_uttered")  # within WAIT_S; how soon: bench
        page = requests.get(f"{rasa_stack.rasa_url}/", timeout=10)
    assert name == "error_message" and data["text"] == "抱歉，系统暂时繁忙，这条消息没有处理成功，请稍后重新发送。"
    assert page.status_code == 200 and "注销助手" in page.text
    assert merchant.next_event("typing")[1] == {"on": False}
    assert merchant.texts("注销要收费吗"), "answered again once the database is back"


def test_secrets_are_not_on_any_command_line(rasa_stack):
    for pid in (rasa_stack.rasa_pid, rasa_stack.actions.process.pid):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        for secret in (rasa_stack.env["RASA_JWT_SECRET"], ACTION_TOKEN, rasa_stack.env["ZX_SECRET_KEY"]):
            assert secret not in argv
