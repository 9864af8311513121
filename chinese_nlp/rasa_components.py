"""The project's Rasa NLU components: text normalisation (first), value placeholders (after the
tokenizer) and the FAQ-topic fallback (last)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import RESPONSE_SELECTOR_PREDICTION_KEY, RESPONSE_SELECTOR_PROPERTY_NAME, TOKENS_NAMES
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    RESPONSE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

# Imported for its side effect: registers the jieba tokenizer so SpacyNLP can load the pipeline.
import chinese_nlp.spacy_pipeline  # noqa: F401
from chinese_nlp.normalizer import normalize
from dialogue.names import Intent
from shapes.masking import CARD_PLACEHOLDER
from shapes.numbers import token_kind

COMMAND_PREFIX = "/"


class _MessageRewriter(GraphComponent):
    """A component with no training that rewrites each message, in training and at prediction."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "_MessageRewriter":
        return cls()

    @staticmethod
    def rewrite(message: Message) -> None:
        raise NotImplementedError

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self.rewrite(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self.rewrite(message)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class TextNormalizer(_MessageRewriter):
    """Traditional → Simplified, full → half width, grouped digits, obfuscations and typos."""

    @staticmethod
    def rewrite(message: Message) -> None:
        text = message.get(TEXT)
        if not text or text.startswith(COMMAND_PREFIX):
            return
        normalized = normalize(text)
        if normalized.text == text or normalized.text.startswith(COMMAND_PREFIX):
            # Never turn text into a command ("／restart", " /restart"): Rasa's RegexMessageHandler,
            # last in the graph, would run it as one. Such a message stays as typed.
            return
        # Move annotated entities onto the normalised text (training data only has them).
        for entity in message.get(ENTITIES) or []:
            start, end = normalized.span_from_original(entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END])
            entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END] = start, end
        message.set(TEXT, normalized.text)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # Rasa attaches its answer's text to every FAQ example; nothing here reads it (the answer
        # comes from the domain), and spaCy parsing ~8 000 copies of the answers was half of training.
        for example in training_data.training_examples:
            example.data.pop(RESPONSE, None)
        return super().process_training_data(training_data)


def placeholder_for(token: str) -> Optional[str]:
    """What a structured value reads as to the intent featurizers: its kind, not its digits."""
    if token == CARD_PLACEHOLDER:  # a card number the web channel hid reads as the digits would
        return "<number>"
    kind = token_kind(token)
    return f"<{kind}>" if kind else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class ValuePlaceholders(_MessageRewriter):
    """Tokens that are structured values (ticket numbers, phones, merchant numbers, serials, card
    or other digit runs) reach the featurizers as a placeholder of their kind, so the intent never
    depends on which digits a value has. Token spans stay, and entities come from spaCy's own
    document, so entity extraction is untouched. Place right after the tokenizer."""

    @staticmethod
    def rewrite(message: Message) -> None:
        for token in message.get(TOKENS_NAMES[TEXT]) or []:
            placeholder = placeholder_for(token.text)
            if placeholder:
                token.text = token.lemma = placeholder


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class FaqTopicFallback(GraphComponent):
    """Falls back when the question is clearly a policy question but its topic is not.

    FallbackClassifier only sees the intent (`faq`); the response selector's own confidence says
    which topic. Below `threshold` the merchant is asked which topic they meant instead of
    getting a possibly wrong policy answer. Place after ResponseSelector and FallbackClassifier.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"retrieval_intent": Intent.FAQ, "threshold": 0.3}

    def __init__(self, config: Dict[str, Any]) -> None:
        self._intent = config["retrieval_intent"]
        self._threshold = config["threshold"]

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FaqTopicFallback":
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) != self._intent:
                continue
            selected = (message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}).get(self._intent, {})
            confidence = selected.get(RESPONSE_SELECTOR_PREDICTION_KEY, {}).get(PREDICTED_CONFIDENCE_KEY, 0.0)
            if confidence >= self._threshold:
                continue
            fallback = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, PREDICTED_CONFIDENCE_KEY: 1 - confidence}
            message.set(INTENT, fallback, add_to_output=True)
            ranking = message.get(INTENT_RANKING_KEY) or []
            message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
        return messages
