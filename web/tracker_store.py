"""Rasa's SQL tracker store on the project's database (DATABASE_URL, default var/zhuxiao.db), so
conversations survive restarts and the console reads transcripts from the same place."""
from __future__ import annotations

from typing import Any, Optional, Text

from rasa.core.brokers.broker import EventBroker
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain

from tickets.db import database_url


class ProjectSQLTrackerStore(SQLTrackerStore):
    """endpoints.yml: `tracker_store: {type: web.tracker_store.ProjectSQLTrackerStore}`."""

    def __init__(
        self, domain: Optional[Domain] = None, host: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None, **kwargs: Any,
    ) -> None:
        # SQLTrackerStore takes a full URL in `host`.
        super().__init__(domain=domain, host=host or database_url(), event_broker=event_broker, **kwargs)
        # Errors must not quote event rows in logs: they hold what merchants typed.
        self.engine.dispose()
        self.engine = sa.create_engine(self.engine.url, hide_parameters=True, **create_engine_kwargs(self.engine.url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
