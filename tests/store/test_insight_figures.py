"""The insights' figures on SQLite and PostgreSQL, from turn facts made of real Rasa events (as the
tracker store writes them), tickets moved through their lifecycle and cases through the desk."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from chinese_nlp.normalizer import normalize_text
from tests.store.conftest import START
from tickets.insights import Insights, Period, group_similar
from tickets.statuses import Actor, HandoffReason, HandoffStatus, Status
from web.turn_facts import facts

TODAY = (START + timedelta(hours=8)).date()  # START's Shanghai day


def _user(text, intent, at, retrieval=None, entities=()):
    parse = {"name": intent, "confidence": 0.9}
    if retrieval:
        parse["full_retrieval_intent_name"] = retrieval
    return UserUttered(text, intent=parse, entities=list(entities), timestamp=at.timestamp())


def _turn(text, intent, at, *, actions=(), utter=None, retrieval=None, entities=()):
    events = [_user(text, intent, at, retrieval, entities)]
    events += [ActionExecuted(a, timestamp=at.timestamp()) for a in actions]
    if utter:
        events.append(BotUttered("……", metadata={"utter_action": utter}, timestamp=at.timestamp()))
    return events


def _write(db, conversation_id, events):
    with db.transaction(write=True) as session:
        session.add_all(facts(conversation_id, events))


@pytest.fixture
def day(db):
    """Two conversations on START's day, one the day before (outside a one-day period)."""
    at = START
    _write(
        db,
        "conv-a",
        _turn(
            "注销要收费吗",
            "faq",
            at,
            actions=["utter_faq"],
            utter="utter_faq/policy_and_fees",
            retrieval="faq/policy_and_fees",
        )
        + _turn("/feedback_helpful", "feedback_helpful", at, entities=[{"entity": "topic", "value": "policy_and_fees"}])
        + _turn("我手机13812345678 阿巴阿巴", "nlu_fallback", at, utter="utter_ask_rephrase")
        + _turn("阿巴阿巴 呜呜", "nlu_fallback", at, utter="utter_ask_rephrase"),
    )
    _write(
        db,
        "conv-b",
        _turn(
            "注销后积分怎么办",
            "faq",
            at,
            actions=["utter_faq"],
            utter="utter_faq/not_covered",
            retrieval="faq/not_covered",
        )
        + _turn("转人工", "request_human", at, actions=["action_hand_off"]),
    )
    _write(db, "conv-old", _turn("注销要收费吗", "faq", at - timedelta(days=1), utter="utter_faq/policy_and_fees"))
    return Insights(db)


def test_conversations_outcomes_topics_and_feedback_of_a_day(day):
    period = Period(TODAY, TODAY)
    conversations = day.conversations(period)
    assert conversations["total"] == 2
    assert conversations["per_day"] == [{"day": TODAY.isoformat(), "conversations": 2}]

    answers = day.answers(period)
    assert answers["outcomes"] == {"answered": 1, "helpful": 1, "fallback": 2, "not_covered": 1, "handoff": 1}
    assert answers["messages"] == 5  # feedback is not a question
    assert answers["fallback_rate"] == 0.4 and answers["not_covered_rate"] == 0.2
    assert answers["top_topics"] == [{"topic": "policy_and_fees", "answers": 1}]
    assert day.feedback(period) == [{"topic": "policy_and_fees", "helpful": 1, "unhelpful": 0, "helpful_rate": 1.0}]

    yesterday = Period(TODAY - timedelta(days=1), TODAY - timedelta(days=1))
    assert day.conversations(yesterday)["total"] == 1


def test_unanswered_questions_are_masked_and_grouped(day):
    rows, total = day.unanswered(Period(TODAY, TODAY))
    texts = [text for text, *_ in rows]
    assert total == 3
    assert "我手机138****5678 阿巴阿巴" in texts and not any("13812345678" in t for t in texts)
    groups = group_similar(texts)
    assert groups[0]["count"] == 2 and set(groups[0]["texts"]) == {"我手机138****5678 阿巴阿巴", "阿巴阿巴 呜呜"}
    assert [g["texts"] for g in groups[1:]] == [["注销后积分怎么办"]]


def test_the_page_groups_questions_as_the_nlu_reads_them():
    """web/insights_api.py passes the normaliser: Traditional and Simplified are one question."""
    texts = ["註銷要收費嗎", "注销要收费吗", "积分怎么办"]
    assert [g["count"] for g in group_similar(texts, key=normalize_text)] == [2, 1]
    assert [g["count"] for g in group_similar(texts)] == [1, 1, 1]  # compared as typed


def test_funnel_counts_applications_by_status_and_their_stay(db, clock, store, open_ticket):
    reviewed, withdrawn = open_ticket(terminal_sn="QR5507781294"), open_ticket(terminal_sn="QR5507781295")
    clock.advance(hours=5)
    store.move(reviewed.ticket_no, Status.IN_REVIEW, actor_kind=Actor.STAFF, actor_name="审核员")
    store.move(withdrawn.ticket_no, Status.WITHDRAWN, actor_kind=Actor.MERCHANT, actor_name="商户")
    statuses = {row["status"]: row for row in Insights(db).funnel(Period(TODAY, TODAY))["statuses"]}
    assert statuses["submitted"]["tickets"] == 2 and statuses["submitted"]["median_hours"] == 5.0
    assert statuses["in_review"]["tickets"] == 1 and statuses["in_review"]["median_hours"] is None
    assert statuses["withdrawn"]["tickets"] == 1 and statuses["completed"]["tickets"] == 0


def test_desk_waits_first_replies_and_call_backs(db, clock, queue):
    served = queue.open_handoff(conversation_id="conv-1", reason=HandoffReason.REQUESTED, phone="13812345678").case
    queue.open_handoff(conversation_id="conv-2", reason=HandoffReason.COMPLAINT)
    queue.request_callback("conv-1")
    clock.advance(seconds=90)
    queue.claim(served.case_no, agent="li")
    clock.advance(seconds=30)
    queue.note_reply(served.case_no, "li")
    clock.advance(seconds=300)
    queue.note_reply(served.case_no, "li")  # only the first reply counts
    queue.mark_callback_done(served.case_no, "li")
    queue.mark_callback_done(served.case_no, "li")  # a double click: recorded once

    desk = Insights(db).desk(Period(TODAY, TODAY))
    assert desk["cases"] == 2 and desk["claimed"] == 1
    assert desk["wait_to_claim_s"] == {"p50": 90.0, "p90": 90.0}
    assert desk["first_reply_s"] == {"p50": 30.0, "p90": 30.0}
    assert desk["cases_per_agent"] == [{"agent": "li", "cases": 1}]
    assert (desk["callbacks_requested"], desk["callbacks_done"]) == (1, 1)
    assert queue.get_handoff(served.case_no).status is HandoffStatus.CLAIMED


def test_a_call_back_nobody_asked_for_cannot_be_marked(queue):
    from tickets.errors import CallbackNotRequested

    case = queue.open_handoff(conversation_id="conv-3", reason=HandoffReason.REQUESTED).case
    with pytest.raises(CallbackNotRequested):
        queue.mark_callback_done(case.case_no, "li")


def test_a_period_is_at_most_a_year_and_never_backwards():
    with pytest.raises(ValueError):
        Period(TODAY, TODAY - timedelta(days=1))
    with pytest.raises(ValueError):
        Period(TODAY - timedelta(days=366), TODAY)
    assert len(Period.last_days(7, TODAY).days()) == 7
