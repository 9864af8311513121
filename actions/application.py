"""After the application form: summary and confirmation, corrections, submission."""
from __future__ import annotations

import hashlib
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import form_values
from actions.deregistration_form import OUTCOME_SLOT, STOPPED
from actions.form_support import ATTEMPTS_SLOT
from actions.ticket_service import apologise_unavailable, ticket_store, with_owned
from tickets.errors import StoreUnavailable, TerminalAlreadyDeregistered, TerminalHasOpenTicket
from tickets.privacy import mask_merchant_no, mask_phone
from tickets.statuses import Reason, ReturnMethod

ANSWER_SLOTS = (
    "merchant_no", "terminal_sn", "phone", "reason", "reason_detail",
    "balance_cleared", "proceed_with_balance", "return_method",
)
# Featurised: rules only take a yes at the summary as "submit" while a summary is waiting.
CONFIRMATION_SLOT = "awaiting_confirmation"
APPLICATION_SLOTS = (*ANSWER_SLOTS, OUTCOME_SLOT, ATTEMPTS_SLOT, CONFIRMATION_SLOT)
# Other outcomes (too many misses, a duplicate, the store down) were explained by the form itself.
OUTCOME_REPLIES = {STOPPED: "utter_transfer_balance_first"}


def reset_application() -> List[Dict[Text, Any]]:
    return [SlotSet(slot, None) for slot in APPLICATION_SLOTS if slot != CONFIRMATION_SLOT] + [
        SlotSet(CONFIRMATION_SLOT, False)
    ]


def summary_fields(tracker: Tracker) -> Dict[Text, Text]:
    reason = Reason(tracker.get_slot("reason"))
    detail = tracker.get_slot("reason_detail")
    return {
        "merchant_no": mask_merchant_no(tracker.get_slot("merchant_no")),
        "terminal_sn": tracker.get_slot("terminal_sn"),
        "phone": mask_phone(tracker.get_slot("phone")),
        "reason": f"{reason.label}（{detail}）" if detail else reason.label,
        "balance": "已全部转出" if tracker.get_slot("balance_cleared") else "尚未全部转出",
        "return_method": ReturnMethod(tracker.get_slot("return_method")).label,
    }


class ActionConcludeApplication(Action):
    """Ends the form: a summary to confirm, or why nothing will be submitted."""

    def name(self) -> Text:
        return "action_conclude_application"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        outcome = tracker.get_slot(OUTCOME_SLOT)
        if outcome:
            if OUTCOME_REPLIES.get(outcome):
                dispatcher.utter_message(response=OUTCOME_REPLIES[outcome])
            return reset_application()
        events = self._corrections(tracker)
        for event in events:
            tracker.slots[event["name"]] = event["value"]
        dispatcher.utter_message(response="utter_application_summary", **summary_fields(tracker))
        return events + [SlotSet(CONFIRMATION_SLOT, True)]

    @staticmethod
    def _corrections(tracker: Tracker) -> List[Dict[Text, Any]]:
        """A merchant correcting the reason or return method at the summary, in words."""
        if (tracker.latest_message.get("intent") or {}).get("name") != "inform":
            return []
        text = tracker.latest_message.get("text")
        method = form_values.return_method_in(text)
        events = [SlotSet("return_method", method.value)] if method else []
        reason, detail = form_values.reason_in(text)
        if reason is not Reason.OTHER:
            events += [SlotSet("reason", reason.value), SlotSet("reason_detail", None)]
        return events


def idempotency_key(tracker: Tracker) -> Text:
    """Same conversation, same details → same key, so a replayed confirmation opens nothing new."""
    parts = [tracker.sender_id] + [str(tracker.get_slot(s)) for s in ANSWER_SLOTS]
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
            ticket = existing.ticket
            template = ("utter_terminal_has_open_ticket" if isinstance(existing, TerminalHasOpenTicket)
                        else "utter_terminal_already_deregistered")
            dispatcher.utter_message(response=template, ticket_no=ticket.ticket_no,
                                     status=ticket.status_label, terminal_sn=ticket.terminal_sn)
            return reset_application()
        except (StoreUnavailable, ValueError) as error:
            apologise_unavailable(dispatcher, error)
            return []  # keep the answers: asking again for 我要注销 completes the form at once
        ticket = result.ticket
        dispatcher.utter_message(
            response="utter_application_submitted", ticket_no=ticket.ticket_no,
            phone=ticket.masked_phone, return_method=ticket.return_method.label,
        )
        return reset_application() + [SlotSet(k, v) for k, v in with_owned(tracker, ticket.ticket_no).items()]


class ActionStopApplication(Action):
    """The merchant quits the form or declines the summary: nothing is submitted."""

    def name(self) -> Text:
        return "action_stop_application"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(response="utter_application_stopped")
        return reset_application()
