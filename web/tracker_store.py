"""Rasa's SQL tracker store on the project's database (DATABASE_URL, default var/zhuxiao.db), so
conversations survive restarts and the console reads transcripts from the same place.

Three changes to Rasa's store: the engine is the project's (connect and statement timeouts, SQLite
busy timeout and WAL, parameters hidden from error messages), and the blocking database work runs
in a bounded pool with a time limit instead of on the event loop — a slow or unreachable database
costs one conversation a Chinese notice, not the whole server its answers. And each turn's
outcome is written beside its events (web/turn_facts.py) for the insights.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Text, Type

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.utils.common import all_subclasses
from sqlalchemy.orm import sessionmaker

from tickets.calls import BlockingCalls
from tickets.db import database_url, make_engine
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
        self._calls = BlockingCalls("tracker-store", workers=TRACKER_WORKERS)

    async def keys(self) -> Iterable[Text]:
        return await self._calls.run(self._keys)

    def _keys(self) -> Iterable[Text]:
        with self.session_scope() as session:
            return [sender_id for (sender_id,) in session.query(self.SQLEvent.sender_id).distinct().all()]

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        return await self._calls.run(self._retrieve_events, sender_id, fetch_events_from_all_sessions)

    def _retrieve_events(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            serialised = [data for (data,) in query.with_entities(self.SQLEvent.data)]  # not whole rows
        if not (self.domain and serialised):
            return None
        events = deserialise_events(json.loads(data) for data in serialised)
        return DialogueStateTracker.from_events(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        await self._calls.run(self._save_events, tracker)

    def _save_events(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as session:
            new_events = list(self._additional_events(session, tracker))
            for event in new_events:
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            # What became of each merchant message, for the insights: with the events, or not at all.
            events = list(tracker.events)
            session.add_all(turn_facts.facts(tracker.sender_id, events, len(events) - len(new_events)))
            session.commit()
