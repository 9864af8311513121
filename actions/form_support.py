"""What both forms share: reading a typed answer for the slot asked, and three strikes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, Dict, Iterable, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction

from dialogue.names import Intent, Response, Slot
from tickets.views import TicketView

MAX_ATTEMPTS = 3
TOO_MANY_ERRORS = "too_many_errors"
UNAVAILABLE = "unavailable"  # the ticket store did not answer; the merchant has been told
# Messages with these intents are not answers: the form steps aside so rules can handle them.
NOT_AN_ANSWER = {
    Intent.FAQ,
    Intent.CANCEL_TICKET,
    Intent.REQUEST_HUMAN,
    Intent.COMPLAIN,
    Intent.CHECK_TICKET,
    Intent.GREET,
    Intent.BOT_CHALLENGE,
}
# Quitting beats everything, even text that looks like an answer ("不用了，取消吧").
ALWAYS_STEP_ASIDE = {Intent.CANCEL_TICKET}

Recogniser = Callable[[Optional[Text]], Any]


def _typed_extractor(slot: Text) -> Callable[..., Any]:
    async def extract(self: "GuardedFormValidationAction", dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self.raw(tracker, slot)

    extract.__name__ = f"extract_{slot}"
    return extract


class GuardedFormValidationAction(FormValidationAction, ABC):
    """A form's validation action that reads typed answers itself and gives up after three misses.

    Typed text is extracted here (custom slot mappings) rather than by Rasa's from_text, so text
    that is not a valid answer — a card number, say — never reaches a slot in Rasa's tracker: the
    raw text only lives on the action server's copy until validation replaces it. Each slot in
    `recognisers` gets its `extract_<slot>` method generated.
    """

    outcome_slot: Text  # set when the form must end early; the form then requires nothing more
    give_up_response: Text = Response.TOO_MANY_INVALID_ANSWERS
    not_answers: frozenset = frozenset(NOT_AN_ANSWER)
    # What an answer to a slot looks like: a recognisable answer is taken whatever NLU thought
    # of the message ("机器被冻结了" is an FAQ topic too, and a reason when a reason is asked).
    recognisers: Dict[Text, Recogniser] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for slot in cls.recognisers:
            if f"extract_{slot}" not in cls.__dict__:
                setattr(cls, f"extract_{slot}", _typed_extractor(slot))

    @abstractmethod
    def name(self) -> Text: ...

    def typed_answer(self, tracker: Tracker, slot: Text) -> Optional[Text]:
        """The merchant's raw text, if it answers the slot being asked for."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if tracker.get_slot(REQUESTED_SLOT) != slot or intent in ALWAYS_STEP_ASIDE:
            return None
        text = tracker.latest_message.get("text")
        recognise = self.recognisers.get(slot)
        if recognise and recognise(text) is not None:
            return text
        return None if intent in self.not_answers else text

    def raw(self, tracker: Tracker, slot: Text) -> Dict[Text, Any]:
        text = self.typed_answer(tracker, slot)
        return {slot: text} if text and tracker.get_slot(slot) is None else {}

    def strike(
        self, slot: Text, response: Text, dispatcher: CollectingDispatcher, tracker: Tracker, **fields: Any
    ) -> Dict[Text, Any]:
        """A miss: ask again saying what is expected, or after the third, end the form."""
        attempts = dict(tracker.get_slot(Slot.INVALID_ATTEMPTS) or {})
        attempts[slot] = attempts.get(slot, 0) + 1
        if attempts[slot] >= MAX_ATTEMPTS:
            dispatcher.utter_message(response=self.give_up_response)
            return {slot: None, Slot.INVALID_ATTEMPTS: attempts, self.outcome_slot: TOO_MANY_ERRORS}
        dispatcher.utter_message(response=response, **fields)
        return {slot: None, Slot.INVALID_ATTEMPTS: attempts}

    def store_unavailable(self, slot: Text) -> Dict[Text, Any]:
        return {slot: None, self.outcome_slot: UNAVAILABLE}


def reset(names: Iterable[Text]) -> List[Dict[Text, Any]]:
    """Clear a flow's slots; the featurised confirmation flag goes to False, not None."""
    return [SlotSet(name, None) for name in names if name != Slot.AWAITING_CONFIRMATION] + [
        SlotSet(Slot.AWAITING_CONFIRMATION, False)
    ]


def masked_ticket_no(ticket_no: Text) -> Text:
    """Enough to recognise one's own ticket (its date, its last two digits), not enough to look
    someone else's up."""
    return ticket_no[:10] + "****" + ticket_no[-2:]


def say_existing_ticket(dispatcher: CollectingDispatcher, ticket: TicketView, terminal_sn: Text) -> None:
    """A second application for a terminal: that one exists (number masked), and the offer of a
    person. Never its status: the serial alone proves nothing (it is printed on the device)."""
    dispatcher.utter_message(
        response=Response.TERMINAL_HAS_APPLICATION,
        masked_ticket_no=masked_ticket_no(ticket.ticket_no),
        terminal_sn=terminal_sn,
    )
