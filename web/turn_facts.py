"""What became of each merchant message, read off the events of its turn: the row the insights
count (tickets.models.TurnFact). The tracker store writes them with the events, in one transaction.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import List, Optional, Sequence, Text

from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, UserUttered

from actions.faq_topics import NOT_COVERED
from runtime.clock import shanghai_date
from shapes.masking import redact
from tickets import models as m
from web.feedback import ANSWER_PREFIX, FEEDBACK_INTENTS

RETRIEVAL_INTENT = "faq"
# What decides a turn's outcome, most telling first: an action the turn ran, else a response it
# uttered (the two-stage fallback utters its ask-back and rephrase request without an action of
# their own).
OUTCOME_BY_ACTION = {
    "action_default_fallback": "not_understood",  # the second miss: handed to a person
    "action_hand_off": "handoff",
}
OUTCOME_BY_RESPONSE = {
    "utter_ask_affirmation": "ask_back",  # 「您是想问…」
    "utter_ask_rephrase": "fallback",
    "utter_default": "fallback",
    "utter_out_of_scope": "out_of_scope",
    f"{ANSWER_PREFIX}{NOT_COVERED}": "not_covered",
}


def _topic(user: UserUttered) -> Optional[Text]:
    key = (user.intent or {}).get("full_retrieval_intent_name") or ""
    if key.startswith(f"{RETRIEVAL_INTENT}/"):
        return key.split("/", 1)[1]
    for entity in user.entities or []:
        if entity.get("entity") == "topic":
            return str(entity.get("value"))[: m.LABEL_LEN]
    return None


def _outcome(user: UserUttered, answers: List[Event]) -> Text:
    intent = (user.intent or {}).get("name")
    if intent is None:
        return "to_agent"  # said while a person had the conversation (no NLU)
    if intent in FEEDBACK_INTENTS:
        return FEEDBACK_INTENTS[intent]
    actions = [e.action_name for e in answers if isinstance(e, ActionExecuted)]
    for action, outcome in OUTCOME_BY_ACTION.items():
        if action in actions:
            return outcome
    uttered = [(e.metadata or {}).get("utter_action") or "" for e in answers if isinstance(e, BotUttered)]
    for response, outcome in OUTCOME_BY_RESPONSE.items():
        if response in uttered:
            return outcome
    if any(u.startswith(ANSWER_PREFIX) for u in uttered):
        return "answered"
    return "other"  # forms, small talk, status queries…


def facts(conversation_id: Text, events: Sequence[Event], new_from: int = 0) -> List[m.TurnFact]:
    """One row per merchant message in `events[new_from:]` (a turn's new events, in order).
    `events` may start earlier, with the session's first events: a message is marked as opening a
    conversation when no merchant message came before it in its session."""
    rows: List[m.TurnFact] = []
    turn: List[Event] = []
    user: Optional[UserUttered] = None
    opens = False  # whether `user` is the first merchant message of its session
    said_in_session = False

    def close() -> None:
        if user is None or not (user.text or "").strip():
            return
        at = datetime.fromtimestamp(user.timestamp, timezone.utc)
        rows.append(
            m.TurnFact(
                conversation_id=conversation_id,
                at=at,
                day=shanghai_date(at),
                opens_conversation=opens,
                outcome=_outcome(user, turn),
                intent=((user.intent or {}).get("name") or None),
                topic=_topic(user),
                confidence=(user.intent or {}).get("confidence"),
                text=redact(user.text)[: m.FACT_TEXT_LEN],
            )
        )

    for index, event in enumerate(events):
        if isinstance(event, SessionStarted):
            said_in_session = False
        if index < new_from:
            said_in_session = said_in_session or isinstance(event, UserUttered)
            continue
        if isinstance(event, UserUttered):
            close()
            user, turn, opens = event, [], not said_in_session
            said_in_session = True
        else:
            turn.append(event)
    close()
    return rows
