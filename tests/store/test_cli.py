"""The staff CLI end to end, as staff run it: `python -m tickets` in a subprocess, on SQLite."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tickets.office import BackOffice
from tickets.statuses import Actor, Status

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "tickets", *args],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
        )

    run.url = env["DATABASE_URL"]
    return run


def test_cli_end_to_end(cli, application):
    assert cli("migrate").returncode == 0
    store = BackOffice.open(cli.url).tickets
    ticket = store.open_deregistration(**application(phone="13812345678")).ticket
    number = ticket.ticket_no

    listing = cli("list")
    assert listing.returncode == 0, listing.stderr
    assert number in listing.stdout and "已提交" in listing.stdout and "138****5678" in listing.stdout
    assert "13812345678" not in listing.stdout
    assert number in cli("list", "--status", "已提交").stdout
    assert number not in cli("list", "--status", "completed").stdout
    assert number in cli("list", "--terminal", ticket.terminal_sn).stdout

    moved = cli("move", number, "in_review", "--staff", "王审核", "--note", "资料齐全")
    assert moved.returncode == 0, moved.stderr
    assert "审核中" in moved.stdout

    shown = cli("show", number.lower())
    assert shown.returncode == 0, shown.stderr
    for expected in [
        number,
        "审核中",
        "138****5678",
        "8620*******5503",
        "不再使用",
        "机器人 注销助手",
        "工作人员 王审核  已提交 → 审核中（资料齐全）",
    ]:
        assert expected in shown.stdout
    assert "13812345678" not in shown.stdout and "862014937715503" not in shown.stdout

    illegal = cli("move", number, "completed", "--staff", "王审核")
    assert illegal.returncode == 2
    assert "当前状态为「审核中」" in illegal.stderr

    unknown = cli("show", "ZX202611279999")
    assert unknown.returncode == 2 and "找不到工单" in unknown.stderr
    assert cli("move", "ZX202611279999", "rejected", "--staff", "王审核").returncode == 2

    history = store.history(number)
    assert [(h.actor_kind, h.actor_name, h.to_status) for h in history] == [
        (Actor.BOT, "注销助手", Status.SUBMITTED),
        (Actor.STAFF, "王审核", Status.IN_REVIEW),
    ]


def test_cli_lists_and_closes_waiting_cases(cli):
    assert cli("migrate").returncode == 0
    queue = BackOffice.open(cli.url).queue
    spam = [queue.open_handoff(conversation_id=f"spam-{n}", reason="requested").case.case_no for n in range(2)]
    listing = cli("cases", "--status", "排队中")
    assert listing.returncode == 0 and all(no in listing.stdout for no in spam)
    closed = cli("close-cases", "--all-waiting", "--staff", "李组长", "--note", "骚扰请求")
    assert closed.returncode == 0 and "已关闭 2 个" in closed.stdout
    assert cli("cases", "--status", "queued").stdout.strip() == "没有符合条件的会话"
    refused = cli("close-cases", spam[0], "--staff", "李组长")  # already closed: said, not an error
    assert refused.returncode == 0 and spam[0] in refused.stdout
