"""What became of each merchant message, read off the events of its turn: the row the insights
count (tickets.models.TurnFact). The tracker store writes them with the events, in one transaction.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import List, Optional, Sequence, Text

from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, UserUttered

from dialogue.names import POLICY_ANSWER_PREFIX, CustomAction, Entity, Response, TurnOutcome, faq_label
from runtime.clock import shanghai_date
from shapes.masking import redact
from tickets import models as m
from web.feedback import FEEDBACK_INTENTS

TOPIC_PREFIX = faq_label("")  # "faq/": the full retrieval intent name of a policy question
# What decides a turn's outcome, most telling first: an action the turn ran, else a response it
# uttered (the two-stage fallback utters its ask-back and rephrase request without an action of
# their own).
OUTCOME_BY_ACTION = {
    CustomAction.DEFAULT_FALLBACK: TurnOutcome.NOT_UNDERSTOOD,  # the second miss: handed to a person
    CustomAction.HAND_OFF: TurnOutcome.HANDOFF,
}
OUTCOME_BY_RESPONSE = {
    Response.ASK_AFFIRMATION: TurnOutcome.ASK_BACK,  # 「您是想问…」
    Response.ASK_REPHRASE: TurnOutcome.FALLBACK,
    Response.DEFAULT: TurnOutcome.FALLBACK,
    Response.OUT_OF_SCOPE: TurnOutcome.OUT_OF_SCOPE,
    Response.NOT_COVERED: TurnOutcome.NOT_COVERED,
}


def _topic(user: UserUttered) -> Optional[Text]:
    key = (user.intent or {}).get("full_retrieval_intent_name") or ""
    if key.startswith(TOPIC_PREFIX):
        return key[len(TOPIC_PREFIX) :]
    for entity in user.entities or []:
        if entity.get("entity") == Entity.TOPIC:
            return str(entity.get("value"))[: m.LABEL_LEN]
    return None


def _outcome(user: UserUttered, answers: List[Event]) -> Text:
    intent = (user.intent or {}).get("name")
    if intent is None:
        return TurnOutcome.TO_AGENT  # said while a person had the conversation (no NLU)
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
    if any(u.startswith(POLICY_ANSWER_PREFIX) for u in uttered):
        return TurnOutcome.ANSWERED
    return TurnOutcome.OTHER  # forms, small talk, status queries…


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
