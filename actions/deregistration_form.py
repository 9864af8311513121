"""The deregistration application form: what to ask, how to read answers, when to stop."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import form_values
from actions.form_support import GuardedFormValidationAction, say_existing_ticket
from actions.ticket_service import apologise_unavailable
from dialogue.names import CustomAction, Response, Slot
from shapes.masking import redact
from shapes.numbers import READ_BEFORE_CARD
from tickets.errors import StoreUnavailable
from tickets.office import back_office

STOPPED = "stopped"  # the merchant chose to transfer the balance first
DUPLICATE = "duplicate"  # the terminal already has an application; the form said which
INVALID_REPLIES = {
    Slot.MERCHANT_NO: Response.INVALID_MERCHANT_NO,
    Slot.TERMINAL_SN: Response.INVALID_TERMINAL_SN,
    Slot.PHONE: Response.INVALID_PHONE,
    Slot.BALANCE_CLEARED: Response.INVALID_YES_NO,
    Slot.PROCEED_WITH_BALANCE: Response.INVALID_YES_NO,
}


class ValidateDeregistrationForm(GuardedFormValidationAction):
    outcome_slot = Slot.APPLICATION_OUTCOME
    recognisers = {
        Slot.MERCHANT_NO: form_values.merchant_no_in,
        Slot.TERMINAL_SN: form_values.terminal_sn_in,
        Slot.PHONE: form_values.phone_in,
        Slot.REASON: form_values.recognised_reason,
        Slot.BALANCE_CLEARED: form_values.yes_no_in,
        Slot.PROCEED_WITH_BALANCE: form_values.yes_no_in,
    }

    def name(self) -> Text:
        return CustomAction.VALIDATE_DEREGISTRATION_FORM

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot(Slot.APPLICATION_OUTCOME):
            return []
        if tracker.get_slot(Slot.BALANCE_CLEARED) is False:
            return list(domain_slots)
        return [slot for slot in domain_slots if slot != Slot.PROCEED_WITH_BALANCE]

    def _checked(
        self,
        slot: Text,
        value: Any,
        parse: Callable[[Any], Any],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> Dict[Text, Any]:
        """The parsed value, or a miss. A card number is refused — except where the slot's own
        format wins (shapes.numbers.READ_BEFORE_CARD: 15-digit merchant numbers pass Luhn about
        one time in ten)."""
        parsed = parse(value)
        if slot in READ_BEFORE_CARD and parsed is not None:
            return {slot: parsed}
        if form_values.contains_card_number(str(value)):
            return self.strike(slot, Response.NO_CARD_NUMBERS, dispatcher, tracker)
        if parsed is not None:
            return {slot: parsed}
        return self.strike(slot, INVALID_REPLIES[slot], dispatcher, tracker)

    def validate_merchant_no(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self._checked(Slot.MERCHANT_NO, value, form_values.merchant_no_in, dispatcher, tracker)

    def validate_phone(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self._checked(Slot.PHONE, value, form_values.phone_in, dispatcher, tracker)

    def validate_reason(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if form_values.contains_card_number(str(value)):
            return self.strike(Slot.REASON, Response.NO_CARD_NUMBERS, dispatcher, tracker)
        reason, detail = form_values.reason_in(str(value))
        # The merchant's own words are kept and shown back: never with a phone or card in them.
        return {Slot.REASON: reason.value, Slot.REASON_DETAIL: redact(detail) if detail else None}

    async def validate_terminal_sn(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        result = self._checked(Slot.TERMINAL_SN, value, form_values.terminal_sn_in, dispatcher, tracker)
        serial = result.get(Slot.TERMINAL_SN)
        if not serial:
            return result
        office = back_office()
        try:
            existing = await office.run(office.tickets.blocking_ticket_for_terminal, serial)
        except StoreUnavailable as error:
            apologise_unavailable(dispatcher, error, response=Response.APPLICATION_STORE_UNAVAILABLE)
            return self.store_unavailable(Slot.TERMINAL_SN)
        if existing is None:
            return result
        say_existing_ticket(dispatcher, existing, serial)
        return {Slot.TERMINAL_SN: serial, Slot.APPLICATION_OUTCOME: DUPLICATE}

    def _yes_no(self, slot: Text, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        """True/False from an affirm/deny mapping, or read from words ("还没有转出"); else a miss."""
        answer = value if isinstance(value, bool) else form_values.yes_no_in(str(value))
        if answer is None:
            return self.strike(slot, INVALID_REPLIES[slot], dispatcher, tracker)
        return {slot: answer}

    def validate_balance_cleared(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self._yes_no(Slot.BALANCE_CLEARED, value, dispatcher, tracker)

    def validate_proceed_with_balance(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        result = self._yes_no(Slot.PROCEED_WITH_BALANCE, value, dispatcher, tracker)
        if result.get(Slot.PROCEED_WITH_BALANCE) is False:
            result[Slot.APPLICATION_OUTCOME] = STOPPED
        return result
