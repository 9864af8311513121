"""One linear classifier for intents and policy topics together (scikit-learn), in place of DIET and
the ResponseSelector: chosen by measurement (README, "NLU experiments") — as accurate on the
development set, better calibrated for "not sure", and trained in about a minute instead of ten.

It reads the tokens as the pipeline left them (normalised, values replaced by placeholders) and
makes its own features: TF-IDF of character 1–4-grams, of words and, with `pinyin_ngrams` (config.yml:
[1, 2]), of the pinyin syllable n-grams of how the message sounds (chinese_nlp.pinyin: homophone typos). Rasa's
CountVectorsFeaturizer would store a sparse matrix per token and message, which made up most of
the training time, the model's size and per-message work.

It learns the full label of each example (an intent, or `faq/<topic>` for policy questions) and
hands Rasa both outputs it expects: the intent (`faq` when a topic wins, with the sum of the topics'
probabilities) and the response selector's choice of topic, so `utter_faq`, the FallbackClassifier
and FaqTopicFallback work as they do with Rasa's own components.
"""

from __future__ import annotations

import logging
import pickle
from collections import defaultdict
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
    TOKENS_NAMES,
)
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from chinese_nlp.clauses import MAX_MORE_QUESTIONS, asks, parts
from chinese_nlp.pinyin import Syllables, reading_table
from dialogue.names import NOT_COVERED, Entity, Intent, faq_label, response_for

log = logging.getLogger(__name__)
MODEL_FILE = "linear_classifier.pkl"
RANKING_LENGTH = 10
NOT_COVERED_LABEL = faq_label(NOT_COVERED)  # the policy is silent: never one of several questions heard


def _document(message: Message) -> Text:
    """The message's tokens as the classifier reads them: placeholders for values, spaces between."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return " ".join(token.text for token in tokens) if tokens else (message.get(TEXT) or "")


def _unsegmented(document: Text) -> Text:
    return document.lower().replace(" ", "")


def _words(document: Text) -> List[Text]:
    return document.split()


def _with_column_major_weights(model: Pipeline) -> Pipeline:
    """scikit-learn scores a message as features · coef_.T; with coef_ stored row-major that product
    took 1.4 ms per message (bench profile), column-major 0.07 ms. Same numbers, another layout."""
    classifier = model.named_steps["classifier"]
    classifier.coef_ = np.asfortranarray(classifier.coef_)
    return model


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(IntentClassifier, GraphComponent):
    @classmethod
    def required_components(cls) -> List[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # C: inverse regularisation strength (sklearn); the n-gram ranges: measured (README, "NLU
        # experiments").
        return {
            "C": 20.0,
            "max_iter": 2000,
            "retrieval_intent": Intent.FAQ,
            "char_ngrams": [1, 4],
            "word_ngrams": [1, 1],  # 1–2 measured in S7: no better (README)
            # Character n-grams within words (as segmented) or across them (segmentation-proof).
            "chars_across_words": False,
            # Syllable n-grams of how the message sounds (chinese_nlp.pinyin); null: none.
            "pinyin_ngrams": None,
            # Read the message's sentences and clauses too (chinese_nlp.clauses): a part that asks
            # with at least this probability decides a story, and a second question is heard. null: off.
            "parts_min_confidence": None,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[Pipeline] = None,
        retrieval_intents: Optional[List[Text]] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage, self._resource = model_storage, resource
        self.model = _with_column_major_weights(model) if model is not None else None
        self.retrieval_intents = retrieval_intents or []

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    def _new_model(self) -> Pipeline:
        blocks = [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char" if self.config["chars_across_words"] else "char_wb",
                    preprocessor=_unsegmented if self.config["chars_across_words"] else None,
                    ngram_range=tuple(self.config["char_ngrams"]),
                    sublinear_tf=True,
                    lowercase=True,
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    tokenizer=_words,  # a tokenizer, not an analyzer: an analyzer ignores ngram_range
                    token_pattern=None,
                    ngram_range=tuple(self.config["word_ngrams"]),
                    sublinear_tf=True,
                    lowercase=False,
                ),
            ),
        ]
        if self.config["pinyin_ngrams"]:
            sounds = TfidfVectorizer(
                tokenizer=Syllables(reading_table()),
                token_pattern=None,
                ngram_range=tuple(self.config["pinyin_ngrams"]),
                sublinear_tf=True,
                lowercase=False,
            )
            blocks.append(("pinyin", sounds))
        features = FeatureUnion(blocks)
        classifier = LogisticRegression(
            C=self.config["C"], max_iter=self.config["max_iter"], class_weight="balanced", random_state=42
        )
        return Pipeline([("features", features), ("classifier", classifier)])

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        labels = [e.get(INTENT_RESPONSE_KEY) or e.get(INTENT) for e in examples]
        self.model = _with_column_major_weights(self._new_model().fit([_document(e) for e in examples], labels))
        self.retrieval_intents = sorted(training_data.retrieval_intents)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / MODEL_FILE).write_bytes(pickle.dumps((self.model, self.retrieval_intents)))
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                model, retrieval_intents = pickle.loads((directory / MODEL_FILE).read_bytes())
        except (ValueError, FileNotFoundError):
            log.debug("no trained linear classifier in the model: it was trained without data")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model, retrieval_intents)

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None or not messages:
            return messages
        probabilities = self.model.predict_proba([_document(m) for m in messages])
        labels = list(self.model.classes_)
        for message, row in zip(messages, probabilities, strict=True):
            row, more = self._read_parts(message, row, labels)
            self._set_outputs(message, sorted(zip(labels, row, strict=True), key=lambda pair: -pair[1]))
            if more:
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), *more], add_to_output=True)
        return messages

    def _read_parts(self, message: Message, row: np.ndarray, labels: List[Text]) -> Tuple[np.ndarray, List[Dict]]:
        """The probabilities that speak for the message — the whole's, or one part's — and the other
        policy questions it asks, in order, as `more_question` entities (chinese_nlp.clauses;
        docs/nlu.md has the measurements)."""
        sure = self.config["parts_min_confidence"]
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        texts = [token.text for token in tokens]
        clauses = parts(texts, clauses=True)
        if not sure or len(clauses) < 2:
            return row, []
        sentences = parts(texts)
        pieces = [[texts[i] for i in part] for part in clauses + (sentences if len(sentences) > 1 else [])]
        rows = self.model.predict_proba([" ".join(piece) for piece in pieces])
        best = [(labels[int(np.argmax(r))], float(np.max(r))) for r in rows]

        # Two or more policy questions, each in a clause of its own: the first asked leads.
        topics: List[Tuple[Text, float, np.ndarray, range]] = []
        for part, piece, (label, confidence), part_row in zip(clauses, pieces, best, rows, strict=False):
            is_topic = label.startswith(f"{self.config['retrieval_intent']}/") and label != NOT_COVERED_LABEL
            if is_topic and confidence >= sure and asks(piece, label) and label not in [t[0] for t in topics]:
                topics.append((label, confidence, part_row, part))
        if len(topics) >= 2:
            more = [
                {
                    ENTITY_ATTRIBUTE_TYPE: Entity.MORE_QUESTION,
                    ENTITY_ATTRIBUTE_VALUE: label,
                    ENTITY_ATTRIBUTE_CONFIDENCE: confidence,
                    ENTITY_ATTRIBUTE_START: tokens[part[0]].start,
                    ENTITY_ATTRIBUTE_END: tokens[part[-1]].end,
                    EXTRACTOR: self.__class__.__name__,
                }
                for label, confidence, _, part in topics[1 : 1 + MAX_MORE_QUESTIONS]
            ]
            return topics[0][2], more

        # A story: the sentence that asks decides, unless the whole message already says the same.
        if len(sentences) < 2:
            return row, []
        told = list(zip(pieces[len(clauses) :], best[len(clauses) :], rows[len(clauses) :], strict=True))
        whole_label, whole_confidence = labels[int(np.argmax(row))], float(np.max(row))
        asking = [(c, r) for part, (label, c), r in told if c >= sure and asks(part, label)]
        if asking:
            if whole_label in {labels[int(np.argmax(r))] for _, r in asking}:
                return row, []
            return max(asking, key=lambda pair: pair[0])[1], []
        informing = [r for _, (label, c), r in told if label == Intent.INFORM and c >= sure]
        if informing and whole_label.startswith(f"{self.config['retrieval_intent']}/"):
            return informing[-1], []  # a story that ends by answering the form, with no question in it
        if whole_confidence < sure:
            confident = [(c, r) for _, (_, c), r in told if c >= sure]
            if confident:
                return max(confident, key=lambda pair: pair[0])[1], []
        return row, []

    def _set_outputs(self, message: Message, ranked: List[Tuple[Text, float]]) -> None:
        """Intent = the best intent once a retrieval intent's topics are added up; the topic goes
        to the response selector's place, with its probability within the retrieval intent."""
        by_intent: Dict[Text, float] = defaultdict(float)
        for label, probability in ranked:
            by_intent[label.split("/", 1)[0]] += float(probability)
        intents = sorted(by_intent.items(), key=lambda pair: -pair[1])
        ranking = [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: p} for name, p in intents[:RANKING_LENGTH]]
        message.set(INTENT, ranking[0], add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        for retrieval_intent in self.retrieval_intents:
            total = by_intent.get(retrieval_intent, 0.0) or 1.0
            topics = [(label, p / total) for label, p in ranked if label.startswith(f"{retrieval_intent}/")]
            if topics:
                self._set_response(message, retrieval_intent, topics)

    @staticmethod
    def _set_response(message: Message, retrieval_intent: Text, topics: List[Tuple[Text, float]]) -> None:
        best, confidence = topics[0]
        properties = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
        properties[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = [retrieval_intent]
        properties[retrieval_intent] = {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: [],  # the texts live in the domain (utter_action)
                PREDICTED_CONFIDENCE_KEY: float(confidence),
                INTENT_RESPONSE_KEY: best,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: response_for(best),
            },
            RESPONSE_SELECTOR_RANKING_KEY: [
                {INTENT_RESPONSE_KEY: label, PREDICTED_CONFIDENCE_KEY: float(p)} for label, p in topics[:RANKING_LENGTH]
            ],
        }
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)
