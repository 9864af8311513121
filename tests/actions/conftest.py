"""Actions run with rasa_sdk's own Tracker and CollectingDispatcher against a real ticket store."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.ticket_service import use_store
from tests.conftest import Database
from tickets.store import AsyncTicketStore, TicketStore

DOMAIN = yaml.safe_load((Path(__file__).parents[2] / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def store(database: Database) -> Iterator[TicketStore]:
    engine = database.make_engine()
    store = TicketStore(engine)
    async_store = AsyncTicketStore(store, timeout=5)
    use_store(async_store)
    yield store
    use_store(None)
    async_store.close()
    engine.dispose()


@pytest.fixture
def store_down() -> Iterator[None]:
    """A database that refuses connections (nothing listens on port 1)."""
    down = AsyncTicketStore.from_url("postgresql+psycopg2://postgres@127.0.0.1:1/test", timeout=5)
    use_store(down)
    yield
    use_store(None)
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
    all_slots = {name: None for name in DOMAIN["slots"]}
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
