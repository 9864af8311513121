"""The back office as one object: the three stores on one Database, and the bounded pools that
async code calls them through (runtime.calls). One per process, made by back_office()."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, TypeVar

from runtime.calls import CALL_TIMEOUT_S, BlockingCalls
from runtime.clock import Clock, utc_now
from tickets.agents import AgentDirectory
from tickets.db import Database
from tickets.errors import StoreTimedOut
from tickets.handoff import HandoffQueue
from tickets.store import TicketStore

T = TypeVar("T")
STORE_WORKERS = 8  # database calls at once per process (the engine's pool holds 5 + 10 overflow)
HASHING_WORKERS = 2  # password checks (scrypt, ~16 MB and tens of ms each) never take the store's threads


@dataclass(frozen=True)
class BackOffice:
    db: Database
    tickets: TicketStore
    queue: HandoffQueue
    agents: AgentDirectory
    calls: BlockingCalls
    hashing: BlockingCalls

    @classmethod
    def open(
        cls, url: Optional[str] = None, *, clock: Clock = utc_now, timeout: float = CALL_TIMEOUT_S
    ) -> "BackOffice":
        return cls.on(Database.from_url(url, clock=clock), timeout=timeout)

    @classmethod
    def on(cls, db: Database, *, timeout: float = CALL_TIMEOUT_S) -> "BackOffice":
        queue = HandoffQueue(db)
        return cls(
            db=db,
            tickets=TicketStore(db),
            queue=queue,
            agents=AgentDirectory(db, queue),
            calls=BlockingCalls("store", workers=STORE_WORKERS, timeout=timeout, timeout_error=StoreTimedOut),
            hashing=BlockingCalls("hashing", workers=HASHING_WORKERS, timeout=timeout, timeout_error=StoreTimedOut),
        )

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """A store call from async code, bounded in threads and time (StoreUnavailable on timeout)."""
        return await self.calls.run(fn, *args, **kwargs)

    def close(self, *, wait: bool = True) -> None:
        self.calls.close(wait=wait)
        self.hashing.close(wait=wait)
        self.db.dispose()


_office: Optional[BackOffice] = None


def back_office() -> BackOffice:
    """This process's back office, opened on first use from DATABASE_URL (so a database that is
    down does not stop a server from starting)."""
    global _office
    if _office is None:
        _office = BackOffice.open()
    return _office


def use_back_office(office: Optional[BackOffice]) -> None:
    """Point this process at another back office (tests; None: DATABASE_URL again on next use)."""
    global _office
    _office = office
