"""The deregistration application form: what to ask, how to read answers, when to stop."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import form_values
from actions.form_support import GuardedFormValidationAction, say_existing_ticket
from actions.ticket_service import apologise_unavailable, ticket_store
from tickets.errors import StoreUnavailable
from tickets.privacy import redact

FORM_NAME = "deregistration_form"
OUTCOME_SLOT = "application_outcome"
STOPPED = "stopped"  # the merchant chose to transfer the balance first
DUPLICATE = "duplicate"  # the terminal already has an application; the form said which
UNCLEAR = "unclear"  # a yes/no question answered with something that is neither
INVALID_REPLIES = {
    "merchant_no": "utter_invalid_merchant_no",
    "terminal_sn": "utter_invalid_terminal_sn",
    "phone": "utter_invalid_phone",
    "return_method": "utter_invalid_return_method",
    "balance_cleared": "utter_invalid_yes_no",
    "proceed_with_balance": "utter_invalid_yes_no",
}


class ValidateDeregistrationForm(GuardedFormValidationAction):
    outcome_slot = OUTCOME_SLOT
    recognisers = {
        "merchant_no": form_values.merchant_no_in,
        "terminal_sn": form_values.terminal_sn_in,
        "phone": form_values.phone_in,
        "reason": form_values.recognised_reason,
        "balance_cleared": form_values.yes_no_in,
        "proceed_with_balance": form_values.yes_no_in,
        "return_method": form_values.return_method_in,
    }

    def name(self) -> Text:
        return "validate_deregistration_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot(OUTCOME_SLOT):
            return []
        if tracker.get_slot("balance_cleared") is False:
            return list(domain_slots)
        return [slot for slot in domain_slots if slot != "proceed_with_balance"]

    # --- extraction of typed answers (entities are mapped by Rasa itself) ---------------------

    async def extract_merchant_no(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self.raw(tracker, "merchant_no")

    async def extract_terminal_sn(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self.raw(tracker, "terminal_sn")

    async def extract_phone(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self.raw(tracker, "phone")

    async def extract_reason(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self.raw(tracker, "reason")

    async def extract_return_method(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self.raw(tracker, "return_method")

    async def extract_balance_cleared(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self._yes_no(tracker, "balance_cleared")

    async def extract_proceed_with_balance(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self._yes_no(tracker, "proceed_with_balance")

    def _yes_no(self, tracker: Tracker, slot: Text) -> Dict[Text, Any]:
        """Yes/no in words when NLU did not map affirm/deny (e.g. "还没有转出"); else a miss."""
        if tracker.get_slot(slot) is not None:
            return {}
        text = self.typed_answer(tracker, slot)
        if text is None:
            return {}
        answer = form_values.yes_no_in(text)
        return {slot: UNCLEAR if answer is None else answer}

    # --- validation ------------------------------------------------------------------------------

    def _checked(
        self, slot: Text, value: Any, parse: Callable[[Any], Any], dispatcher: CollectingDispatcher,
        tracker: Tracker, card_first: bool = True,
    ) -> Dict[Text, Any]:
        """The parsed value, or a miss. A card number is refused — except where the slot's own
        format wins: 15-digit merchant numbers pass Luhn about one time in ten."""
        parsed = parse(value)
        if not card_first and parsed is not None:
            return {slot: parsed}
        if form_values.contains_card_number(str(value)):
            return self.strike(slot, "utter_no_card_numbers", dispatcher, tracker)
        if parsed is not None:
            return {slot: parsed}
        return self.strike(slot, INVALID_REPLIES[slot], dispatcher, tracker)

    def validate_merchant_no(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self._checked("merchant_no", value, form_values.merchant_no_in, dispatcher, tracker, card_first=False)

    def validate_phone(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self._checked("phone", value, form_values.phone_in, dispatcher, tracker)

    def validate_return_method(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        result = self._checked("return_method", value, form_values.return_method_in, dispatcher, tracker)
        if result.get("return_method"):
            result["return_method"] = result["return_method"].value
        return result

    def validate_reason(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if form_values.contains_card_number(str(value)):
            return self.strike("reason", "utter_no_card_numbers", dispatcher, tracker)
        reason, detail = form_values.reason_in(str(value))
        # The merchant's own words are kept and shown back: never with a phone or card in them.
        return {"reason": reason.value, "reason_detail": redact(detail) if detail else None}

    async def validate_terminal_sn(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        result = self._checked("terminal_sn", value, form_values.terminal_sn_in, dispatcher, tracker)
        serial = result.get("terminal_sn")
        if not serial:
            return result
        try:
            existing = await ticket_store().blocking_ticket_for_terminal(serial)
        except StoreUnavailable as error:
            apologise_unavailable(dispatcher, error)
            return self.store_unavailable("terminal_sn")
        if existing is None:
            return result
        say_existing_ticket(dispatcher, existing, serial)
        return {"terminal_sn": serial, OUTCOME_SLOT: DUPLICATE}

    def validate_balance_cleared(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if value == UNCLEAR:
            return self.strike("balance_cleared", INVALID_REPLIES["balance_cleared"], dispatcher, tracker)
        return {"balance_cleared": bool(value)}

    def validate_proceed_with_balance(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if value == UNCLEAR:
            return self.strike("proceed_with_balance", INVALID_REPLIES["proceed_with_balance"], dispatcher, tracker)
        if value:
            return {"proceed_with_balance": True}
        return {"proceed_with_balance": False, OUTCOME_SLOT: STOPPED}
