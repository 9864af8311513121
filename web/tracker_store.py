"""Rasa's SQL tracker store on the project's database (DATABASE_URL, default var/zhuxiao.db), so
conversations survive restarts and the console reads transcripts from the same place.

Changes to Rasa's store: the engine is the project's (connect and statement timeouts, SQLite busy
timeout and WAL, parameters hidden from error messages); the blocking database work runs in bounded
pools with a time limit instead of on the event loop — a slow or unreachable database costs one
conversation a Chinese notice, not the whole server its answers; each turn's outcome is written
beside its events (web/turn_facts.py) for the insights; and a turn's read and write cost less (the
same queries prebuilt, events' classes looked up once, one SQLite writer at a time: bench profile).
"""

from __future__ import annotations

import itertools
import json
import logging
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Dict, Iterable, Iterator, List, Optional, Text, Type

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.utils.common import all_subclasses
from sqlalchemy import Table, bindparam, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from runtime.calls import BlockingCalls
from tickets.db import database_url, make_engine, unavailable_as_store_error
from tickets.errors import StoreTimedOut
from web import turn_facts

log = logging.getLogger(__name__)
TRACKER_WORKERS = 8  # conversations read or written at once by this process


@lru_cache(maxsize=1)
def _event_classes() -> Dict[Text, Type[Event]]:
    """Event type name → class. Rasa finds the class by walking every subclass of Event for each
    event it reads: in a long conversation that walk was the largest part of reading the tracker
    (bench profile). The first class Rasa's walk would find wins here too."""
    return {cls.type_name: cls for cls in reversed(all_subclasses(Event))}


def deserialise_events(serialised: Iterable[Dict[Text, Any]]) -> List[Event]:
    """rasa.shared.core.events.deserialise_events, with the class lookup above."""
    classes = _event_classes()
    events = []
    for data in serialised:
        known = classes.get(data.get("event"))
        event = known._from_parameters(data) if known else Event.from_parameters(data)  # Rasa's rules otherwise
        if event:
            events.append(event)
    return events


class _EventStatements:
    """Rasa's event queries (SQLTrackerStore._event_query: the conversation's events from its latest
    session start on), built once as SQL expressions. Rasa builds them per call with the ORM; under
    load that Python work, done with the single SQLite writer waiting, was most of a save."""

    def __init__(self, events: Table) -> None:
        sender = events.c.sender_id == bindparam("sender_id")
        session_start = (
            select(func.max(events.c.timestamp))
            .where(sender, events.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        in_session = or_(events.c.timestamp >= session_start, session_start.is_(None))
        self.all_data = select(events.c.data).where(sender).order_by(events.c.id)
        self.session_data = self.all_data.where(in_session)
        self.session_count = select(func.count()).select_from(events).where(sender, in_session)
        self.insert = events.insert()


def _row(sender_id: Text, event: Event) -> Dict[Text, Any]:
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


class ProjectSQLTrackerStore(SQLTrackerStore):
    """endpoints.yml: `tracker_store: {type: web.tracker_store.ProjectSQLTrackerStore}`."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        url = host or database_url()
        # SQLTrackerStore takes a full URL in `host` and creates its tables on that engine.
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        self.engine.dispose()
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(bind=self.engine)
        self._calls = BlockingCalls("tracker-store", workers=TRACKER_WORKERS, timeout_error=StoreTimedOut)
        # SQLite has one writer at a time: concurrent saves wait in its busy handler, which sleeps
        # in steps of up to 100 ms (40 % of the server's busy samples under load, bench profile).
        # Queued in one thread instead, each starts as soon as the previous one commits.
        sqlite = self.engine.dialect.name == "sqlite"
        self._writes = (
            BlockingCalls("tracker-store-writes", workers=1, timeout_error=StoreTimedOut) if sqlite else self._calls
        )
        self._statements = _EventStatements(self.SQLEvent.__table__)

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """Rasa's session scope; a database that cannot be reached raises StoreUnavailable, which the
        chat, the console and the pages answer in Chinese (not a raw driver error and a 500)."""
        with unavailable_as_store_error(), super().session_scope() as session:
            yield session

    async def keys(self) -> Iterable[Text]:
        return await self._calls.run(self._keys)

    def _keys(self) -> Iterable[Text]:
        with self.session_scope() as session:
            return [sender_id for (sender_id,) in session.query(self.SQLEvent.sender_id).distinct().all()]

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        return await self._calls.run(self._retrieve_events, sender_id, fetch_events_from_all_sessions)

    def _retrieve_events(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        read = self._statements.all_data if fetch_events_from_all_sessions else self._statements.session_data
        with self.session_scope() as session:
            serialised = list(session.execute(read, {"sender_id": sender_id}).scalars())
        if not (self.domain and serialised):
            return None
        events = deserialise_events(json.loads(data) for data in serialised)
        return DialogueStateTracker.from_events(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        await self._writes.run(self._save_events, tracker)

    def _save_events(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as session:
            stored = session.execute(self._statements.session_count, {"sender_id": tracker.sender_id}).scalar_one()
            new_events = list(itertools.islice(tracker.events, stored, None))  # as Rasa's _additional_events
            if new_events:
                session.execute(self._statements.insert, [_row(tracker.sender_id, e) for e in new_events])
            # What became of each merchant message, for the insights: with the events, or not at all.
            events = list(tracker.events)
            session.add_all(turn_facts.facts(tracker.sender_id, events, len(events) - len(new_events)))
            session.commit()
