"""Moving tickets: the legal path, every illegal move, withdrawal, the audit trail."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tickets.errors import IllegalTransition, TicketNotFound
from tickets.statuses import TRANSITIONS, Actor, Status
from tickets.store import BOT_NAME

# The legal moves that reach each status from a fresh ticket.
PATH_TO = {
    Status.SUBMITTED: [],
    Status.IN_REVIEW: [Status.IN_REVIEW],
    Status.AWAITING_DEVICE_RETURN: [Status.IN_REVIEW, Status.AWAITING_DEVICE_RETURN],
    Status.COMPLETED: [Status.IN_REVIEW, Status.AWAITING_DEVICE_RETURN, Status.COMPLETED],
    Status.REJECTED: [Status.IN_REVIEW, Status.REJECTED],
    Status.WITHDRAWN: [Status.WITHDRAWN],
}


def bring_to(store, ticket_no, status):
    for step in PATH_TO[status]:
        store.move(ticket_no, step, actor_kind=Actor.STAFF, actor_name="李审核")


def test_full_lifecycle_writes_one_history_row_per_move(store, open_ticket, clock):
    ticket = open_ticket()
    assert ticket.status is Status.SUBMITTED and ticket.created_at == ticket.updated_at == clock.now

    steps = [Status.IN_REVIEW, Status.AWAITING_DEVICE_RETURN, Status.COMPLETED]
    for number, step in enumerate(steps, start=1):
        clock.advance(hours=1)
        moved = store.move(ticket.ticket_no, step, actor_kind="staff", actor_name="李审核", note=f"第{number}步")
        assert moved.status is step
        assert moved.updated_at == clock.now and moved.created_at == ticket.created_at
        assert len(store.history(ticket.ticket_no)) == number + 1

    history = store.history(ticket.ticket_no)
    assert [(h.from_status, h.to_status) for h in history] == [
        (None, Status.SUBMITTED),
        (Status.SUBMITTED, Status.IN_REVIEW),
        (Status.IN_REVIEW, Status.AWAITING_DEVICE_RETURN),
        (Status.AWAITING_DEVICE_RETURN, Status.COMPLETED),
    ]
    assert (history[0].actor_kind, history[0].actor_name) == (Actor.BOT, BOT_NAME)
    assert all(h.actor_kind is Actor.STAFF and h.actor_name == "李审核" for h in history[1:])
    assert [h.note for h in history[1:]] == ["第1步", "第2步", "第3步"]
    assert all(h.at.tzinfo is not None for h in history)
    final = store.get(ticket.ticket_no)
    assert final.status is Status.COMPLETED and not final.is_open


@pytest.mark.parametrize("current", list(Status), ids=lambda s: s.value)
def test_every_illegal_move_is_refused_and_writes_nothing(store, open_ticket, clock, current):
    ticket = open_ticket()
    bring_to(store, ticket.ticket_no, current)
    before, history_before = store.get(ticket.ticket_no), store.history(ticket.ticket_no)
    clock.advance(minutes=5)

    illegal = [target for target in Status if target not in TRANSITIONS[current]]
    assert current in illegal  # staying put is not a move
    for target in illegal:
        with pytest.raises(IllegalTransition, match=f"当前状态为「{current.label}」") as refused:
            store.move(ticket.ticket_no, target, actor_kind=Actor.STAFF, actor_name="李审核")
        assert (refused.value.current, refused.value.target) == (current, target)

    assert store.get(ticket.ticket_no) == before
    assert store.history(ticket.ticket_no) == history_before


@pytest.mark.parametrize("current", sorted(Status, key=lambda s: s.value), ids=lambda s: s.value)
def test_withdraw(store, open_ticket, current):
    ticket = open_ticket()
    bring_to(store, ticket.ticket_no, current)
    if current in (Status.COMPLETED, Status.REJECTED, Status.WITHDRAWN):
        reason = {Status.COMPLETED: "无法撤回", Status.REJECTED: "已被驳回", Status.WITHDRAWN: "无需重复"}
        with pytest.raises(IllegalTransition, match=reason[current]):
            store.withdraw(ticket.ticket_no, actor_name="张老板")
        return
    withdrawn = store.withdraw(ticket.ticket_no, actor_name="张老板")
    assert withdrawn.status is Status.WITHDRAWN
    last = store.history(ticket.ticket_no)[-1]
    assert (last.actor_kind, last.actor_name, last.from_status) == (Actor.MERCHANT, "张老板", current)


def test_unknown_ticket(store):
    with pytest.raises(TicketNotFound):
        store.move("ZX202611270999", Status.IN_REVIEW, actor_kind=Actor.STAFF, actor_name="李审核")
    with pytest.raises(TicketNotFound):
        store.history("ZX202611270999")
    assert store.get("ZX202611270999") is None


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(to_status="finished"),
        dict(actor_kind="robot"),
        dict(actor_name=""),
        dict(actor_name="名" * 65),
        dict(note="长" * 501),
        dict(ticket_no="ZX2026"),
    ],
)
def test_move_rejects_bad_input(store, open_ticket, kwargs):
    ticket = open_ticket()
    call = dict(ticket_no=ticket.ticket_no, to_status="in_review", actor_kind="staff", actor_name="李审核")
    call.update(kwargs)
    with pytest.raises(ValueError):
        store.move(call.pop("ticket_no"), call.pop("to_status"), **call)
    assert len(store.history(ticket.ticket_no)) == 1


def test_concurrent_moves_only_one_wins(store, open_ticket):
    ticket = open_ticket()
    barrier = Barrier(10)

    def review(n):
        barrier.wait()
        try:
            store.move(ticket.ticket_no, Status.IN_REVIEW, actor_kind=Actor.STAFF, actor_name=f"审核{n}")
            return "moved"
        except IllegalTransition:
            return "refused"

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(review, range(10)))
    assert sorted(outcomes) == ["moved"] + ["refused"] * 9
    assert len(store.history(ticket.ticket_no)) == 2


@pytest.mark.parametrize("statement", ["UPDATE ticket_history SET note = 'x'", "DELETE FROM ticket_history"])
def test_history_is_append_only_in_the_database(engine, open_ticket, statement):
    open_ticket()
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as connection:
            connection.execute(text(statement))
