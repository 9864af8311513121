"""Actions run with rasa_sdk's own Tracker and CollectingDispatcher against a real ticket store."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from runtime.rate_limits import rate_limits
from tests.conftest import Database
from tickets.db import Database as StoreDatabase
from tickets.office import BackOffice, use_back_office
from tickets.store import TicketStore

DOMAIN = yaml.safe_load((Path(__file__).parents[2] / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def office(database: Database) -> Iterator[BackOffice]:
    """The actions' back office on the test database."""
    office = BackOffice.on(StoreDatabase(database.make_engine()))
    use_back_office(office)
    rate_limits().reset()  # counters are per process: each test starts with none
    yield office
    use_back_office(None)
    office.close()


@pytest.fixture
def store(office: BackOffice) -> TicketStore:
    return office.tickets


@pytest.fixture
def store_down() -> Iterator[None]:
    """A database that refuses connections (nothing listens on port 1)."""
    down = BackOffice.open("postgresql+psycopg2://postgres@127.0.0.1:1/test")
    use_back_office(down)
    yield
    use_back_office(None)
    down.close(wait=False)


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    text: str = "",
    intent: str = "inform",
    sender: str = "conversation-1",
    form: Optional[str] = None,
    requested_slot: Optional[str] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    all_slots = dict.fromkeys(DOMAIN["slots"])
    all_slots.update(slots or {})
    all_slots["requested_slot"] = requested_slot
    message = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []}
    return Tracker(sender, all_slots, message, [], False, None, {"name": form} if form else {}, "action_listen")


def run(action: Action, tracker: Tracker) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """Run an action; returns (messages, events)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, events


def slots_set(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(messages: List[Dict[str, Any]]) -> List[str]:
    return [m.get("response") for m in messages]
