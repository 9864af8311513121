"""Status queries and withdrawals: find the ticket, prove ownership, then show or withdraw it.

The proof is the actions' own business: every action here acts only on a ticket in
`owned_tickets` — set only by actions, when this conversation applied for the ticket or proved
the whole phone number on it in this session — never on the message-filled `ticket_no` alone.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import form_values
from actions.form_support import NOT_AN_ANSWER, TOO_MANY_ERRORS, GuardedFormValidationAction, reset
from actions.ticket_service import apologise_unavailable, client_of, owned_tickets, with_owned
from dialogue.names import ACCESS_SLOTS, CustomAction, Intent, Response, Slot
from runtime.clock import SHANGHAI
from runtime.rate_limits import rate_limits
from tickets import throttle
from tickets.errors import IllegalTransition, StoreUnavailable, TicketError
from tickets.office import back_office
from tickets.statuses import Status, can_move
from tickets.views import TicketView

VERIFIED = "verified"  # stored instead of the number: the proof is not kept in a slot
NEXT_STEP = {
    Status.SUBMITTED: Response.NEXT_STEP_SUBMITTED,
    Status.IN_REVIEW: Response.NEXT_STEP_IN_REVIEW,
    Status.AWAITING_DEVICE_RETURN: Response.NEXT_STEP_AWAITING_DEVICE_RETURN,
    Status.COMPLETED: Response.NEXT_STEP_COMPLETED,
    Status.REJECTED: Response.NEXT_STEP_REJECTED,
    Status.WITHDRAWN: Response.NEXT_STEP_WITHDRAWN,
}


def reset_access() -> List[Dict[Text, Any]]:
    return reset(ACCESS_SLOTS)


class ValidateTicketAccessForm(GuardedFormValidationAction):
    outcome_slot = Slot.ACCESS_OUTCOME
    give_up_response = Response.TOO_MANY_INVALID_ACCESS_ANSWERS
    not_answers = frozenset(NOT_AN_ANSWER | {Intent.DENY})  # "算了不查了" leaves the form (rule)
    recognisers = {Slot.TICKET_NO: form_values.ticket_no_in, Slot.OWNERSHIP_PROOF: form_values.phone_in}

    def name(self) -> Text:
        return CustomAction.VALIDATE_TICKET_ACCESS_FORM

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot(Slot.ACCESS_OUTCOME):
            return []
        if tracker.get_slot(Slot.TICKET_NO) in owned_tickets(tracker):
            return [Slot.TICKET_NO]  # this conversation opened or already verified it
        return list(domain_slots)

    def validate_ticket_no(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        # Only the format here: whether the ticket exists is told to its owner only (next step).
        ticket_no = form_values.ticket_no_in(str(value))
        if ticket_no is None:
            return self.strike(Slot.TICKET_NO, Response.INVALID_TICKET_NO, dispatcher, tracker)
        # A different number than the one being proved needs its own proof.
        proved = tracker.get_slot(Slot.OWNERSHIP_PROOF) == VERIFIED and ticket_no in owned_tickets(tracker)
        return {Slot.TICKET_NO: ticket_no, **({} if proved else {Slot.OWNERSHIP_PROOF: None})}

    async def validate_ownership_proof(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        phone = form_values.phone_in(str(value))
        if phone is None:
            return self.strike(Slot.OWNERSHIP_PROOF, Response.INVALID_OWNERSHIP_PROOF, dispatcher, tracker)
        ticket_no = tracker.get_slot(Slot.TICKET_NO)
        client = client_of(tracker)
        limits = rate_limits()
        # A client that guessed wrong too often is refused before the store is asked, so it can
        # neither go on guessing nor run the ticket into its lockout for the real owner.
        if not (
            await limits.allows("proof_failures_per_client", client)
            and await limits.allows("proof_failures_per_ticket_and_client", ticket_no, client)
        ):
            dispatcher.utter_message(response=Response.PROOF_TRIES_EXHAUSTED)
            return {Slot.OWNERSHIP_PROOF: None, Slot.TICKET_NO: None, Slot.ACCESS_OUTCOME: TOO_MANY_ERRORS}
        office = back_office()
        try:
            # The conversation id names this browser (its signed chat cookie): if it applied for or
            # proved this ticket before, strangers' failures elsewhere never slow it down.
            proof = await office.run(office.tickets.owns, ticket_no, phone, conversation_id=tracker.sender_id)
        except StoreUnavailable as error:
            apologise_unavailable(dispatcher, error)
            return self.store_unavailable(Slot.OWNERSHIP_PROOF)
        if proof.retry_after is not None:
            # Said for any number typed, existing or not: it tells a stranger nothing.
            dispatcher.utter_message(response=Response.TICKET_PROTECTED, minutes=throttle.minutes(proof.retry_after))
            return {Slot.OWNERSHIP_PROOF: None, Slot.TICKET_NO: None, Slot.ACCESS_OUTCOME: TOO_MANY_ERRORS}
        if not proof.owner:
            await limits.hit("proof_failures_per_client", client)
            await limits.hit("proof_failures_per_ticket_and_client", ticket_no, client)
            # One answer for "no such ticket" and "wrong phone": no way to probe which numbers exist.
            return {
                **self.strike(Slot.OWNERSHIP_PROOF, Response.TICKET_OR_PHONE_MISMATCH, dispatcher, tracker),
                Slot.TICKET_NO: None,
            }
        return {Slot.OWNERSHIP_PROOF: VERIFIED, **with_owned(tracker, ticket_no)}


async def _granted_ticket(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[TicketView]:
    """The ticket asked about if this conversation owns it, else None after saying why."""
    if tracker.get_slot(Slot.ACCESS_OUTCOME):
        return None  # the form already explained (too many misses, or the store is down)
    ticket_no = tracker.get_slot(Slot.TICKET_NO)
    if ticket_no not in owned_tickets(tracker):
        dispatcher.utter_message(response=Response.TICKET_OR_PHONE_MISMATCH)
        return None
    office = back_office()
    try:
        ticket = await office.run(office.tickets.get, ticket_no)
    except StoreUnavailable as error:
        apologise_unavailable(dispatcher, error)
        return None
    if ticket is None:
        dispatcher.utter_message(response=Response.TICKET_OR_PHONE_MISMATCH)
    return ticket


class ActionShowTicketStatus(Action):
    def name(self) -> Text:
        return CustomAction.SHOW_TICKET_STATUS

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        ticket = await _granted_ticket(dispatcher, tracker)
        if ticket is not None:
            dispatcher.utter_message(
                response=Response.TICKET_STATUS,
                ticket_no=ticket.ticket_no,
                status=ticket.status_label,
                updated_at=ticket.updated_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            )
            dispatcher.utter_message(response=NEXT_STEP[ticket.status])
        return reset_access()


class ActionAskWithdrawConfirmation(Action):
    def name(self) -> Text:
        return CustomAction.ASK_WITHDRAW_CONFIRMATION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        ticket = await _granted_ticket(dispatcher, tracker)
        if ticket is None:
            return reset_access()
        if not can_move(ticket.status, Status.WITHDRAWN):
            dispatcher.utter_message(
                response=Response.WITHDRAWAL_REFUSED, ticket_no=ticket.ticket_no, status=ticket.status_label
            )
            return reset_access()
        dispatcher.utter_message(
            response=Response.ASK_WITHDRAW_CONFIRMATION, ticket_no=ticket.ticket_no, status=ticket.status_label
        )
        return [SlotSet(Slot.AWAITING_CONFIRMATION, True)]


class ActionWithdrawTicket(Action):
    def name(self) -> Text:
        return CustomAction.WITHDRAW_TICKET

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        ticket_no = tracker.get_slot(Slot.TICKET_NO)
        if ticket_no not in owned_tickets(tracker):
            dispatcher.utter_message(response=Response.TICKET_OR_PHONE_MISMATCH)
            return reset_access()
        office = back_office()
        try:
            ticket = await office.run(office.tickets.withdraw, ticket_no, actor_name=f"会话 {tracker.sender_id[:32]}")
        except IllegalTransition as refused:
            dispatcher.utter_message(
                response=Response.WITHDRAWAL_REFUSED, ticket_no=ticket_no, status=refused.current.label
            )
        except (StoreUnavailable, TicketError, ValueError) as error:
            apologise_unavailable(dispatcher, error)
        else:
            dispatcher.utter_message(
                response=Response.TICKET_WITHDRAWN, ticket_no=ticket.ticket_no, status=ticket.status_label
            )
        return reset_access()


class ActionKeepTicket(Action):
    def name(self) -> Text:
        return CustomAction.KEEP_TICKET

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(response=Response.WITHDRAWAL_KEPT, ticket_no=tracker.get_slot(Slot.TICKET_NO))
        return reset_access()


class ActionStopTicketAccess(Action):
    """The merchant gives up giving the ticket number or the phone digits."""

    def name(self) -> Text:
        return CustomAction.STOP_TICKET_ACCESS

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(response=Response.TICKET_ACCESS_STOPPED)
        return reset_access()
