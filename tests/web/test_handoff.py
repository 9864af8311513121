"""Handoff end to end over the real stack: the merchant's socket.io chat, the console API, the
ticket store and Rasa's SQL tracker store."""

import queue

import pytest
import requests
import socketio

from devtools.clients import APPLICATION_ANSWERS, WAIT_S
from devtools.stack import jwt_headers
from tickets.statuses import HandoffStatus


def handed_off(merchant, desk):
    replies = merchant.turn("转人工")
    assert merchant.next_event("handoff")[1] == {"state": "queued"}
    case = desk.case_of(merchant)
    assert case is not None and case.status is HandoffStatus.QUEUED
    return replies, case


def test_asking_for_a_person_queues_the_conversation_and_silences_the_bot(rasa_stack, merchants, desk):
    merchant = merchants().connect()
    replies, case = handed_off(merchant, desk)
    assert "排在第" in replies[0]["text"]

    merchant.send("你们还在吗")
    assert merchant.stays_quiet(), "the bot must say nothing while a person has the conversation"
    assert merchant.history()["handed_off"] is True


def test_the_agent_claims_replies_live_and_returns_the_conversation(rasa_stack, merchants, desk):
    agent = desk.new_agent("王小二").login(rasa_stack.rasa_url)  # online: the merchant is told to wait here
    merchant = merchants().connect()
    replies, case = handed_off(merchant, desk)
    assert "客服接入后会直接在这里回复您" in replies[0]["text"] and len(replies) == 1

    waiting = agent.get("/queue").json()["waiting"]
    assert case.case_no in [c["case_no"] for c in waiting]
    assert agent.post(f"/cases/{case.case_no}/claim").status_code == 200
    assert merchant.next_event("handoff")[1]["state"] == "claimed"

    assert agent.post(f"/cases/{case.case_no}/reply", {"text": "您好，我是客服小王，请问有什么可以帮您？"}).ok
    _, live = merchant.next_event("bot_uttered")
    assert live["text"] == "您好，我是客服小王，请问有什么可以帮您？" and live["agent"] == "王小二"

    merchant.send("我想问下注销进度")
    transcript = agent.get(f"/cases/{case.case_no}").json()["transcript"]
    assert ("merchant", "转人工") in [(m["from"], m["text"]) for m in transcript]
    assert "bot" in [m["from"] for m in transcript]
    assert [(m["from"], m["text"], m["agent"]) for m in transcript[-2:]] == [
        ("agent", "您好，我是客服小王，请问有什么可以帮您？", "王小二"),
        ("merchant", "我想问下注销进度", None),
    ]

    assert agent.post(f"/cases/{case.case_no}/return").ok
    assert desk.case_of(merchant) is None
    merchant.replies_until(lambda m: "注销助手继续" in m["text"])
    answer = merchant.turn("注销要收费吗")
    assert answer and "费用" in answer[0]["text"] and not answer[0].get("agent")


def test_two_agents_cannot_claim_one_case(rasa_stack, merchants, desk):
    merchant = merchants().connect()
    _, case = handed_off(merchant, desk)
    first, second = (desk.new_agent().login(rasa_stack.rasa_url) for _ in range(2))
    assert first.post(f"/cases/{case.case_no}/claim").status_code == 200
    refused = second.post(f"/cases/{case.case_no}/claim")
    assert refused.status_code == 409 and "已被其他客服接入" in refused.json()["error"]
    # Someone else's claimed case is theirs: no reading, replying or returning it.
    assert second.get(f"/cases/{case.case_no}").status_code == 403
    assert second.post(f"/cases/{case.case_no}/reply", {"text": "插一句"}).status_code == 403
    assert second.post(f"/cases/{case.case_no}/return").status_code == 403
    assert second.post(f"/cases/{case.case_no}/callback-done").status_code == 403
    assert desk.office.queue.get_handoff(case.case_no).status is HandoffStatus.CLAIMED


def test_console_api_needs_a_session(rasa_stack):
    base = f"{rasa_stack.rasa_url}/console/api"
    for method, path in [
        ("get", "/me"),
        ("get", "/queue"),
        ("get", "/cases/RG202611270001"),
        ("post", "/cases/RG202611270001/claim"),
        ("post", "/cases/RG202611270001/reply"),
        ("post", "/tickets/ZX202611270001/move"),
        ("post", "/cases/RG202611270001/callback-done"),
        ("post", "/cases/close-waiting"),
        ("get", "/insights?period=7d"),
        ("get", "/insights/csv/topics"),
        ("post", "/insights/export"),
        ("post", "/logout"),
    ]:
        response = getattr(requests, method)(base + path, timeout=30)
        assert response.status_code == 401, path
        assert response.json()["error"] == "请先登录"
    cookie = {"zx_agent": "forged"}
    assert requests.get(base + "/queue", cookies=cookie, timeout=30).status_code == 401


def test_wrong_passwords_and_foreign_origins_are_refused(rasa_stack, desk):
    agent = desk.new_agent()
    base = f"{rasa_stack.rasa_url}/console/api"
    wrong = requests.post(f"{base}/login", json={"username": agent.username, "password": "nope"}, timeout=30)
    assert wrong.status_code == 401 and wrong.json()["error"] == "用户名或密码错误"
    foreign = requests.post(
        f"{base}/login",
        json={"username": agent.username, "password": agent.password},
        headers={"Origin": "https://evil.example"},
        timeout=30,
    )
    assert foreign.status_code == 403
    agent.login(rasa_stack.rasa_url)
    assert agent.get("/me").json()["username"] == agent.username
    token = agent.http.cookies.get("zx_agent")
    assert agent.post("/logout").ok
    # The server ended the session: the old token, replayed by hand (as a thief would), is refused.
    replayed = requests.get(f"{base}/me", cookies={"zx_agent": token}, timeout=30)
    assert replayed.status_code == 401 and replayed.json()["error"] == "请先登录"


def test_a_typed_restart_changes_nothing_while_handed_off(rasa_stack, merchants, desk):
    merchant = merchants().connect()
    _, case = handed_off(merchant, desk)
    for text in ("/restart", "/session_start", '/greet{"phone": "1"}'):
        merchant.send(text)
    assert merchant.stays_quiet()
    assert desk.case_of(merchant).case_no == case.case_no
    events = rasa_stack.tracker(merchant.conversation_id)["events"]
    assert not [e for e in events if e["event"] in ("restart", "resume")]


def test_a_typed_command_is_text_when_not_handed_off(rasa_stack, merchants, desk):
    merchant = merchants().connect()
    merchant.turn("注销要收费吗")
    slots_before = rasa_stack.tracker(merchant.conversation_id)["events"]
    replies = merchant.turn("/restart")
    assert replies, "the merchant gets an answer"
    events = rasa_stack.tracker(merchant.conversation_id)["events"][len(slots_before) :]
    assert not [e for e in events if e["event"] == "restart"]
    assert [e["text"] for e in events if e["event"] == "user"] == ["\uff0frestart"]


def test_the_pause_survives_a_session_expiry(rasa_stack, merchants, desk):
    merchant = merchants().connect()
    handed_off(merchant, desk)
    conversation = merchant.conversation_id
    # What Rasa does when a session expires: a new session, which lifts Rasa's own pause.
    restarted = requests.post(
        f"{rasa_stack.rasa_url}/conversations/{conversation}/tracker/events",
        json=[
            {"event": "action", "name": "action_session_start"},
            {"event": "session_started"},
            {"event": "action", "name": "action_listen"},
        ],
        headers=jwt_headers(),
        timeout=30,
    )
    restarted.raise_for_status()
    assert restarted.json()["paused"] is False
    merchant.send("注销要收费吗")
    assert merchant.stays_quiet(), "the database still says a person has this conversation"


def applied(merchant) -> None:
    """The merchant applies for deregistration in this conversation (a ZX ticket is opened)."""
    merchant.turn("我要注销POS机，商户号862014937715503，机身号CB" + merchant.cookie[:8].upper())
    for text in APPLICATION_ANSWERS:
        merchant.turn(text)


def test_no_agent_online_offers_a_callback_and_the_agent_works_the_linked_ticket(rasa_stack, merchants, desk):
    merchant = merchants().connect()
    applied(merchant)
    desk.nobody_online()
    replies, case = handed_off(merchant, desk)
    texts = [r["text"] for r in replies]
    assert "暂时没有客服在线" in texts[0]
    offer = replies[-1]
    assert "139****5678" in offer["text"] and "13912345678" not in " ".join(texts)
    assert offer["quick_replies"][0]["title"] == "请客服回电"
    assert case.linked_ticket_no and case.linked_ticket_no.startswith("ZX")
    merchant.say(offer["quick_replies"][0]["payload"])
    _, noted = merchant.next_event("bot_uttered")
    assert "139****5678" in noted["text"]
    assert desk.office.queue.get_handoff(case.case_no).callback_requested

    # An agent comes online, claims the case and moves the merchant's ticket along.
    agent, other = (desk.new_agent(name).login(rasa_stack.rasa_url) for name in ("赵审核", "钱客服"))
    waiting = {c["case_no"]: c for c in agent.get("/queue").json()["waiting"]}
    assert waiting[case.case_no]["callback_requested"] and waiting[case.case_no]["masked_phone"] == "139****5678"
    assert agent.post(f"/cases/{case.case_no}/claim").ok
    ticket = agent.get(f"/cases/{case.case_no}").json()["ticket"]
    assert (ticket["ticket_no"], ticket["status_label"], ticket["phone"]) == (
        case.linked_ticket_no,
        "已提交",
        "139****5678",
    )
    assert [s["value"] for s in ticket["next_statuses"]] == ["in_review", "rejected", "withdrawn"]
    assert other.post(f"/tickets/{case.linked_ticket_no}/move", {"status": "in_review"}).status_code == 403
    moved = agent.post(f"/tickets/{case.linked_ticket_no}/move", {"status": "in_review", "note": "材料齐全"})
    assert moved.ok and moved.json()["ticket"]["status_label"] == "审核中"
    last = moved.json()["ticket"]["history"][-1]
    assert (last["actor_label"], last["actor_name"], last["note"]) == (
        "人工客服",
        f"赵审核（{agent.username}）",
        "材料齐全",
    )
    refused = agent.post(f"/tickets/{case.linked_ticket_no}/move", {"status": "completed"})
    assert refused.status_code == 409 and "不能直接改为" in refused.json()["error"]


def test_the_conversation_belongs_to_the_browser_that_got_the_cookie(rasa_stack, merchants):
    owner = merchants().connect()
    owner.turn("注销要收费吗")
    stranger = requests.get(f"{rasa_stack.rasa_url}/chat/history", timeout=30)
    assert stranger.json()["messages"] == []  # a new visitor gets a new conversation, not someone's
    forged = owner.cookie.split(".")[0] + "." + "0" * 64
    with pytest.raises(socketio.exceptions.ConnectionError):
        merchants(forged).connect()
    with pytest.raises(socketio.exceptions.ConnectionError):
        socketio.Client().connect(rasa_stack.rasa_url, transports=["polling"], wait_timeout=30)
    again = merchants(owner.cookie)
    assert [m["text"] for m in again.history()["messages"]][0] == "注销要收费吗"


def test_rasa_http_api_requires_jwt_and_cors_is_limited(rasa_stack):
    assert requests.get(f"{rasa_stack.rasa_url}/status", timeout=30).status_code == 401
    assert requests.get(f"{rasa_stack.rasa_url}/status", headers=jwt_headers(), timeout=30).ok
    assert (
        requests.get(f"{rasa_stack.rasa_url}/status", headers=jwt_headers("wrong-secret"), timeout=30).status_code
        == 401
    )
    site = rasa_stack.rasa_url
    allowed = requests.options(
        f"{site}/console/api/queue", timeout=30, headers={"Origin": site, "Access-Control-Request-Method": "GET"}
    )
    assert allowed.headers.get("Access-Control-Allow-Origin") == site
    foreign = requests.options(
        f"{site}/console/api/queue",
        timeout=30,
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "Access-Control-Allow-Origin" not in foreign.headers


def test_card_numbers_are_masked_in_the_transcript(rasa_stack, merchants, desk):
    merchant = merchants().connect()
    merchant.turn("我的卡号是6222021234567890128能注销吗")
    texts = [m["text"] for m in merchant.history()["messages"]]
    assert not any("6222021234567890128" in t for t in texts)


def test_consoles_get_live_events_and_need_a_session(rasa_stack, merchants, desk):
    with pytest.raises(socketio.exceptions.ConnectionError):
        socketio.Client().connect(rasa_stack.rasa_url, namespaces=["/console"], transports=["polling"], wait_timeout=30)
    agent = desk.new_agent().login(rasa_stack.rasa_url)
    events: "queue.Queue[dict]" = queue.Queue()
    console = socketio.Client()
    console.on("case_event", events.put, namespace="/console")
    console.connect(
        rasa_stack.rasa_url,
        namespaces=["/console"],
        transports=["polling"],
        wait_timeout=30,
        headers={"Cookie": f"zx_agent={agent.http.cookies.get('zx_agent')}"},
    )
    try:
        merchant = merchants().connect()
        _, case = handed_off(merchant, desk)
        merchant.send("在吗")
        seen = [events.get(timeout=WAIT_S) for _ in range(2)]  # the new case, then the message
        assert seen == [{"case_no": case.case_no}] * 2
    finally:
        console.eio.disconnect(abort=True)


def test_an_overlong_message_gets_a_chinese_reply(rasa_stack, merchants):
    merchant = merchants().connect()
    merchant.say("注" * 501)
    name, data = merchant.next_event("error_message", "bot_uttered")
    assert name == "error_message" and "最多 500 字" in data["text"]


def test_with_the_action_server_down_the_merchant_is_not_left_in_silence(rasa_stack, merchants):
    merchant = merchants().connect()
    rasa_stack.action_proxy.refuse()  # as if the action server were down; the process stays up
    try:
        replies = merchant.turn("我要注销POS机")  # the form needs the action server
    finally:
        rasa_stack.action_proxy.forward()
    assert [r["text"] for r in replies] == ["抱歉，系统暂时无法回复，请稍后再试。如需人工帮助，请输入“转人工”。"]
    assert merchant.turn("注销要收费吗"), "back to normal once the action server is up"
