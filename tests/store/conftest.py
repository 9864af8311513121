"""Store tests run on SQLite (a migrated temp file) and on PostgreSQL (a fresh, migrated schema
per test, dropped afterwards). PostgreSQL comes from TEST_DATABASE_URL; without it those
parameters are skipped."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterator

import pytest
from sqlalchemy.engine import Engine

from tests.conftest import Database
from tickets.agents import AgentDirectory
from tickets.db import Database as StoreDatabase
from tickets.handoff import HandoffQueue
from tickets.store import TicketStore
from tickets.views import TicketView

# 10:00 in Shanghai on 27 November 2026.
START = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)


class FakeClock:
    """Time stands still unless a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def engine(database: Database) -> Iterator[Engine]:
    engine = database.make_engine()
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def db(engine: Engine, clock: FakeClock) -> StoreDatabase:
    return StoreDatabase(engine, clock=clock)


@pytest.fixture
def store(db: StoreDatabase) -> TicketStore:
    return TicketStore(db)


@pytest.fixture
def queue(db: StoreDatabase) -> HandoffQueue:
    return HandoffQueue(db)


@pytest.fixture
def agents(db: StoreDatabase, queue: HandoffQueue) -> AgentDirectory:
    return AgentDirectory(db, queue)


def _application(**overrides: Any) -> Dict[str, Any]:
    """Keyword arguments for open_deregistration; each call gets a new idempotency key."""
    values: Dict[str, Any] = dict(
        merchant_no="862014937715503",
        terminal_sn="QR5507781294",
        phone="13812345678",
        reason="no_longer_used",
        reason_detail="门店不做了",
        balance_cleared=True,
        conversation_id="conv-1",
        idempotency_key=f"test-{uuid.uuid4().hex}",
    )
    values.update(overrides)
    return values


@pytest.fixture
def application() -> Callable[..., Dict[str, Any]]:
    return _application


@pytest.fixture
def open_ticket(store: TicketStore) -> Callable[..., TicketView]:
    def _open(**overrides: Any) -> TicketView:
        result = store.open_deregistration(**_application(**overrides))
        assert result.created
        return result.ticket

    return _open
