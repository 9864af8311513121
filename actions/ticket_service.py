"""The action server's one connection to the ticket store, and the reply when it is unavailable."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from tickets.agents import AgentDirectory
from tickets.store import AsyncTicketStore

log = logging.getLogger(__name__)

# Actions bound their own time (Rasa's action call timeout is 300 s, its conversation lock 60 s).
STORE_TIMEOUT_S = 5.0
OWNED_TICKETS_SLOT = "owned_tickets"


_store: Optional[AsyncTicketStore] = None


def ticket_store() -> AsyncTicketStore:
    """Created on first use from DATABASE_URL, so a database that is down does not stop the server."""
    global _store
    if _store is None:
        _store = AsyncTicketStore.from_url(timeout=STORE_TIMEOUT_S)
    return _store


def agent_directory() -> AgentDirectory:
    """Agent accounts over the same database (run its calls through ticket_store().call)."""
    return AgentDirectory(ticket_store().store)


def use_store(store: Optional[AsyncTicketStore]) -> None:
    """Point the actions at another store (tests; None: back to DATABASE_URL on next use)."""
    global _store
    _store = store


def apologise_unavailable(dispatcher: CollectingDispatcher, error: Exception) -> None:
    # Only the exception type is logged: messages and trackers may hold personal data.
    log.warning("ticket store unavailable: %s", type(error).__name__)
    dispatcher.utter_message(response="utter_ticket_store_unavailable")


def owned_tickets(tracker: Tracker) -> List[Text]:
    """Tickets this conversation opened or proved it owns (no need to ask for the phone again)."""
    return list(tracker.get_slot(OWNED_TICKETS_SLOT) or [])


def with_owned(tracker: Tracker, ticket_no: Text) -> Dict[Text, Any]:
    return {OWNED_TICKETS_SLOT: sorted({*owned_tickets(tracker), ticket_no})}
