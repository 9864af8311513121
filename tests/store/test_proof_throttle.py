"""Proving ownership with the whole phone number. Strangers cannot lock the owner out: the
conversation that applied (or proved before) is never slowed down, and every other device is slowed
per application number as typed, more with every failure — never locked for good, and told nothing
about whether the number exists. Kept in the database: it holds across processes and restarts."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlalchemy import func, select

from runtime.calls import BlockingCalls
from tickets import models as m
from tickets import throttle
from tickets.db import Database
from tickets.store import TicketStore

RIGHT, WRONG = "13912345678", "13912340000"  # the whole phone is the proof
APPLIED_FROM = "conv-applied"  # the conversation that applied
POLICY = throttle.POLICIES[throttle.Scope.PROOF]
FREE = POLICY.free_failures


@pytest.fixture
def ticket_no(open_ticket):
    return open_ticket(phone=RIGHT, conversation_id=APPLIED_FROM).ticket_no


def throttle_rows(engine):
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(m.Throttle)).scalar_one()


def guess_wrong(store, ticket_no, times, conversation_id=None):
    for _ in range(times):
        outcome = store.owns(ticket_no, WRONG, conversation_id=conversation_id)
        assert not outcome.owner and outcome.retry_after is None


def attack(store, clock, ticket_no, times):
    """A stranger guessing on and on, waiting out every delay."""
    for _ in range(times):
        outcome = store.owns(ticket_no, WRONG)
        if outcome.retry_after is not None:
            clock.advance(seconds=outcome.retry_after.total_seconds())
            outcome = store.owns(ticket_no, WRONG)
        assert not outcome.owner


def race(call, callers):
    barrier = Barrier(callers)

    def run(_):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=callers) as pool:
        return list(pool.map(run, range(callers)))


def test_a_few_wrong_guesses_cost_nothing(store, ticket_no):
    guess_wrong(store, ticket_no, FREE - 1)
    assert store.owns(ticket_no, RIGHT).owner  # from a new device, with the right phone


def test_then_new_devices_wait_and_the_wait_grows(store, clock, ticket_no):
    guess_wrong(store, ticket_no, FREE)
    refused = store.owns(ticket_no, RIGHT, conversation_id="conv-new-phone")
    assert not refused.owner and refused.retry_after == POLICY.first_delay  # told how long, not compared
    clock.advance(seconds=POLICY.first_delay.total_seconds() - 1)
    assert store.owns(ticket_no, RIGHT).protected
    clock.advance(seconds=1)
    guess_wrong(store, ticket_no, 1)
    assert store.owns(ticket_no, RIGHT).retry_after == POLICY.first_delay * 2
    for _ in range(30):
        clock.advance(seconds=POLICY.max_delay.total_seconds())
        guess_wrong(store, ticket_no, 1)
    assert store.owns(ticket_no, RIGHT).retry_after == POLICY.max_delay  # capped: never a lockout
    clock.advance(seconds=POLICY.max_delay.total_seconds())
    assert store.owns(ticket_no, RIGHT).owner


def test_the_conversation_that_applied_is_never_slowed_down(store, clock, ticket_no):
    attack(store, clock, ticket_no, FREE + 10)
    assert store.owns(ticket_no, RIGHT).protected
    assert store.owns(ticket_no, RIGHT, conversation_id=APPLIED_FROM).owner
    assert not store.owns(ticket_no, WRONG, conversation_id=APPLIED_FROM).protected  # its own slips, too


def test_a_device_that_proved_once_is_known_from_then_on(store, clock, ticket_no):
    assert store.owns(ticket_no, RIGHT, conversation_id="conv-owner-phone").owner
    attack(store, clock, ticket_no, FREE + 5)
    assert store.owns(ticket_no, RIGHT, conversation_id="conv-owner-phone").owner
    assert store.owns(ticket_no, RIGHT, conversation_id="conv-stranger").protected


def test_the_known_devices_own_failures_count_for_no_one_else(store, ticket_no):
    guess_wrong(store, ticket_no, FREE + 5, conversation_id=APPLIED_FROM)
    assert store.owns(ticket_no, RIGHT).owner


def test_a_known_device_of_one_ticket_is_a_stranger_to_another(store, open_ticket, ticket_no):
    other = open_ticket(terminal_sn="SNOTHER00002", phone="13900001111", conversation_id="conv-other").ticket_no
    guess_wrong(store, other, FREE)
    assert store.owns(other, "13900001111", conversation_id=APPLIED_FROM).protected
    assert store.owns(ticket_no, RIGHT).owner  # and the throttle is per ticket


def test_unknown_numbers_are_answered_exactly_like_real_ones(store, engine, ticket_no):
    unknown = "ZX20261127999999"
    outcomes = []
    for number in (unknown, ticket_no):
        for _ in range(FREE):
            outcomes.append(store.owns(number, WRONG))
        outcomes.append(store.owns(number, WRONG))
    assert outcomes[: FREE + 1] == outcomes[FREE + 1 :]  # same answers, same waits
    assert store.get(unknown) is None  # nothing about it was created but its throttle


def test_the_throttle_holds_for_a_new_store_on_the_same_database(store, engine, clock, ticket_no):
    guess_wrong(store, ticket_no, FREE)
    assert TicketStore(Database(engine, clock=clock)).owns(ticket_no, RIGHT).protected  # another replica


def test_old_failures_are_forgotten_and_their_rows_swept(store, engine, clock, open_ticket, ticket_no):
    guess_wrong(store, ticket_no, FREE - 1)
    clock.advance(seconds=POLICY.forget_after.total_seconds() + 1)
    guess_wrong(store, "ZX20261127000001", 1)  # any failure sweeps rows past their time
    assert throttle_rows(engine) == 1
    guess_wrong(store, ticket_no, FREE - 1)
    assert store.owns(ticket_no, RIGHT).owner


def test_proofs_write_no_history_and_leave_the_ticket_alone(store, clock, ticket_no):
    before = store.get(ticket_no)
    clock.advance(minutes=1)
    guess_wrong(store, ticket_no, FREE)
    assert store.owns(ticket_no, RIGHT, conversation_id=APPLIED_FROM).owner
    assert len(store.history(ticket_no)) == 1
    assert store.get(ticket_no) == before  # updated_at included: proofs are not lifecycle changes


def test_malformed_guesses_are_refused_and_not_counted(store, engine, ticket_no):
    for malformed in ["5678", "1381234567", "138123456789", "１３８１２３４５６７８", "abcd"] * 2:
        with pytest.raises(ValueError):
            store.owns(ticket_no, malformed)
    assert throttle_rows(engine) == 0


def test_concurrent_wrong_guesses_lose_no_count(store, ticket_no):
    callers = FREE + 3
    outcomes = race(lambda: store.owns(ticket_no, WRONG), callers)
    # One after another: the free ones were compared and counted, the rest met the wait they started.
    assert sorted(o.retry_after is None for o in outcomes) == [False] * 3 + [True] * FREE
    assert not any(o.owner for o in outcomes)
    assert store.owns(ticket_no, RIGHT).retry_after == POLICY.first_delay


def test_concurrent_first_failures_at_an_unknown_number_make_one_row(store, engine):
    callers = 8
    race(lambda: store.owns("ZX20261127123456", WRONG), callers)
    assert throttle_rows(engine) == 1


def test_calls_from_async_code_keep_the_throttle(store, ticket_no):
    async def scenario():
        calls = BlockingCalls("test", workers=2)
        try:
            for _ in range(FREE):
                assert not (await calls.run(store.owns, ticket_no, WRONG)).owner
            assert (await calls.run(store.owns, ticket_no, RIGHT)).protected
        finally:
            calls.close()

    asyncio.run(scenario())
