"""Two-stage fallback, first stage: ask which topic the merchant meant, with buttons."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import NLU_FALLBACK_INTENT_NAME

from dialogue.names import CustomAction, Intent, Response
from dialogue.topics import topic_for
from runtime.metrics import FALLBACKS

MAX_CHOICES = 3
FALLBACK_INTENTS = {NLU_FALLBACK_INTENT_NAME, Intent.OUT_OF_SCOPE}
# Rasa's two-stage fallback treats /out_of_scope as "none of these".
NONE_OF_THESE = {"title": "都不是", "payload": f"/{Intent.OUT_OF_SCOPE}"}


def likely_labels(parse_data: Dict[Text, Any]) -> List[Text]:
    """Most likely topics, best first: FAQ keys from the response selector, other intents as-is."""
    labels: List[Text] = []
    for candidate in parse_data.get("intent_ranking") or []:
        name = candidate.get("name")
        if not name or name in FALLBACK_INTENTS:
            continue
        if name == Intent.FAQ:
            ranking = (parse_data.get("response_selector") or {}).get(Intent.FAQ, {}).get("ranking") or []
            labels.extend(r["intent_response_key"] for r in ranking[:2] if r.get("intent_response_key"))
        else:
            labels.append(name)
    return [label for label in dict.fromkeys(labels) if topic_for(label)][:MAX_CHOICES]


class ActionAskWhichTopic(Action):
    """Replaces Rasa's English "Did you mean …?" with Chinese topic buttons."""

    def name(self) -> Text:
        return CustomAction.DEFAULT_ASK_AFFIRMATION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        buttons = [
            {"title": topic.title, "payload": topic.question}
            for topic in (topic_for(label) for label in likely_labels(tracker.latest_message))
            if topic
        ]
        buttons.append(NONE_OF_THESE)
        FALLBACKS.labels("ask_back").inc()
        dispatcher.utter_message(response=Response.ASK_AFFIRMATION, buttons=buttons)
        return []
