"""Opening tickets: numbers, idempotency, one open ticket per terminal, input bounds, reads."""

import logging
import re
from datetime import datetime, timezone

import pytest

from tickets import models as m
from tickets.errors import IdempotencyConflict, SequenceExhausted, TerminalAlreadyDeregistered, TerminalHasOpenTicket
from tickets.numbering import MAX_DAILY_SEQUENCE
from tickets.statuses import Actor, Reason, Status


def finish(store, ticket_no, last):
    steps = {
        Status.COMPLETED: [Status.IN_REVIEW, Status.AWAITING_DEVICE_RETURN, Status.COMPLETED],
        Status.REJECTED: [Status.REJECTED],
    }[last]
    for step in steps:
        store.move(ticket_no, step, actor_kind=Actor.STAFF, actor_name="李审核")


def test_ticket_fields_and_one_history_row(store, open_ticket, clock):
    ticket = open_ticket(terminal_sn="qr5507781294", reason=Reason.SHOP_CLOSED)
    assert re.fullmatch(r"ZX20261127\d{6}", ticket.ticket_no)
    assert ticket.terminal_sn == "QR5507781294"  # upper-cased: the open-ticket index compares exactly
    assert ticket.reason is Reason.SHOP_CLOSED
    assert (ticket.status, ticket.balance_cleared) == (Status.SUBMITTED, True)
    assert ticket.created_at == clock.now and ticket.created_at.tzinfo is not None
    assert (ticket.masked_phone, ticket.masked_merchant_no) == ("138****5678", "8620*******5503")
    assert "13812345678" not in repr(ticket) and "862014937715503" not in repr(ticket)
    [entry] = store.history(ticket.ticket_no)
    assert (entry.actor_kind, entry.from_status, entry.to_status) == (Actor.BOT, None, Status.SUBMITTED)


def test_numbers_follow_the_shanghai_day(store, open_ticket, clock):
    clock.now = datetime(2026, 11, 27, 15, 59, tzinfo=timezone.utc)  # 23:59 in Shanghai
    assert open_ticket(terminal_sn="SN00000001").ticket_no.startswith("ZX20261127")
    clock.advance(minutes=1)  # midnight in Shanghai, still 27 Nov in UTC
    assert open_ticket(terminal_sn="SN00000010").ticket_no.startswith("ZX20261128")


def test_numbers_cannot_be_guessed_from_the_last_one(store, open_ticket):
    numbers = [int(open_ticket(terminal_sn=f"SN{n:08d}").ticket_no[-6:]) for n in range(30)]
    steps = {b - a for a, b in zip(numbers, numbers[1:], strict=False)}
    assert len(set(numbers)) == 30 and steps != {1}  # not a sequence
    assert len(steps) > 20  # nor any other fixed step


def test_a_number_drawn_twice_is_drawn_again(store, open_ticket, monkeypatch):
    draws = iter([123456, 123456, 654321])
    monkeypatch.setattr("tickets.numbering.secrets.randbelow", lambda _: next(draws))
    first = open_ticket(terminal_sn="SN00000001")
    second = open_ticket(terminal_sn="SN00000002")  # collided with the first, then drew again
    assert (first.ticket_no, second.ticket_no) == ("ZX20261127123456", "ZX20261127654321")
    assert [t.ticket_no for t in store.list_tickets()] == [second.ticket_no, first.ticket_no]


def _set_counter(engine, day: str, value: int) -> None:
    with engine.begin() as connection:
        connection.execute(m.TicketSequence.__table__.insert().values(day=day, last_value=value))


def test_case_numbers_grow_past_9999_and_a_full_day_is_refused_cleanly(queue, engine, clock):
    _set_counter(engine, "RG261127", 9999)
    grown = queue.open_handoff(conversation_id="conv-grown", reason="requested").case.case_no
    assert grown == "RG2026112710000" and queue.get_handoff(grown).case_no == grown  # 5 digits: still a case
    clock.advance(days=1)
    _set_counter(engine, "RG261128", MAX_DAILY_SEQUENCE)
    with pytest.raises(SequenceExhausted) as refused:
        queue.open_handoff(conversation_id="conv-full", reason="requested")
    assert "编号已用完" in str(refused.value) and refused.value.http_status == 503


def test_idempotent_replay_returns_the_same_ticket(store, application):
    request = application(idempotency_key="conv-1:submit")
    first = store.open_deregistration(**request)
    again = store.open_deregistration(**request)
    assert first.created and not again.created
    assert again.ticket == first.ticket
    assert len(store.list_tickets()) == 1
    assert len(store.history(first.ticket.ticket_no)) == 1


def test_replay_wins_even_after_the_ticket_moved_on(store, application):
    request = application(idempotency_key="conv-1:submit")
    first = store.open_deregistration(**request)
    finish(store, first.ticket.ticket_no, Status.COMPLETED)
    again = store.open_deregistration(**request)
    assert not again.created and again.ticket.ticket_no == first.ticket.ticket_no


def test_replayed_key_with_other_details_is_refused(store, application):
    store.open_deregistration(**application(idempotency_key="k"))
    with pytest.raises(IdempotencyConflict):
        store.open_deregistration(**application(idempotency_key="k", terminal_sn="OTHER12345"))


def test_second_open_application_is_refused_with_the_existing_ticket(store, open_ticket, application, clock):
    first = open_ticket()
    store.move(first.ticket_no, Status.IN_REVIEW, actor_kind=Actor.STAFF, actor_name="李审核")
    with pytest.raises(TerminalHasOpenTicket) as refused:
        store.open_deregistration(**application(terminal_sn="qr5507781294"))
    assert refused.value.ticket.ticket_no == first.ticket_no
    assert refused.value.ticket.status is Status.IN_REVIEW
    assert first.ticket_no in str(refused.value) and "审核中" in str(refused.value)
    assert [t.ticket_no for t in store.list_tickets()] == [first.ticket_no]


@pytest.mark.parametrize("ending", ["withdraw", Status.REJECTED])
def test_can_apply_again_after_withdrawal_or_rejection(store, open_ticket, ending):
    first = open_ticket()
    if ending == "withdraw":
        store.withdraw(first.ticket_no, actor_name="张老板")
    else:
        finish(store, first.ticket_no, Status.REJECTED)
    second = open_ticket()
    assert second.ticket_no != first.ticket_no
    assert store.open_ticket_for_terminal("QR5507781294").ticket_no == second.ticket_no


def test_deregistered_terminal_is_refused(store, open_ticket, application):
    first = open_ticket()
    finish(store, first.ticket_no, Status.COMPLETED)
    with pytest.raises(TerminalAlreadyDeregistered) as refused:
        store.open_deregistration(**application())
    assert refused.value.ticket.ticket_no == first.ticket_no
    assert len(store.list_tickets()) == 1


def test_owns_checks_the_whole_phone(store, open_ticket):
    ticket = open_ticket(phone="13912345678")
    assert store.owns(ticket.ticket_no, "13912345678")
    assert store.owns(ticket.ticket_no.lower(), " 13912345678 ")
    assert not store.owns(ticket.ticket_no, "13912345679")
    assert not store.owns(ticket.ticket_no, "13812345678")  # same last 4, another phone
    assert not store.owns("ZX202611279999", "13912345678")  # unknown ticket: just "no"
    for malformed in ["5678", "1391234567", "１３９１２３４５６７８", "abcd"]:
        with pytest.raises(ValueError):
            store.owns(ticket.ticket_no, malformed)


def test_reads(store, open_ticket, clock):
    a = open_ticket(terminal_sn="SNAAAA0001")
    clock.advance(minutes=1)
    b = open_ticket(terminal_sn="SNBBBB0002")
    store.withdraw(a.ticket_no, actor_name="张老板")
    assert [t.ticket_no for t in store.list_tickets()] == [b.ticket_no, a.ticket_no]
    assert [t.ticket_no for t in store.list_tickets(status="withdrawn")] == [a.ticket_no]
    assert [t.ticket_no for t in store.list_tickets(terminal_sn="snbbbb0002")] == [b.ticket_no]
    assert [t.ticket_no for t in store.list_tickets(limit=1)] == [b.ticket_no]
    assert store.open_ticket_for_terminal("SNAAAA0001") is None
    assert store.open_ticket_for_terminal("SNBBBB0002").ticket_no == b.ticket_no
    assert store.get(b.ticket_no.lower()) == store.get(b.ticket_no)
    for limit in (0, 501):
        with pytest.raises(ValueError):
            store.list_tickets(limit=limit)


@pytest.mark.parametrize(
    "field, value",
    [
        ("merchant_no", "86201493771550"),  # 14 digits
        ("merchant_no", "８６２０１４９３７７１５５０３"),  # full-width digits
        ("phone", "12812345678"),
        ("phone", "1381234567"),
        ("phone", 13812345678),
        ("terminal_sn", "SN-12345"),
        ("terminal_sn", "SN123"),
        ("terminal_sn", "S" * 21),
        ("reason", "bored"),
        ("reason_detail", "长" * 201),
        ("balance_cleared", "yes"),
        ("conversation_id", "c" * 129),
        ("idempotency_key", ""),
        ("idempotency_key", "has space"),
        ("idempotency_key", "k" * 129),
    ],
)
def test_bad_input_is_refused(store, application, field, value):
    with pytest.raises(ValueError) as refused:
        store.open_deregistration(**application(**{field: value}))
    if isinstance(value, str) and len(value) > 5:
        assert value not in str(refused.value)  # messages never echo what was typed
    assert store.list_tickets() == []


def test_logs_never_hold_personal_numbers(store, application, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # as if someone turned on echo
    try:
        request = application(merchant_no="862014937715503", phone="13812345678")
        store.open_deregistration(**request)
        store.open_deregistration(**request)
        with pytest.raises(TerminalHasOpenTicket):
            store.open_deregistration(**application())
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    assert "ZX20261127" in caplog.text and "INSERT INTO tickets" in caplog.text
    assert "13812345678" not in caplog.text and "862014937715503" not in caplog.text
