"""Status queries and withdrawals: find the ticket, prove ownership, then show or withdraw it."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import form_values
from actions.application import CONFIRMATION_SLOT
from actions.form_support import ATTEMPTS_SLOT, NOT_AN_ANSWER, GuardedFormValidationAction, reset
from actions.ticket_service import apologise_unavailable, owned_tickets, ticket_store, with_owned
from tickets.errors import IllegalTransition, StoreUnavailable, TicketError
from tickets.statuses import Status, can_move
from tickets.store import SHANGHAI, TicketView

OUTCOME_SLOT = "access_outcome"
VERIFIED = "verified"  # stored instead of the digits: the phone's last 4 are not kept in the tracker
ACCESS_SLOTS = ("ticket_no", "phone_last4", OUTCOME_SLOT, ATTEMPTS_SLOT, CONFIRMATION_SLOT)
NEXT_STEP = {
    Status.SUBMITTED: "utter_next_step_submitted",
    Status.IN_REVIEW: "utter_next_step_in_review",
    Status.AWAITING_DEVICE_RETURN: "utter_next_step_awaiting_device_return",
    Status.COMPLETED: "utter_next_step_completed",
    Status.REJECTED: "utter_next_step_rejected",
    Status.WITHDRAWN: "utter_next_step_withdrawn",
}


def reset_access() -> List[Dict[Text, Any]]:
    return reset(ACCESS_SLOTS, CONFIRMATION_SLOT)


class ValidateTicketAccessForm(GuardedFormValidationAction):
    outcome_slot = OUTCOME_SLOT
    give_up_response = "utter_too_many_invalid_access_answers"
    not_answers = frozenset(NOT_AN_ANSWER | {"deny"})  # "算了不查了" leaves the form (rule)
    recognisers = {"ticket_no": form_values.ticket_no_in, "phone_last4": form_values.phone_last4_in}

    def name(self) -> Text:
        return "validate_ticket_access_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot(OUTCOME_SLOT):
            return []
        if tracker.get_slot("ticket_no") in owned_tickets(tracker):
            return ["ticket_no"]  # this conversation opened or already verified it
        return list(domain_slots)

    async def extract_ticket_no(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self.raw(tracker, "ticket_no")

    async def extract_phone_last4(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self.raw(tracker, "phone_last4")

    def validate_ticket_no(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        # Only the format here: whether the ticket exists is told to its owner only (next step).
        ticket_no = form_values.ticket_no_in(str(value))
        if ticket_no is None:
            return self.strike("ticket_no", "utter_invalid_ticket_no", dispatcher, tracker)
        return {"ticket_no": ticket_no}

    async def validate_phone_last4(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        last4 = form_values.phone_last4_in(str(value))
        if last4 is None:
            return self.strike("phone_last4", "utter_invalid_phone_last4", dispatcher, tracker)
        ticket_no = tracker.get_slot("ticket_no")
        try:
            owner = await ticket_store().owns(ticket_no, last4)
        except StoreUnavailable as error:
            apologise_unavailable(dispatcher, error)
            return self.store_unavailable("phone_last4")
        if not owner:
            # One answer for "no such ticket" and "wrong digits": no way to probe which numbers exist.
            return {**self.strike("phone_last4", "utter_ticket_or_phone_mismatch", dispatcher, tracker),
                    "ticket_no": None}
        return {"phone_last4": VERIFIED, **with_owned(tracker, ticket_no)}


async def _granted_ticket(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[TicketView]:
    """The verified ticket, or None after saying why there is none."""
    if tracker.get_slot(OUTCOME_SLOT):
        return None  # the form already explained (too many misses, or the store is down)
    try:
        ticket = await ticket_store().get(tracker.get_slot("ticket_no"))
    except StoreUnavailable as error:
        apologise_unavailable(dispatcher, error)
        return None
    if ticket is None:
        dispatcher.utter_message(response="utter_ticket_or_phone_mismatch")
    return ticket


class ActionShowTicketStatus(Action):
    def name(self) -> Text:
        return "action_show_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        ticket = await _granted_ticket(dispatcher, tracker)
        if ticket is not None:
            dispatcher.utter_message(
                response="utter_ticket_status", ticket_no=ticket.ticket_no, status=ticket.status_label,
                updated_at=ticket.updated_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            )
            dispatcher.utter_message(response=NEXT_STEP[ticket.status])
        return reset_access()


class ActionAskWithdrawConfirmation(Action):
    def name(self) -> Text:
        return "action_ask_withdraw_confirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        ticket = await _granted_ticket(dispatcher, tracker)
        if ticket is None:
            return reset_access()
        if not can_move(ticket.status, Status.WITHDRAWN):
            dispatcher.utter_message(response="utter_withdrawal_refused", ticket_no=ticket.ticket_no,
                                     status=ticket.status_label)
            return reset_access()
        dispatcher.utter_message(response="utter_ask_withdraw_confirmation", ticket_no=ticket.ticket_no,
                                 status=ticket.status_label)
        return [SlotSet(CONFIRMATION_SLOT, True)]


class ActionWithdrawTicket(Action):
    def name(self) -> Text:
        return "action_withdraw_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        ticket_no = tracker.get_slot("ticket_no")
        try:
            ticket = await ticket_store().withdraw(ticket_no, actor_name=f"会话 {tracker.sender_id[:32]}")
        except IllegalTransition as refused:
            dispatcher.utter_message(response="utter_withdrawal_refused", ticket_no=ticket_no,
                                     status=refused.current.label)
        except (StoreUnavailable, TicketError, ValueError) as error:
            apologise_unavailable(dispatcher, error)
        else:
            dispatcher.utter_message(response="utter_ticket_withdrawn", ticket_no=ticket.ticket_no,
                                     status=ticket.status_label)
        return reset_access()


class ActionKeepTicket(Action):
    def name(self) -> Text:
        return "action_keep_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(response="utter_withdrawal_kept", ticket_no=tracker.get_slot("ticket_no"))
        return reset_access()


class ActionStopTicketAccess(Action):
    """The merchant gives up giving the ticket number or the phone digits."""

    def name(self) -> Text:
        return "action_stop_ticket_access"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(response="utter_ticket_access_stopped")
        return reset_access()
