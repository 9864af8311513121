"""Conversations as merchants have them: the chat page's socket.io protocol against the real Rasa
server and action server (policy answers, quick replies, the fallback chain, odd input)."""

import re

import pytest
import yaml

from dialogue.topics import FAQ_TOPICS
from tests.conftest import PROJECT, response_texts
from tickets.statuses import HandoffReason

UNCLEAR = [
    line
    for line in (PROJECT / "tests" / "nlu" / "unclear.txt").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#")
]
FAQ_TITLES = {topic.title: key for key, topic in FAQ_TOPICS.items()}


@pytest.mark.parametrize("question", ["注销要收费吗", "註銷要收費嗎？", "注消pos机要交钱不", "ZHUXIAO 要手续费吗"])
def test_fee_question_gets_the_fees_answer(merchants, domain, question):
    assert merchants().connect().texts(question) == response_texts(domain, "utter_faq/policy_and_fees")


def _faq_story_questions():
    stories = yaml.safe_load((PROJECT / "tests" / "stories" / "test_faq_stories.yml").read_text(encoding="utf-8"))
    for story in stories["stories"]:
        [user] = [step for step in story["steps"] if "user" in step]
        if [step["action"] for step in story["steps"] if "action" in step] == ["utter_faq"]:
            yield user["user"].strip(), user["intent"].split("/", 1)[1]


@pytest.mark.parametrize("question, key", list(_faq_story_questions()))
def test_every_policy_topic_is_answered_with_its_text(merchants, domain, question, key):
    assert merchants().connect().texts(question) == response_texts(domain, f"utter_faq/{key}")


@pytest.mark.parametrize(
    "question, topics",
    [
        ("要交多少钱，多久能办好", ["policy_and_fees", "review_time"]),
        ("审核要多久？另外注销要收费吗", ["review_time", "policy_and_fees"]),  # the order asked
        ("两个问题：1.注销要准备哪些材料 2.POS机要交到哪里", ["required_documents", "device_return"]),
    ],
)
def test_two_questions_in_one_message_get_both_answers_in_the_order_asked(merchants, domain, question, topics):
    merchant = merchants().connect()
    replies = merchant.turn(question)
    assert [r["text"] for r in replies] == [response_texts(domain, f"utter_faq/{t}")[0] for t in topics]
    assert "quick_replies" not in replies[0] and replies[-1]["quick_replies"]  # one rating, under the last


def test_greeting_says_what_the_assistant_does_with_quick_replies(merchants, domain):
    [reply] = merchants().connect().turn("你好")
    [greeting] = domain["responses"]["utter_greet"]
    assert reply["text"] == greeting["text"]
    assert [b["title"] for b in reply["quick_replies"]] == [b["title"] for b in greeting["buttons"]]


def test_greeting_quick_replies_answer_their_topics(merchants, domain):
    for button in domain["responses"]["utter_greet"][0]["buttons"]:
        if button["title"] in FAQ_TITLES:
            key = FAQ_TITLES[button["title"]]
            assert merchants().connect().texts(button["payload"]) == response_texts(domain, f"utter_faq/{key}")


def test_out_of_scope_is_declined_politely(merchants, domain):
    assert merchants().connect().texts("今天天气怎么样") == response_texts(domain, "utter_out_of_scope")


@pytest.fixture(scope="module")
def unclear_messages(rasa_stack):
    """Vague messages the current model is unsure of (it must be unsure of some)."""
    found = [text for text in UNCLEAR if rasa_stack.parse(text)["intent"]["name"] == "nlu_fallback"]
    assert len(found) >= 2, "the model is confident about every vague message: fallback cannot work"
    return found


def test_unsure_nlu_asks_which_topic_then_a_rephrase(merchants, domain, unclear_messages):
    merchant = merchants().connect()
    [ask] = merchant.turn(unclear_messages[0])
    assert ask["text"] == response_texts(domain, "utter_ask_affirmation")[0]
    assert ask["quick_replies"][-1]["title"] == "都不是"
    assert merchant.texts(ask["quick_replies"][-1]["payload"]) == response_texts(domain, "utter_ask_rephrase")


def test_not_understood_twice_hands_the_conversation_to_a_person(merchants, desk, domain, unclear_messages):
    desk.nobody_online()  # agents from other tests would count as online
    merchant = merchants().connect()
    merchant.turn(unclear_messages[0])
    give_up = merchant.texts(unclear_messages[1])
    assert give_up[0] == response_texts(domain, "utter_fallback_handoff")[0]
    case = desk.case_of(merchant)
    assert case is not None and case.reason is HandoffReason.NOT_UNDERSTOOD
    queued = response_texts(domain, "utter_handoff_no_agent")[0]
    assert re.fullmatch(re.escape(queued).replace(re.escape("{position}"), r"\d+"), give_up[1])


def test_choosing_a_suggested_topic_answers_it(merchants, domain, unclear_messages):
    for message in unclear_messages:
        merchant = merchants().connect()
        [ask] = merchant.turn(message)
        offered = [b for b in ask["quick_replies"] if b["title"] in FAQ_TITLES]
        if offered:
            answer = merchant.texts(offered[0]["payload"])
            assert answer == response_texts(domain, f"utter_faq/{FAQ_TITLES[offered[0]['title']]}")
            return
    pytest.fail("no vague message was offered a policy topic")


@pytest.mark.parametrize("message", ["", "   ", "😀😀😀", "？？？", "注销" * 2000, "<script>alert(1)</script>"])
def test_odd_input_still_gets_a_chinese_reply(merchants, message):
    replies = merchants().connect().texts(message)
    assert replies, "the merchant must never be left in silence"
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in replies)
