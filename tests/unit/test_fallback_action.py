"""First stage of the two-stage fallback: Chinese topic buttons built from NLU's ranking."""

import asyncio
from pathlib import Path

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import NONE_OF_THESE, ActionAskWhichTopic, likely_labels
from dialogue.names import NOT_COVERED
from dialogue.topics import FAQ_TOPICS, INTENT_TOPICS

PARSE = {
    "text": "那个机器的钱",
    "intent": {"name": "nlu_fallback", "confidence": 0.5},
    "intent_ranking": [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "faq", "confidence": 0.41},
        {"name": "request_deregistration", "confidence": 0.38},
        {"name": "greet", "confidence": 0.1},
    ],
    "response_selector": {
        "faq": {
            "ranking": [
                {"intent_response_key": "faq/balance", "confidence": 0.6},
                {"intent_response_key": "faq/unbind_card", "confidence": 0.3},
                {"intent_response_key": "faq/reasons", "confidence": 0.1},
            ]
        }
    },
}


def test_likely_labels_expand_faq_into_topics():
    assert likely_labels(PARSE) == ["faq/balance", "faq/unbind_card", "request_deregistration"]


def test_intents_without_a_topic_are_not_offered():
    parse = {"intent_ranking": [{"name": "greet"}, {"name": "thank"}]}
    assert likely_labels(parse) == []


def test_action_offers_titles_and_none_of_these():
    dispatcher = CollectingDispatcher()
    tracker = Tracker("c1", {}, PARSE, [], False, None, {}, "action_listen")
    asyncio.run(ActionAskWhichTopic().run(dispatcher, tracker, {}))
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_affirmation"
    assert [b["title"] for b in message["buttons"]] == ["账户余额处理", "解绑银行卡", "申请注销", "都不是"]
    assert message["buttons"][0]["payload"] == FAQ_TOPICS["balance"].question
    assert message["buttons"][-1] == NONE_OF_THESE


def test_every_faq_response_has_a_topic_and_greeting_buttons_match_it():
    domain = yaml.safe_load((Path(__file__).parents[2] / "domain.yml").read_text(encoding="utf-8"))
    keys = {name.split("/", 1)[1] for name in domain["responses"] if name.startswith("utter_faq/")}
    assert keys - {NOT_COVERED} == set(FAQ_TOPICS)
    known = {(t.title, t.question) for t in [*FAQ_TOPICS.values(), *INTENT_TOPICS.values()]}
    for button in domain["responses"]["utter_greet"][0]["buttons"]:
        assert (button["title"], button["payload"]) in known
