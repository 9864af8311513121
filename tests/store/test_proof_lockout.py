"""Proving ownership by the phone's last 4 digits: a per-ticket lockout, kept in the database, stops
anyone working through the 10,000 possible answers."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlalchemy import select

from tickets import models as m
from tickets.calls import BlockingCalls
from tickets.db import Database
from tickets.store import MAX_FAILED_PROOFS, PROOF_LOCKOUT, TicketStore

RIGHT, WRONG = "13912345678", "13912340000"  # the whole phone is the proof


@pytest.fixture
def ticket_no(open_ticket):
    return open_ticket(phone="13912345678").ticket_no


def proof_state(engine, ticket_no):
    """(failed_proofs, proofs_locked_until) as stored."""
    with engine.connect() as connection:
        return tuple(
            connection.execute(
                select(m.Ticket.failed_proofs, m.Ticket.proofs_locked_until).where(m.Ticket.ticket_no == ticket_no)
            ).one()
        )


def guess_wrong(store, ticket_no, times):
    for _ in range(times):
        assert not store.owns(ticket_no, WRONG)


def race(call, callers):
    barrier = Barrier(callers)

    def run(_):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=callers) as pool:
        return list(pool.map(run, range(callers)))


def test_limits():
    assert MAX_FAILED_PROOFS == 20  # per ticket, all clients; one client is stopped at 5 (rate limits)
    assert PROOF_LOCKOUT.total_seconds() == 30 * 60


def test_new_ticket_has_no_failed_proofs(engine, ticket_no):
    assert proof_state(engine, ticket_no) == (0, None)


def test_wrong_guesses_are_counted(store, engine, ticket_no):
    guess_wrong(store, ticket_no, MAX_FAILED_PROOFS - 1)
    assert proof_state(engine, ticket_no) == (MAX_FAILED_PROOFS - 1, None)
    assert store.owns(ticket_no, RIGHT)  # one short of the limit: still open


def test_too_many_wrong_guesses_lock_the_ticket(store, engine, clock, ticket_no):
    guess_wrong(store, ticket_no, MAX_FAILED_PROOFS)
    assert proof_state(engine, ticket_no) == (0, clock.now + PROOF_LOCKOUT)

    assert not store.owns(ticket_no, RIGHT)  # even the right phone
    assert not store.owns(ticket_no.lower(), f" {RIGHT} ")
    guess_wrong(store, ticket_no, 3)
    assert proof_state(engine, ticket_no) == (0, clock.now + PROOF_LOCKOUT)  # locked: nothing counted


def test_lock_holds_for_a_new_store_on_the_same_database(store, engine, clock, ticket_no):
    guess_wrong(store, ticket_no, MAX_FAILED_PROOFS)
    # Another process, after a restart: the lock lives in the database, not in the store object.
    assert not TicketStore(Database(engine, clock=clock)).owns(ticket_no, RIGHT)


def test_lock_lasts_thirty_minutes(store, engine, clock, ticket_no):
    guess_wrong(store, ticket_no, MAX_FAILED_PROOFS)

    clock.advance(minutes=29, seconds=59)
    assert not store.owns(ticket_no, RIGHT)
    clock.advance(seconds=1)  # exactly at proofs_locked_until: no longer in the future
    assert store.owns(ticket_no, RIGHT)
    assert proof_state(engine, ticket_no) == (0, None)


def test_after_the_lock_the_count_starts_again(store, engine, clock, ticket_no):
    guess_wrong(store, ticket_no, MAX_FAILED_PROOFS)
    clock.advance(minutes=30)

    guess_wrong(store, ticket_no, MAX_FAILED_PROOFS - 1)
    assert store.owns(ticket_no, RIGHT)
    guess_wrong(store, ticket_no, MAX_FAILED_PROOFS)
    assert not store.owns(ticket_no, RIGHT)
    assert proof_state(engine, ticket_no) == (0, clock.now + PROOF_LOCKOUT)


def test_success_resets_the_count(store, engine, ticket_no):
    almost = MAX_FAILED_PROOFS - 1
    guess_wrong(store, ticket_no, almost)
    assert store.owns(ticket_no, RIGHT)
    assert proof_state(engine, ticket_no) == (0, None)
    guess_wrong(store, ticket_no, almost)

    assert proof_state(engine, ticket_no) == (almost, None)  # never MAX_FAILED_PROOFS in a row
    assert store.owns(ticket_no, RIGHT)


def test_lockout_is_per_ticket(store, open_ticket, ticket_no):
    other = open_ticket(terminal_sn="SNOTHER00002", phone="13900001111").ticket_no
    guess_wrong(store, ticket_no, MAX_FAILED_PROOFS)
    assert not store.owns(ticket_no, RIGHT)
    assert store.owns(other, "13900001111")


def test_proofs_write_no_history_and_leave_the_ticket_alone(store, clock, ticket_no):
    before = store.get(ticket_no)
    clock.advance(minutes=1)
    guess_wrong(store, ticket_no, MAX_FAILED_PROOFS)
    clock.advance(minutes=31)
    assert store.owns(ticket_no, RIGHT)
    assert len(store.history(ticket_no)) == 1
    assert store.get(ticket_no) == before  # updated_at included: proofs are not lifecycle changes


def test_unknown_ticket_is_false_and_writes_nothing(store, engine, ticket_no):
    unknown = "ZX202611279999"
    for _ in range(MAX_FAILED_PROOFS + 1):
        assert not store.owns(unknown, RIGHT)
    assert store.get(unknown) is None
    assert proof_state(engine, ticket_no) == (0, None)  # the real ticket is untouched
    assert store.owns(ticket_no, RIGHT)


def test_malformed_guesses_are_refused_and_not_counted(store, engine, ticket_no):
    for malformed in ["5678", "1381234567", "138123456789", "１３８１２３４５６７８", "abcd"] * 2:
        with pytest.raises(ValueError):
            store.owns(ticket_no, malformed)
    assert proof_state(engine, ticket_no) == (0, None)


def test_concurrent_wrong_guesses_lose_no_count(store, engine, ticket_no):
    callers = MAX_FAILED_PROOFS - 1
    assert race(lambda: store.owns(ticket_no, WRONG), callers) == [False] * callers
    assert proof_state(engine, ticket_no) == (callers, None)  # every guess counted
    assert not store.owns(ticket_no, WRONG)  # the last one allowed
    assert not store.owns(ticket_no, RIGHT)


def test_more_concurrent_wrong_guesses_than_allowed_lock_the_ticket(store, engine, clock, ticket_no):
    callers = MAX_FAILED_PROOFS + 5
    assert race(lambda: store.owns(ticket_no, WRONG), callers) == [False] * callers
    # MAX_FAILED_PROOFS counted and locked; the others met the lock and changed nothing.
    assert proof_state(engine, ticket_no) == (0, clock.now + PROOF_LOCKOUT)
    assert not store.owns(ticket_no, RIGHT)


def test_calls_from_async_code_keep_the_lockout(store, ticket_no):
    async def scenario():
        calls = BlockingCalls("test", workers=2)
        try:
            for _ in range(MAX_FAILED_PROOFS):
                assert not await calls.run(store.owns, ticket_no, WRONG)
            assert not await calls.run(store.owns, ticket_no, RIGHT)
        finally:
            calls.close()

    asyncio.run(scenario())
