"""After the application form: summary and confirmation, corrections, submission."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import form_values
from actions.deregistration_form import STOPPED
from actions.form_support import UNAVAILABLE, reset, say_existing_ticket
from actions.ticket_service import apologise_unavailable, with_owned
from dialogue.names import APPLICATION_ANSWERS, APPLICATION_SLOTS, CustomAction, Form, Intent, Response, Slot
from runtime.metrics import TICKETS_OPENED
from shapes.masking import mask_merchant_no, mask_phone
from tickets.errors import StoreUnavailable, TerminalAlreadyDeregistered, TerminalHasOpenTicket, TicketError
from tickets.office import back_office
from tickets.statuses import Reason

# Other outcomes (too many misses, a duplicate, the store down) were explained by the form itself.
OUTCOME_REPLIES = {STOPPED: Response.TRANSFER_BALANCE_FIRST}
# Values entities can change at the summary, and how to read them back.
CORRECTABLE = {
    Slot.MERCHANT_NO: form_values.merchant_no_in,
    Slot.TERMINAL_SN: form_values.terminal_sn_in,
    Slot.PHONE: form_values.phone_in,
}


def reset_application() -> List[Dict[Text, Any]]:
    return reset(APPLICATION_SLOTS)


def summary_fields(values: Dict[Text, Any]) -> Dict[Text, Text]:
    reason = Reason(values[Slot.REASON])
    detail = values.get(Slot.REASON_DETAIL)
    return {
        "masked_merchant_no": mask_merchant_no(values[Slot.MERCHANT_NO]),
        "terminal_sn": values[Slot.TERMINAL_SN],
        "masked_phone": mask_phone(values[Slot.PHONE]),
        "reason_label": f"{reason.label}（{detail}）" if detail else reason.label,
        "balance": "已全部转出" if values.get(Slot.BALANCE_CLEARED) else "尚未全部转出",
    }


def _invalid_corrections(tracker: Tracker) -> List[Text]:
    """Slots an entity changed at the summary to something the form would not accept."""
    invalid = []
    for slot, parse in CORRECTABLE.items():
        value = tracker.get_slot(slot)
        card = slot != Slot.MERCHANT_NO and form_values.contains_card_number(str(value))
        if value is None or card or parse(str(value)) is None:
            invalid.append(slot)
    return invalid


def _worded_reason(tracker: Tracker) -> Optional[Reason]:
    """A reason corrected in words at the summary ("原因是店关了")."""
    if (tracker.latest_message.get("intent") or {}).get("name") != Intent.INFORM:
        return None
    text = tracker.latest_message.get("text") or ""
    return form_values.recognised_reason(text) if "原因" in text else None


class ActionConcludeApplication(Action):
    """Ends the form: a summary to confirm, or why nothing will be submitted."""

    def name(self) -> Text:
        return CustomAction.CONCLUDE_APPLICATION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        outcome = tracker.get_slot(Slot.APPLICATION_OUTCOME)
        if outcome == UNAVAILABLE:
            # The answers are kept: asking again (我要注销) resumes the form where it stopped.
            return [SlotSet(Slot.APPLICATION_OUTCOME, None), SlotSet(Slot.AWAITING_CONFIRMATION, False)]
        if outcome:
            if OUTCOME_REPLIES.get(outcome):
                dispatcher.utter_message(response=OUTCOME_REPLIES[outcome])
            return reset_application()
        invalid = _invalid_corrections(tracker)
        if invalid:
            # A correction the form would refuse (a card number as a serial, say): ask again.
            dispatcher.utter_message(response=Response.CORRECTION_NOT_ACCEPTED)
            return [SlotSet(slot, None) for slot in invalid] + [
                SlotSet(Slot.AWAITING_CONFIRMATION, False),
                FollowupAction(Form.DEREGISTRATION),
            ]
        values = {slot: tracker.get_slot(slot) for slot in APPLICATION_ANSWERS}
        events: List[Dict[Text, Any]] = []
        reason = _worded_reason(tracker)
        if reason is not None:
            values.update({Slot.REASON: reason.value, Slot.REASON_DETAIL: None})
            events += [SlotSet(Slot.REASON, reason.value), SlotSet(Slot.REASON_DETAIL, None)]
        dispatcher.utter_message(response=Response.APPLICATION_SUMMARY, **summary_fields(values))
        application_id = tracker.get_slot(Slot.APPLICATION_ID) or uuid.uuid4().hex
        return events + [SlotSet(Slot.APPLICATION_ID, application_id), SlotSet(Slot.AWAITING_CONFIRMATION, True)]


def idempotency_key(tracker: Tracker) -> Text:
    """Same summary confirmed twice (a retry, a double click) → same key → the same ticket."""
    parts = [tracker.sender_id, str(tracker.get_slot(Slot.APPLICATION_ID))]
    parts += [str(tracker.get_slot(slot)) for slot in APPLICATION_ANSWERS]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


class ActionSubmitDeregistration(Action):
    def name(self) -> Text:
        return CustomAction.SUBMIT_DEREGISTRATION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        office = back_office()
        try:
            result = await office.run(
                office.tickets.open_deregistration,
                merchant_no=tracker.get_slot(Slot.MERCHANT_NO),
                terminal_sn=tracker.get_slot(Slot.TERMINAL_SN),
                phone=tracker.get_slot(Slot.PHONE),
                reason=tracker.get_slot(Slot.REASON),
                reason_detail=tracker.get_slot(Slot.REASON_DETAIL),
                balance_cleared=bool(tracker.get_slot(Slot.BALANCE_CLEARED)),
                conversation_id=tracker.sender_id,
                idempotency_key=idempotency_key(tracker),
            )
        except (TerminalHasOpenTicket, TerminalAlreadyDeregistered) as existing:
            say_existing_ticket(dispatcher, existing.ticket, existing.ticket.terminal_sn)
            return reset_application()
        except (StoreUnavailable, TicketError, ValueError) as error:
            apologise_unavailable(dispatcher, error, response=Response.APPLICATION_STORE_UNAVAILABLE)
            # The answers are kept: asking again (我要注销) completes the form at once.
            return [SlotSet(Slot.AWAITING_CONFIRMATION, False)]
        ticket = result.ticket
        if result.created:
            TICKETS_OPENED.inc()
        dispatcher.utter_message(response=Response.APPLICATION_SUBMITTED, ticket_no=ticket.ticket_no)
        owned = with_owned(tracker, ticket.ticket_no)
        return reset_application() + [SlotSet(slot, value) for slot, value in owned.items()]


class ActionStopApplication(Action):
    """The merchant quits the form or declines the summary: nothing is submitted."""

    def name(self) -> Text:
        return CustomAction.STOP_APPLICATION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(response=Response.APPLICATION_STOPPED)
        return reset_application()
