"""Handing a conversation to the support team.

The case lives in the back office, which the web channel checks on every message: the bot stays
silent while a case is queued or claimed. That check is the only switch (no ConversationPaused in
the tracker), so closing a case anywhere — console, staff CLI — gives the conversation back.
Requests are rate-limited per conversation and per client address, so one client cannot fill the
support team's queue.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop
from rasa_sdk.executor import CollectingDispatcher

from actions.ticket_service import client_of, owned_tickets
from dialogue.names import CustomAction, Intent, Response, Slot
from runtime.metrics import FALLBACKS, HANDOFFS
from runtime.rate_limits import rate_limits
from tickets.errors import StoreUnavailable, TicketError
from tickets.office import BackOffice, back_office
from tickets.statuses import HandoffReason
from tickets.views import TicketView

log = logging.getLogger(__name__)
REASON_BY_INTENT = {Intent.COMPLAIN: HandoffReason.COMPLAINT, Intent.REQUEST_HUMAN: HandoffReason.REQUESTED}


async def _linked_ticket(office: BackOffice, tracker: Tracker) -> Optional[TicketView]:
    """The newest deregistration ticket this conversation opened or proved it owns."""
    for ticket_no in sorted(owned_tickets(tracker), reverse=True):
        ticket = await office.run(office.tickets.get, ticket_no)
        if ticket is not None:
            return ticket
    return None


async def _within_limits(tracker: Tracker) -> bool:
    limits = rate_limits()
    return await limits.hit("handoffs_per_conversation", tracker.sender_id) and await limits.hit(
        "handoffs_per_client", client_of(tracker)
    )


async def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: HandoffReason) -> List[Dict[Text, Any]]:
    if not await _within_limits(tracker):
        log.warning("handoff refused: too many requests from one conversation or client")
        dispatcher.utter_message(response=Response.HANDOFF_TOO_OFTEN)
        return [ActiveLoop(None)]
    office = back_office()
    try:
        ticket = await _linked_ticket(office, tracker)
        phone = ticket.phone if ticket else tracker.get_slot(Slot.PHONE)
        opened = await office.run(
            office.queue.open_handoff,
            conversation_id=tracker.sender_id,
            reason=reason,
            linked_ticket_no=ticket.ticket_no if ticket else None,
            phone=phone,
        )
    except (TicketError, ValueError) as error:
        # A call abandoned on timeout may still queue the case in its thread; the web channel then
        # sends the merchant's next messages to the queue, where an agent sees them.
        log.warning("handoff not recorded: %s", type(error).__name__)
        dispatcher.utter_message(response=Response.HANDOFF_UNAVAILABLE)
        return [ActiveLoop(None)]  # as on every path: the merchant left the form by asking for a person
    if opened.created:
        HANDOFFS.labels(reason.value).inc()
    try:
        agents_online = await office.run(office.agents.online_count)
    except StoreUnavailable:
        agents_online = 0  # the case is queued either way; promise nothing about waiting time
    if agents_online:
        dispatcher.utter_message(response=Response.HANDOFF_QUEUED, position=opened.position)
    else:
        dispatcher.utter_message(response=Response.HANDOFF_NO_AGENT, position=opened.position)
        if opened.case.masked_phone:
            dispatcher.utter_message(response=Response.OFFER_CALLBACK, masked_phone=opened.case.masked_phone)
    # Leave any form: when the conversation comes back, the bot starts from a clean state.
    return [ActiveLoop(None)]


class ActionHandOff(Action):
    """The merchant asked for a person or complained."""

    def name(self) -> Text:
        return CustomAction.HAND_OFF

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        return await hand_off(dispatcher, tracker, REASON_BY_INTENT.get(intent, HandoffReason.REQUESTED))


class ActionHandOffAfterFallback(Action):
    """Replaces Rasa's last fallback step: after a second failed attempt, a person takes over."""

    def name(self) -> Text:
        return CustomAction.DEFAULT_FALLBACK

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        FALLBACKS.labels("handoff").inc()
        dispatcher.utter_message(response=Response.FALLBACK_HANDOFF)
        return await hand_off(dispatcher, tracker, HandoffReason.NOT_UNDERSTOOD)
