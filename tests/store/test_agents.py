"""Agent accounts and console sessions."""

import pytest

from tickets import models as m
from tickets.agents import MAX_FAILED_LOGINS, SESSION_TTL, AgentError
from tickets.cli import main as cli

PASSWORD = "correct horse 9"


def test_login_with_the_right_password_only(agents, engine):
    agents.create_agent("zhangsan", "张三", PASSWORD)
    agent, token = agents.login("ZhangSan", PASSWORD)
    assert (agent.username, agent.display_name) == ("zhangsan", "张三")
    assert agents.agent_for_session(token) == agent
    assert agents.login("zhangsan", "wrong password") is None
    assert agents.login("nobody", PASSWORD) is None
    with engine.connect() as connection:  # neither the password nor the token is stored
        stored = connection.execute(m.Agent.__table__.select()).one().password_hash
        session_hash = connection.execute(m.AgentSession.__table__.select()).one().token_hash
    assert PASSWORD not in stored and stored.startswith("scrypt$") and token != session_hash


def test_sessions_expire_and_end_at_logout(agents, clock):
    agents.create_agent("zhangsan", "张三", PASSWORD)
    _, first = agents.login("zhangsan", PASSWORD)
    _, second = agents.login("zhangsan", PASSWORD)
    agents.logout(first)
    assert agents.agent_for_session(first) is None and agents.agent_for_session(second) is not None
    clock.advance(seconds=SESSION_TTL.total_seconds() + 1)
    assert agents.agent_for_session(second) is None
    assert agents.agent_for_session("forged-token") is None and agents.agent_for_session(None) is None


def test_online_means_seen_within_the_last_minute(agents, clock):
    agents.create_agent("zhangsan", "张三", PASSWORD)
    assert agents.online_count() == 0
    _, token = agents.login("zhangsan", PASSWORD)
    assert agents.online_count() == 1
    clock.advance(seconds=61)
    assert agents.online_count() == 0
    agents.agent_for_session(token)  # the console's heartbeat
    assert agents.online_count() == 1


def test_disabled_agents_and_new_passwords_end_sessions(agents):
    agents.create_agent("zhangsan", "张三", PASSWORD)
    _, token = agents.login("zhangsan", PASSWORD)
    agents.set_password("zhangsan", "another password")
    assert agents.agent_for_session(token) is None
    agents.set_active("zhangsan", False)
    assert agents.login("zhangsan", "another password") is None


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
    assert agents.login("lisi", PASSWORD) is not None
    assert cli(["--database-url", url, "agents"]) == 0
    assert "李四" in capsys.readouterr().out


def test_many_wrong_passwords_lock_the_account_for_a_while(agents, clock):
    agents.create_agent("zhangsan", "张三", PASSWORD)
    for _ in range(MAX_FAILED_LOGINS):
        assert agents.login("zhangsan", "wrong password") is None
    assert agents.login("zhangsan", PASSWORD) is None  # locked: the right password waits too
    clock.advance(minutes=16)
    assert agents.login("zhangsan", PASSWORD) is not None


def test_disabling_an_agent_puts_their_cases_back_in_the_queue(agents, queue):
    agents.create_agent("zhangsan", "张三", PASSWORD)
    case = queue.open_handoff(conversation_id="conv-1", reason="requested").case
    queue.claim(case.case_no, agent="zhangsan")
    agents.set_active("zhangsan", False)
    requeued = queue.get_handoff(case.case_no)
    assert requeued.status.value == "queued" and requeued.assignee is None
    assert queue.claim(case.case_no, agent="lisi").assignee == "lisi"
