"""A message with more than one policy question (「要交多少钱，多久能办好」): the first is answered
by the response selector (`utter_faq`), the others here, in the order asked.

The NLU pipeline (chinese_nlp.linear_classifier) marks each as a `more_question` entity: the
topic of another clause of the message that asks and that it is sure of. The answers are the
domain's own.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from chinese_nlp.clauses import MAX_MORE_QUESTIONS
from dialogue.names import CustomAction, Entity, response_for


class ActionAnswerMoreQuestions(Action):
    def name(self) -> Text:
        return CustomAction.ANSWER_MORE_QUESTIONS

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        responses = domain.get("responses") or {}
        entities = tracker.latest_message.get("entities") or []
        asked = [e.get("value") for e in entities if isinstance(e, dict) and e.get("entity") == Entity.MORE_QUESTION]
        for topic in asked[:MAX_MORE_QUESTIONS]:
            if isinstance(topic, str) and response_for(topic) in responses:
                dispatcher.utter_message(response=response_for(topic))
        return []
