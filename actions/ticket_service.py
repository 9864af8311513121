"""What every ticket action shares: the apology when the store is unavailable, and which tickets
this conversation may act on."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from dialogue.names import Response, Slot

log = logging.getLogger(__name__)


def apologise_unavailable(
    dispatcher: CollectingDispatcher, error: Exception, *, response: Text = Response.TICKET_STORE_UNAVAILABLE
) -> None:
    # Only the exception type is logged: messages and trackers may hold personal data.
    log.warning("ticket store unavailable: %s", type(error).__name__)
    dispatcher.utter_message(response=response)


def client_of(tracker: Tracker) -> Text:
    """Who is typing, as the web channel names their address (a keyed hash, never the address)."""
    return str((tracker.latest_message.get("metadata") or {}).get("client") or "unknown")


def owned_tickets(tracker: Tracker) -> List[Text]:
    """Tickets this conversation opened or proved it owns in this session."""
    return list(tracker.get_slot(Slot.OWNED_TICKETS) or [])


def with_owned(tracker: Tracker, ticket_no: Text) -> Dict[Text, Any]:
    return {Slot.OWNED_TICKETS: sorted({*owned_tickets(tracker), ticket_no})}
