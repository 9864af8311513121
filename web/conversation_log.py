"""Reading and writing Rasa conversations (trackers) for the handoff, inside the Rasa server.

While a person has the conversation, merchant and agent messages are appended to the tracker
directly — no NLU, no prediction — under Rasa's own per-conversation lock, so they sit in the same
transcript as the bot's turns and nothing races a bot turn in progress.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Set, Text

from rasa.core.agent import Agent
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationResumed,
    Event,
    SessionStarted,
    UserUttered,
)

from shapes.masking import redact
from tickets.views import HandoffCase
from web.desk import iso
from web.feedback import answered_topic, feedback_buttons

AGENT_KEY = "agent"  # BotUttered metadata of an agent's message: {"agent": {"username", "name"}}
SYSTEM_KEY = "system"  # BotUttered metadata of a notice from the web channel itself


async def _append(agent: Agent, conversation_id: Text, events: List[Event]) -> None:
    async with agent.lock_store.lock(conversation_id):
        tracker = await agent.processor.get_tracker(conversation_id)
        for event in events:
            tracker.update(event)
        await agent.processor.save_tracker(tracker)


async def record_merchant_message(agent: Agent, conversation_id: Text, text: Text) -> None:
    """A merchant message while handed off: stored as said, never parsed (so "/restart" is text).
    No pause event here: the database says who has the conversation, and a pause written after an
    agent's return would silence the bot for good."""
    await _append(agent, conversation_id, [UserUttered(text, input_channel="web_chat")])


async def record_agent_message(agent: Agent, conversation_id: Text, text: Text, username: Text, name: Text) -> None:
    await _append(
        agent, conversation_id, [BotUttered(text, metadata={AGENT_KEY: {"username": username, "name": name}})]
    )


async def record_notice(agent: Agent, conversation_id: Text, text: Text) -> None:
    await _append(agent, conversation_id, [BotUttered(text, metadata={SYSTEM_KEY: True})])


async def give_back_to_bot(agent: Agent, conversation_id: Text, notice: Text) -> None:
    """End the handoff in the tracker: resume, then a fresh session for the bot.

    The new session keeps the transcript but gives the policies a clean state (the handoff turns
    carry no intents) and drops slots, so ownership of a ticket must be proved again.
    """
    await _append(
        agent,
        conversation_id,
        [
            ConversationResumed(),
            BotUttered(notice, metadata={SYSTEM_KEY: True}),
            ActionExecuted(ACTION_SESSION_START_NAME),
            SessionStarted(),
            ActionExecuted(ACTION_LISTEN_NAME),
        ],
    )


def _iso(timestamp: Optional[float]) -> Text:
    return iso(datetime.fromtimestamp(timestamp, timezone.utc) if timestamp else None)


def _message(event: Event) -> Optional[Dict[Text, Any]]:
    if isinstance(event, UserUttered) and event.text:
        return {
            "from": "merchant",
            "text": redact(event.text),
            "agent": None,
            "buttons": [],
            "at": _iso(event.timestamp),
        }
    if isinstance(event, BotUttered) and (event.text or event.data.get("buttons")):
        metadata = event.metadata or {}
        by_agent = metadata.get(AGENT_KEY) or {}
        sender = "agent" if by_agent else "system" if metadata.get(SYSTEM_KEY) else "bot"
        buttons = [{"title": b.get("title"), "payload": b.get("payload")} for b in event.data.get("buttons") or []]
        return {
            "from": sender,
            "text": redact(event.text or ""),
            "agent": by_agent.get("name"),
            "buttons": buttons,
            "at": _iso(event.timestamp),
        }
    return None


async def transcript(agent: Agent, conversation_id: Text) -> List[Dict[Text, Any]]:
    """Every message of every session, oldest first, with numbers masked (the merchant's own page)."""
    tracker = await agent.tracker_store.retrieve_full_tracker(conversation_id)
    if tracker is None:
        return []
    return [m for m in (_message(e) for e in tracker.events) if m]


async def case_transcript(agent: Agent, case: HandoffCase) -> List[Dict[Text, Any]]:
    """What an agent may read of a case: from the start of the session in which the merchant asked
    for a person (what led to it) to the end of the case — no earlier visit, nothing said after."""
    tracker = await agent.tracker_store.retrieve_full_tracker(case.conversation_id)
    if tracker is None:
        return []
    opened, ended = case.created_at.timestamp(), case.ended_at.timestamp() if case.ended_at else None
    starts = [e.timestamp for e in tracker.events if isinstance(e, SessionStarted) and e.timestamp <= opened]
    since = max(starts, default=0.0)
    window = [e for e in tracker.events if e.timestamp >= since and (ended is None or e.timestamp <= ended)]
    return [m for m in (_message(e) for e in window) if m]


async def _latest(agent: Agent, conversation_id: Text, wanted: Callable[[Event], bool]) -> Optional[Event]:
    """The newest event of the current session that `wanted` accepts."""
    tracker = await agent.tracker_store.retrieve(conversation_id)
    return next((e for e in reversed(list(tracker.events) if tracker else []) if wanted(e)), None)


async def last_offered_payloads(agent: Agent, conversation_id: Text) -> Set[Text]:
    """Payloads of the buttons under the bot's latest message with buttons in this session."""
    offer = await _latest(agent, conversation_id, lambda e: isinstance(e, BotUttered) and bool(_offered(e)))
    return _offered(offer) if offer else set()


def _offered(event: BotUttered) -> Set[Text]:
    """Its buttons' payloads, and 有帮助 / 没帮助 under a policy answer (added by the channel)."""
    buttons = list(event.data.get("buttons") or [])
    topic = answered_topic((event.metadata or {}).get("utter_action"))
    if topic:
        buttons += feedback_buttons(topic)
    return {b.get("payload") for b in buttons if b.get("payload")}


async def last_merchant_message(agent: Agent, conversation_id: Text) -> Optional[Text]:
    said = await _latest(agent, conversation_id, lambda e: isinstance(e, UserUttered) and bool(e.text))
    return redact(said.text) if said else None
