"""有帮助 / 没帮助 under a policy answer. The channel attaches the two buttons to an answer that
ends the bot's turn (not to one inside a form, where the form asks on right after); their
payloads are intents with the topic, so the turn facts count them per topic."""

from __future__ import annotations

import json
from typing import Dict, List, Optional, Text

from dialogue.names import NOT_COVERED, POLICY_ANSWER_PREFIX, Entity, Intent, TurnOutcome

# Intents reached only by these buttons' payloads (as in Rasa's rasa-demo), never typed.
FEEDBACK_INTENTS = {Intent.FEEDBACK_HELPFUL: TurnOutcome.HELPFUL, Intent.FEEDBACK_UNHELPFUL: TurnOutcome.UNHELPFUL}
TITLES = {Intent.FEEDBACK_HELPFUL: "有帮助", Intent.FEEDBACK_UNHELPFUL: "没帮助"}


def answered_topic(utter_action: Optional[Text]) -> Optional[Text]:
    """The topic of a policy answer (`utter_faq/<topic>`); None for anything else, and for the
    "not in the policy" reply, which answers no topic."""
    if not utter_action or not utter_action.startswith(POLICY_ANSWER_PREFIX):
        return None
    topic = utter_action[len(POLICY_ANSWER_PREFIX) :]
    return None if topic == NOT_COVERED else topic


def feedback_buttons(topic: Text) -> List[Dict[Text, Text]]:
    entities = json.dumps({Entity.TOPIC: topic}, ensure_ascii=False)
    return [{"title": title, "payload": f"/{intent}{entities}"} for intent, title in TITLES.items()]
