"""Async code calls the stores through BackOffice.run: the same answers as calling them directly,
a bounded wait when the database hangs, and a quick refusal when it is not there."""

import asyncio
import socket
import time
from contextlib import contextmanager

import pytest

from tickets.db import Database, write_engine
from tickets.errors import IllegalTransition, StoreUnavailable
from tickets.office import BackOffice
from tickets.statuses import Actor, Status


@contextmanager
def writes_blocked(engine):
    """Another transaction holds the lock that opening a ticket needs, until the block ends."""
    with write_engine(engine).connect() as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("LOCK TABLE tickets IN EXCLUSIVE MODE")
        # On SQLite the BEGIN IMMEDIATE that write_engine issues already holds the write lock.
        yield


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


def test_calls_from_async_code_give_the_same_answers(db: Database, application):
    office = BackOffice.on(db)

    async def scenario():
        tickets = office.tickets
        request = application(phone="13912340000")
        opened = await office.run(tickets.open_deregistration, **request)
        again = await office.run(tickets.open_deregistration, **request)
        number = opened.ticket.ticket_no
        assert opened.created and not again.created and again.ticket == opened.ticket
        assert await office.run(tickets.owns, number, "13912340000")
        assert not await office.run(tickets.owns, number, "13912340001")
        moved = await office.run(tickets.move, number, Status.IN_REVIEW, actor_kind=Actor.STAFF, actor_name="李审核")
        assert moved.status is Status.IN_REVIEW
        with pytest.raises(IllegalTransition):  # domain errors pass through unchanged
            await office.run(tickets.move, number, Status.COMPLETED, actor_kind=Actor.STAFF, actor_name="李审核")
        assert (await office.run(tickets.withdraw, number, actor_name="张老板")).status is Status.WITHDRAWN
        assert len(await office.run(tickets.history, number)) == 3

    try:
        asyncio.run(scenario())
    finally:
        office.calls.close()


def test_timeout_raises_store_unavailable_and_a_retry_is_safe(engine, db, store, application):
    office = BackOffice.on(db, timeout=0.2)
    request = application()
    with writes_blocked(engine):
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="超时"):
            asyncio.run(office.run(office.tickets.open_deregistration, **request))
        assert time.monotonic() - started < 2  # the database would have kept us waiting 5 s
    office.calls.close()  # the abandoned call goes through once the lock is released...

    retry = store.open_deregistration(**request)  # ...so the retry finds its ticket
    assert not retry.created
    assert len(store.list_tickets()) == 1


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(f"postgresql+psycopg2://postgres@127.0.0.1:{closed_port()}/zhuxiao", id="closed-port"),
        pytest.param("sqlite:////nonexistent-dir/zhuxiao.db", id="missing-sqlite-dir"),
    ],
)
def test_unreachable_database_is_unavailable_quickly(url):
    office = BackOffice.open(url)
    started = time.monotonic()
    try:
        with pytest.raises(StoreUnavailable):
            asyncio.run(office.run(office.tickets.get, "ZX202611270001"))
        with pytest.raises(StoreUnavailable):  # the direct call says the same
            office.tickets.list_tickets()
    finally:
        office.close(wait=False)
    assert time.monotonic() - started < 3
