"""Agent accounts and console sessions."""

import pytest

from tickets import models as m
from tickets import throttle
from tickets.agents import SESSION_TTL, AgentError
from tickets.cli import main as cli

PASSWORD = "correct horse 9"


def test_login_with_the_right_password_only(agents, engine):
    agents.create_agent("zhangsan", "张三", PASSWORD)
    found = agents.login("ZhangSan", PASSWORD)
    agent, token = found.agent, found.token
    assert (agent.username, agent.display_name) == ("zhangsan", "张三")
    assert agents.agent_for_session(token) == agent
    assert agents.login("zhangsan", "wrong password").agent is None
    assert agents.login("nobody", PASSWORD).agent is None
    with engine.connect() as connection:  # neither the password nor the token is stored
        stored = connection.execute(m.Agent.__table__.select()).one().password_hash
        session_hash = connection.execute(m.AgentSession.__table__.select()).one().token_hash
    assert PASSWORD not in stored and stored.startswith("scrypt$") and token != session_hash


def test_sessions_expire_and_end_at_logout(agents, clock):
    agents.create_agent("zhangsan", "张三", PASSWORD)
    first = agents.login("zhangsan", PASSWORD).token
    second = agents.login("zhangsan", PASSWORD).token
    agents.logout(first)
    assert agents.agent_for_session(first) is None and agents.agent_for_session(second) is not None
    clock.advance(seconds=SESSION_TTL.total_seconds() + 1)
    assert agents.agent_for_session(second) is None
    assert agents.agent_for_session("forged-token") is None and agents.agent_for_session(None) is None


def test_online_means_seen_within_the_last_minute(agents, clock):
    agents.create_agent("zhangsan", "张三", PASSWORD)
    assert agents.online_count() == 0
    token = agents.login("zhangsan", PASSWORD).token
    assert agents.online_count() == 1
    clock.advance(seconds=61)
    assert agents.online_count() == 0
    agents.agent_for_session(token)  # the console's heartbeat
    assert agents.online_count() == 1


def test_disabled_agents_and_new_passwords_end_sessions(agents):
    agents.create_agent("zhangsan", "张三", PASSWORD)
    token = agents.login("zhangsan", PASSWORD).token
    agents.set_password("zhangsan", "another password")
    assert agents.agent_for_session(token) is None
    agents.set_active("zhangsan", False)
    assert agents.login("zhangsan", "another password").agent is None


@pytest.mark.parametrize(
    "username, name, password",
    [
        ("张三", "张三", PASSWORD),
        ("zhangsan", "", PASSWORD),
        ("zhangsan", "张三", "short"),
    ],
)
def test_bad_accounts_are_refused_in_chinese(agents, username, name, password):
    with pytest.raises(AgentError, match="[\u4e00-\u9fff]"):
        agents.create_agent(username, name, password)


def test_duplicate_usernames_are_refused(agents):
    agents.create_agent("zhangsan", "张三", PASSWORD)
    with pytest.raises(AgentError, match="已存在"):
        agents.create_agent("zhangsan", "张三丰", PASSWORD)


def test_cli_creates_an_agent_from_stdin(database, monkeypatch, capsys, agents):
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(PASSWORD + "\n"))
    url = database.url
    if database.schema:
        pytest.skip("the CLI takes a URL; schema-scoped PostgreSQL is covered by the store tests")
    assert cli(["--database-url", url, "agent-add", "lisi", "--name", "李四", "--password-stdin"]) == 0
    assert "lisi" in capsys.readouterr().out
    assert agents.login("lisi", PASSWORD).agent is not None
    assert cli(["--database-url", url, "agents"]) == 0
    assert "李四" in capsys.readouterr().out


def wrong_logins(agents, username, times, device_key=None):
    for _ in range(times):
        outcome = agents.login(username, "wrong password", device_key=device_key)
        assert outcome.agent is None and outcome.retry_after is None


def test_strangers_slow_down_unknown_devices_and_never_the_agents_own(agents, clock):
    agents.create_agent("zhangsan", "张三", PASSWORD)
    device = agents.login("zhangsan", PASSWORD).device_key  # the agent's own browser
    policy = throttle.POLICIES[throttle.Scope.LOGIN]
    wrong_logins(agents, "zhangsan", policy.free_failures)
    refused = agents.login("zhangsan", PASSWORD)  # a new device, even with the right password, waits
    assert refused.agent is None and refused.retry_after == policy.first_delay
    assert agents.login("zhangsan", PASSWORD, device_key=device).agent is not None  # the known one never
    clock.advance(seconds=policy.first_delay.total_seconds())
    assert agents.login("zhangsan", "wrong password").retry_after is None  # it may try again, and fails
    assert agents.login("zhangsan", PASSWORD).retry_after == policy.first_delay * 2  # the wait doubles
    for _ in range(40):  # however long the attack goes on
        clock.advance(seconds=policy.max_delay.total_seconds())
        agents.login("zhangsan", "wrong password")
        assert agents.login("zhangsan", PASSWORD, device_key=device).agent is not None
    assert agents.login("zhangsan", PASSWORD).retry_after == policy.max_delay  # it never grows past its cap
    clock.advance(seconds=policy.max_delay.total_seconds())
    assert agents.login("zhangsan", PASSWORD).agent is not None  # the owner, on a new device, after the wait
    wrong_logins(agents, "zhangsan", policy.free_failures)  # that success cleared the count


def test_the_devices_own_failures_and_an_unknown_username_are_answered_alike(agents):
    agents.create_agent("zhangsan", "张三", PASSWORD)
    device = agents.login("zhangsan", PASSWORD).device_key
    wrong_logins(agents, "zhangsan", 20, device_key=device)  # the per-address limit stops this (web)
    assert agents.login("zhangsan", PASSWORD).agent is not None  # counted for no other device
    policy = throttle.POLICIES[throttle.Scope.LOGIN]
    for username in ("zhangsan", "nobody"):
        wrong_logins(agents, username, policy.free_failures)
        assert agents.login(username, "wrong password").retry_after == policy.first_delay


def test_a_new_password_makes_every_known_device_unknown(agents):
    agents.create_agent("zhangsan", "张三", PASSWORD)
    device = agents.login("zhangsan", PASSWORD).device_key
    agents.set_password("zhangsan", "another password")
    wrong_logins(agents, "zhangsan", throttle.POLICIES[throttle.Scope.LOGIN].free_failures)
    assert agents.login("zhangsan", "another password", device_key=device).retry_after is not None


def test_disabling_an_agent_puts_their_cases_back_in_the_queue(agents, queue):
    agents.create_agent("zhangsan", "张三", PASSWORD)
    case = queue.open_handoff(conversation_id="conv-1", reason="requested").case
    queue.claim(case.case_no, agent="zhangsan")
    agents.set_active("zhangsan", False)
    requeued = queue.get_handoff(case.case_no)
    assert requeued.status.value == "queued" and requeued.assignee is None
    assert queue.claim(case.case_no, agent="lisi").assignee == "lisi"
