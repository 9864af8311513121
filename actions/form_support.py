"""What both forms share: reading a typed answer for the slot asked, and three strikes."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, Dict, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

ATTEMPTS_SLOT = "invalid_attempts"
MAX_ATTEMPTS = 3
TOO_MANY_ERRORS = "too_many_errors"
UNAVAILABLE = "unavailable"  # the ticket store did not answer; the merchant has been told
# Messages with these intents are not answers: the form steps aside so rules can handle them.
NOT_AN_ANSWER = {"faq", "cancel_ticket", "request_human", "check_ticket", "greet", "bot_challenge"}


class GuardedFormValidationAction(FormValidationAction, ABC):
    """A form's validation action that reads typed answers itself and gives up after three misses.

    Typed text is extracted here (custom slot mappings) rather than by Rasa's from_text, so text
    that is not a valid answer — a card number, say — never reaches a slot in Rasa's tracker.
    """

    outcome_slot: Text  # set when the form must end early; the form then requires nothing more
    # What an answer to a slot looks like: a recognisable answer is taken whatever NLU thought
    # of the message ("机器被冻结了" is an FAQ topic too, and a reason when a reason is asked).
    recognisers: Dict[Text, Callable[[Optional[Text]], Any]] = {}

    @abstractmethod
    def name(self) -> Text:
        ...

    def typed_answer(self, tracker: Tracker, slot: Text) -> Optional[Text]:
        """The merchant's raw text, if it answers the slot being asked for."""
        if tracker.get_slot("requested_slot") != slot:
            return None
        text = tracker.latest_message.get("text")
        recognise = self.recognisers.get(slot)
        if recognise and recognise(text) is not None:
            return text
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        return None if intent in NOT_AN_ANSWER else text

    def raw(self, tracker: Tracker, slot: Text) -> Dict[Text, Any]:
        # Only on the action server's copy of the tracker: validation replaces it before Rasa sees it.
        text = self.typed_answer(tracker, slot)
        return {slot: text} if text and tracker.get_slot(slot) is None else {}

    def strike(self, slot: Text, response: Text, dispatcher: CollectingDispatcher, tracker: Tracker,
               **fields: Any) -> Dict[Text, Any]:
        """A miss: ask again saying what is expected, or after the third, end the form."""
        attempts = dict(tracker.get_slot(ATTEMPTS_SLOT) or {})
        attempts[slot] = attempts.get(slot, 0) + 1
        if attempts[slot] >= MAX_ATTEMPTS:
            dispatcher.utter_message(response="utter_too_many_invalid_answers")
            return {slot: None, ATTEMPTS_SLOT: attempts, self.outcome_slot: TOO_MANY_ERRORS}
        dispatcher.utter_message(response=response, **fields)
        return {slot: None, ATTEMPTS_SLOT: attempts}

    def store_unavailable(self, slot: Text) -> Dict[Text, Any]:
        return {slot: None, self.outcome_slot: UNAVAILABLE}
