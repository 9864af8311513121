"""The production profile on this machine (devtools/cluster.py): two Rasa replicas and two action
servers behind nginx, on PostgreSQL and Redis — what replicas break silently, shown not to happen,
and what faults do to a merchant.

Rasa's own failure modes with replicas are silent: a lost lock interleaves turns, a push to a
socket on another replica goes nowhere, a fallback to memory loses context. Each has a test here.
"""

import os
import re
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import jwt
import pytest
import redis
import requests
from sqlalchemy.engine import make_url

import shapes
from devtools.clients import APPLICATION_ANSWERS, Desk, Merchant
from devtools.cluster import NGINX, Cluster
from devtools.load import SIMULATED_MERCHANT_LIMITS, problems, run_locust
from devtools.stack import free_port, fresh_postgres_database, redis_reachable
from devtools.tcp_proxy import TcpProxy
from tests.conftest import requires
from tickets.statuses import HandoffStatus
from web.channel import NO_REPLY
from web.console_api import CLOSED_NOTICE, NOT_HANDED_BACK
from web.lock_store import KEY_PREFIX, AtomicRedisLockStore

SERVER = os.environ.get("TEST_DATABASE_URL")
TICKET_NO = shapes.TICKET_NO.in_text


pytestmark = [
    requires(bool(SERVER), "TEST_DATABASE_URL not set: the cluster runs on PostgreSQL, on CI"),
    requires(Path(NGINX).exists(), "nginx is not installed (scripts/install_system_packages.sh)"),
    requires(redis_reachable(), "no Redis on 127.0.0.1:6379"),
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A cluster on a fresh database and Redis database, each reached through a proxy a test can
    take away (the network failing, not the server)."""
    redis_db = 6 + uuid.uuid4().int % 9
    with fresh_postgres_database(SERVER) as database_url:
        real = make_url(database_url)
        database = TcpProxy(free_port(), real.host or "127.0.0.1", real.port or 5432)
        redis_proxy = TcpProxy(free_port(), "127.0.0.1", 6379)
        proxied = real.set(host="127.0.0.1", port=database.listen_port).render_as_string(hide_password=False)
        running = Cluster(
            tmp_path_factory.mktemp("cluster"),
            database_url=proxied,
            redis_url=f"redis://127.0.0.1:{redis_proxy.listen_port}/{redis_db}",
            port=free_port(),
            settings=SIMULATED_MERCHANT_LIMITS,  # the short load's merchants type faster than people
        )
        running.database_proxy, running.redis_proxy, running.direct_database_url = database, redis_proxy, database_url
        running.redis_db = redis_db
        try:
            yield running.start()
        finally:
            running.stop()
            database.close()
            redis_proxy.close()
            redis.Redis(db=redis_db).flushdb()


@pytest.fixture
def desk(cluster):
    return Desk(cluster.direct_database_url)


def replica_url(cluster, n: int) -> str:
    return cluster.rasa[n].health_url.rsplit("/", 1)[0]


def merchant_on(cluster, n: int, cookie=None) -> Merchant:
    """A merchant's browser talking to replica n directly (its socket lives there)."""
    return Merchant(replica_url(cluster, n), cookie).connect()


def test_an_agents_reply_reaches_a_merchant_on_the_other_replica(cluster, desk):
    merchant = merchant_on(cluster, 0)
    merchant.texts("转人工")
    case = desk.case_of(merchant)
    agent = desk.new_agent("跨节点客服").login(replica_url(cluster, 1))  # the console is on replica 2
    assert agent.post(f"/cases/{case.case_no}/claim").ok
    assert agent.post(f"/cases/{case.case_no}/reply", {"text": "您好，我来帮您处理"}).ok
    _, pushed = merchant.next_event("bot_uttered")
    assert pushed["text"] == "您好，我来帮您处理" and pushed["agent"] == "跨节点客服"
    merchant.close()


def test_a_handoff_pause_holds_whichever_replica_gets_the_next_message(cluster, desk):
    first = merchant_on(cluster, 0)
    first.texts("转人工")
    other_tab = merchant_on(cluster, 1, cookie=first.cookie)  # same conversation, other replica
    other_tab.send("人呢？")
    assert other_tab.stays_quiet() and first.stays_quiet()
    agent = desk.new_agent().login(replica_url(cluster, 0))
    case = desk.case_of(first)
    assert agent.post(f"/cases/{case.case_no}/claim").ok
    transcript = agent.get(f"/cases/{case.case_no}").json()["transcript"]
    assert [m["text"] for m in transcript if m["from"] == "merchant"][-1] == "人呢？"
    first.close()
    other_tab.close()


@contextmanager
def held_by_a_dead_replica(cluster, conversation_id: str, what: str):
    """What a replica that died leaves behind in Redis: its turn's ticket on the conversation's lock
    (Rasa waits for it up to 60 s), or the lock's mutex (this project's, 5 s)."""
    store = AtomicRedisLockStore(host="127.0.0.1", port=6379, db=cluster.redis_db, key_prefix=KEY_PREFIX)
    if what == "turn ticket":
        ticket = store.issue_ticket(conversation_id, lock_lifetime=60)
        try:
            yield
        finally:
            store.cleanup(conversation_id, ticket)
    else:
        mutex = f"{store.key_prefix}{conversation_id}:mutex"
        store.red.set(mutex, "a replica that died", ex=60)
        try:
            yield
        finally:
            store.red.delete(mutex)


@pytest.mark.parametrize("what", ["turn ticket", "lock mutex"])
def test_closing_waiting_cases_in_bulk_when_one_conversation_is_locked(cluster, desk, what):
    """Every merchant's page is told and the database closes all; the conversation a dead replica
    keeps locked is reported to the agent instead of holding up the others, and its merchant's next
    message is answered by the bot."""
    merchants = [merchant_on(cluster, n % 2) for n in range(3)]
    for merchant in merchants:
        merchant.texts("转人工")
        assert merchant.next_event("handoff")[1] == {"state": "queued"}
    cases = [desk.case_of(merchant).case_no for merchant in merchants]
    stuck = merchants[1]
    agent = desk.new_agent().login(replica_url(cluster, 0))
    with held_by_a_dead_replica(cluster, stuck.conversation_id, what):
        response = agent.post("/cases/close-waiting", {"case_nos": cases})
    assert response.status_code == 200, response.text
    reply = response.json()
    assert sorted(reply["closed"]) == sorted(cases) and reply["not_handed_back"] == [cases[1]]
    for merchant in merchants:
        assert merchant.next_event("handoff")[1] == {"state": "ended"}
        assert merchant.replies_until(lambda m: m["text"] == CLOSED_NOTICE)  # on every page
        assert desk.case_of(merchant) is None
    assert CLOSED_NOTICE in merchants[0].bot_texts() and CLOSED_NOTICE in merchants[2].bot_texts()
    assert CLOSED_NOTICE not in stuck.bot_texts()  # its transcript could not be written then
    answer = stuck.texts("注销要收费吗")
    assert answer and "费用" in answer[0], "the bot answers the merchant whose case was closed"
    for merchant in merchants:
        merchant.close()


def test_ending_one_case_whose_conversation_is_locked_is_refused_in_chinese_and_can_be_retried(cluster, desk):
    """The transcript first, then the database: while a dead replica holds the conversation's turn
    ticket the agent hears so within seconds (not after Rasa's 60 s), and the case stays theirs."""
    merchant = merchant_on(cluster, 1)
    merchant.texts("转人工")
    case = desk.case_of(merchant)
    agent = desk.new_agent().login(replica_url(cluster, 0))
    assert agent.post(f"/cases/{case.case_no}/claim").ok
    with held_by_a_dead_replica(cluster, merchant.conversation_id, "turn ticket"):
        refused = agent.post(f"/cases/{case.case_no}/close")
    assert refused.status_code == 503 and refused.json()["error"] == NOT_HANDED_BACK
    assert desk.case_of(merchant).status is HandoffStatus.CLAIMED
    assert agent.post(f"/cases/{case.case_no}/close").ok  # once the lock is free
    assert desk.case_of(merchant) is None and CLOSED_NOTICE in merchant.bot_texts()
    merchant.close()


def test_two_replicas_never_run_turns_of_one_conversation_at_once(cluster, desk):
    tab_a = merchant_on(cluster, 0)
    tab_b = merchant_on(cluster, 1, cookie=tab_a.cookie)
    questions = ["注销要收费吗", "注销需要准备哪些材料", "注销后POS机要交还吗", "审核要多久"]

    def ask(tab, texts):
        for text in texts:
            tab.send(text)

    threads = [threading.Thread(target=ask, args=(tab, questions)) for tab in (tab_a, tab_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tracker = requests.get(
        f"{replica_url(cluster, 0)}/conversations/{tab_a.conversation_id}/tracker",
        headers=_jwt(cluster),
        timeout=30,
    ).json()["events"]
    said = [e["event"] for e in tracker if e["event"] in ("user", "bot")]
    assert said.count("user") == 2 * len(questions)  # nothing lost
    # Every message is answered before the next one is taken: user, bot…, user, bot…
    assert re.fullmatch(r"(ub+)+", "".join("u" if e == "user" else "b" for e in said)), said
    tab_a.close()
    tab_b.close()


def _jwt(cluster) -> dict:
    token = jwt.encode({"user": {"username": "ops", "role": "admin"}}, cluster.secrets["RASA_JWT_SECRET"], "HS256")
    return {"Authorization": f"Bearer {token}"}


# -- faults ------------------------------------------------------------------------------------------


def test_a_replica_killed_mid_conversation_loses_nothing(cluster):
    merchant = Merchant(cluster.url).connect()  # through nginx, as a browser
    cookie = merchant.cookie
    fees = merchant.texts("注销要收费吗")
    assert fees
    for replica in cluster.rasa:  # each in turn: one of them held this merchant's socket
        replica.kill()
        try:
            merchant.close()
            merchant = Merchant(cluster.url, cookie).connect()  # the page reconnects, nginx finds a live replica
            assert merchant.texts("注销收费吗") == fees
        finally:
            replica.start()
    said = [m["text"] for m in merchant.history()["messages"] if m["from"] == "merchant"]
    assert said == ["注销要收费吗"] + ["注销收费吗"] * len(cluster.rasa)
    merchant.close()


def test_action_servers_killed_mid_application_get_an_apology_then_one_ticket(cluster, desk):
    merchant = Merchant(cluster.url).connect()
    serial = "CL" + uuid.uuid4().hex[:10].upper()
    merchant.texts(f"我要注销POS机，商户号862014937715503，机身号{serial}")
    merchant.texts(APPLICATION_ANSWERS[0])
    for server in cluster.actions:
        server.kill()
    try:
        told = merchant.texts(APPLICATION_ANSWERS[1])
        assert told == [NO_REPLY]  # the channel's notice: nothing was answered, try again
    finally:
        for server in cluster.actions:
            server.start()
    for answer in APPLICATION_ANSWERS[1:]:
        replies = merchant.texts(answer)
    assert TICKET_NO.search(" ".join(replies))
    merchant.texts("确认")  # a double confirmation
    assert len(desk.office.tickets.list_tickets(terminal_sn=serial)) == 1
    merchant.close()


@contextmanager
def away(proxy: TcpProxy, how: str):
    getattr(proxy, how)()
    try:
        yield
    finally:
        proxy.forward()


def test_postgresql_unreachable_for_10_seconds(cluster):
    merchant = Merchant(cluster.url).connect()
    merchant.texts("你好")
    with away(cluster.database_proxy, "blackhole"):
        started = time.monotonic()
        merchant.say("注销要收费吗")
        name, data = merchant.next_event("error_message", "bot_uttered")
        waited = time.monotonic() - started
        ready = requests.get(f"{replica_url(cluster, 0)}/readyz", timeout=10)
        merchant.stays_quiet(10 - waited)  # the database stays away for 10 s in all
    merchant.drain()
    assert name == "error_message" and "系统暂时繁忙" in data["text"] and waited < 6
    assert ready.status_code == 503 and ready.json()["checks"]["database"] is False
    assert merchant.texts("注销要收费吗"), "answered once the database is back"
    said = [m["text"] for m in merchant.history()["messages"] if m["from"] == "merchant"]
    assert said[0] == "你好" and said[-1] == "注销要收费吗"  # what was stored before is all there
    merchant.close()


def test_redis_down_runs_no_turn_without_its_lock_and_says_so(cluster):
    merchant = Merchant(cluster.url).connect()
    with away(cluster.redis_proxy, "refuse"):
        told = merchant.texts("Redis断了还能注销吗")
        ready = requests.get(f"{replica_url(cluster, 0)}/readyz", timeout=10)
    # The lock that keeps replicas from interleaving a conversation's turns is in Redis: without
    # it no turn runs (rather than one that could interleave), and the merchant is told so.
    assert told == ["抱歉，系统暂时繁忙，这条消息没有处理成功，请稍后重新发送。"]
    assert ready.status_code == 503 and ready.json()["checks"]["redis"] is False
    said = [m["text"] for m in merchant.history()["messages"] if m["from"] == "merchant"]
    assert "Redis断了还能注销吗" not in said  # the turn did not run at all
    assert merchant.texts("注销要收费吗"), "answered once Redis is back"
    merchant.close()


def test_both_replicas_count_against_the_same_limits(cluster, desk):
    """The rate-limit counters are in Redis: a guesser alternating replicas is stopped as soon as one
    replica would stop it."""
    agent = desk.new_agent()
    address = {"X-Forwarded-For": "10.77.0.1"}
    codes = [
        requests.post(
            f"{replica_url(cluster, n % 2)}/console/api/login",
            json={"username": agent.username, "password": "guess"},
            headers=address,
            timeout=30,
        ).status_code
        for n in range(8)
    ]
    assert codes == [401] * 5 + [429] * 3


def test_the_chat_page_and_console_come_through_one_origin(cluster):
    page = requests.get(f"{cluster.url}/", timeout=10)
    console = requests.get(f"{cluster.url}/console", timeout=10)
    assert page.status_code == 200 and "注销助手" in page.text and console.status_code == 200
    with socket.create_connection(("127.0.0.1", cluster.port), timeout=5):
        pass


def test_a_short_load_keeps_every_message_in_order_with_one_ticket_per_application(cluster, tmp_path):
    """`make bench` runs 50 merchants for 60 s; here 10 for 10 s, checked the same way."""
    run = run_locust(cluster.url, users=10, seconds=10, workdir=tmp_path)
    assert run.turns > 0 and run.failures == 0, (tmp_path / "locust.log").read_text()[-2000:]
    assert len(run.journal) == 10 and all(record["sent"] for record in run.journal)  # what is checked
    assert problems(run, cluster.direct_database_url) == []
