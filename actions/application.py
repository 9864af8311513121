"""After the application form: summary and confirmation, corrections, submission."""
from __future__ import annotations

import hashlib
import uuid
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import form_values
from actions.deregistration_form import FORM_NAME, OUTCOME_SLOT, STOPPED
from actions.form_support import ATTEMPTS_SLOT, UNAVAILABLE, reset, say_existing_ticket
from actions.ticket_service import apologise_unavailable, ticket_store, with_owned
from tickets.errors import StoreUnavailable, TerminalAlreadyDeregistered, TerminalHasOpenTicket, TicketError
from tickets.privacy import mask_merchant_no, mask_phone
from tickets.statuses import Reason, ReturnMethod

ANSWER_SLOTS = (
    "merchant_no", "terminal_sn", "phone", "reason", "reason_detail",
    "balance_cleared", "proceed_with_balance", "return_method",
)
# Featurised: rules only take a yes at the summary as "submit" while a summary is waiting.
CONFIRMATION_SLOT = "awaiting_confirmation"
# One per summary: a replayed confirmation reuses it, a new application after a withdrawal does not.
APPLICATION_ID_SLOT = "application_id"
APPLICATION_SLOTS = (*ANSWER_SLOTS, OUTCOME_SLOT, ATTEMPTS_SLOT, APPLICATION_ID_SLOT, CONFIRMATION_SLOT)
# Other outcomes (too many misses, a duplicate, the store down) were explained by the form itself.
OUTCOME_REPLIES = {STOPPED: "utter_transfer_balance_first"}
# Values entities can change at the summary, and how to read them back.
CORRECTABLE = {
    "merchant_no": form_values.merchant_no_in,
    "terminal_sn": form_values.terminal_sn_in,
    "phone": form_values.phone_in,
}


def reset_application() -> List[Dict[Text, Any]]:
    return reset(APPLICATION_SLOTS, CONFIRMATION_SLOT)


def summary_fields(tracker: Tracker) -> Dict[Text, Text]:
    reason = Reason(tracker.get_slot("reason"))
    detail = tracker.get_slot("reason_detail")
    return {
        "masked_merchant_no": mask_merchant_no(tracker.get_slot("merchant_no")),
        "terminal_sn": tracker.get_slot("terminal_sn"),
        "masked_phone": mask_phone(tracker.get_slot("phone")),
        "reason_label": f"{reason.label}（{detail}）" if detail else reason.label,
        "balance": "已全部转出" if tracker.get_slot("balance_cleared") else "尚未全部转出",
        "return_method_label": ReturnMethod(tracker.get_slot("return_method")).label,
    }


def _invalid_corrections(tracker: Tracker) -> List[Text]:
    """Slots an entity changed at the summary to something the form would not accept."""
    invalid = []
    for slot, parse in CORRECTABLE.items():
        value = tracker.get_slot(slot)
        card = slot != "merchant_no" and form_values.contains_card_number(str(value))
        if value is None or card or parse(str(value)) is None:
            invalid.append(slot)
    return invalid


def _worded_corrections(tracker: Tracker) -> List[Dict[Text, Any]]:
    """A return method or reason corrected in words ("回收方式改成网点", "原因是店关了")."""
    if (tracker.latest_message.get("intent") or {}).get("name") != "inform":
        return []
    text = tracker.latest_message.get("text") or ""
    method = form_values.return_method_in(text)
    events = [SlotSet("return_method", method.value)] if method else []
    if "原因" in text:
        reason = form_values.recognised_reason(text)
        if reason is not None:
            events += [SlotSet("reason", reason.value), SlotSet("reason_detail", None)]
    return events


class ActionConcludeApplication(Action):
    """Ends the form: a summary to confirm, or why nothing will be submitted."""

    def name(self) -> Text:
        return "action_conclude_application"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        outcome = tracker.get_slot(OUTCOME_SLOT)
        if outcome == UNAVAILABLE:
            # The answers are kept: asking again (我要注销) resumes the form where it stopped.
            return [SlotSet(OUTCOME_SLOT, None), SlotSet(CONFIRMATION_SLOT, False)]
        if outcome:
            if OUTCOME_REPLIES.get(outcome):
                dispatcher.utter_message(response=OUTCOME_REPLIES[outcome])
            return reset_application()
        invalid = _invalid_corrections(tracker)
        if invalid:
            # A correction the form would refuse (a card number as a serial, say): ask again.
            dispatcher.utter_message(response="utter_correction_not_accepted")
            return [SlotSet(slot, None) for slot in invalid] + [
                SlotSet(CONFIRMATION_SLOT, False), FollowupAction(FORM_NAME)]
        events = _worded_corrections(tracker)
        for event in events:
            tracker.slots[event["name"]] = event["value"]
        dispatcher.utter_message(response="utter_application_summary", **summary_fields(tracker))
        application_id = tracker.get_slot(APPLICATION_ID_SLOT) or uuid.uuid4().hex
        return events + [SlotSet(APPLICATION_ID_SLOT, application_id), SlotSet(CONFIRMATION_SLOT, True)]


def idempotency_key(tracker: Tracker) -> Text:
    """Same summary confirmed twice (a retry, a double click) → same key → the same ticket."""
    parts = [tracker.sender_id, str(tracker.get_slot(APPLICATION_ID_SLOT))]
    parts += [str(tracker.get_slot(slot)) for slot in ANSWER_SLOTS]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


class ActionSubmitDeregistration(Action):
    def name(self) -> Text:
        return "action_submit_deregistration"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        try:
            result = await ticket_store().open_deregistration(
                merchant_no=tracker.get_slot("merchant_no"),
                terminal_sn=tracker.get_slot("terminal_sn"),
                phone=tracker.get_slot("phone"),
                reason=tracker.get_slot("reason"),
                reason_detail=tracker.get_slot("reason_detail"),
                balance_cleared=bool(tracker.get_slot("balance_cleared")),
                return_method=tracker.get_slot("return_method"),
                conversation_id=tracker.sender_id,
                idempotency_key=idempotency_key(tracker),
            )
        except (TerminalHasOpenTicket, TerminalAlreadyDeregistered) as existing:
            say_existing_ticket(dispatcher, existing.ticket, existing.ticket.terminal_sn)
            return reset_application()
        except (StoreUnavailable, TicketError, ValueError) as error:
            apologise_unavailable(dispatcher, error)
            # The answers are kept: asking again (我要注销) completes the form at once.
            return [SlotSet(CONFIRMATION_SLOT, False)]
        ticket = result.ticket
        dispatcher.utter_message(
            response="utter_application_submitted", ticket_no=ticket.ticket_no,
            return_method_label=ticket.return_method.label,
        )
        owned = with_owned(tracker, ticket.ticket_no)
        return reset_application() + [SlotSet(slot, value) for slot, value in owned.items()]


class ActionStopApplication(Action):
    """The merchant quits the form or declines the summary: nothing is submitted."""

    def name(self) -> Text:
        return "action_stop_application"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(response="utter_application_stopped")
        return reset_application()
