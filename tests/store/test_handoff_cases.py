"""Handoff cases in the queue: one active case per conversation, the queue, claims, ends."""

from datetime import timedelta

import pytest

from tests.store.test_concurrency import race
from tickets.errors import CaseAlreadyClaimed, CaseNotActive, NotCaseAssignee
from tickets.statuses import Actor, HandoffReason, HandoffStatus


def test_a_case_is_queued_with_its_number_reason_and_links(queue, open_ticket):
    ticket = open_ticket()
    opened = queue.open_handoff(
        conversation_id="conv-1", reason="complaint", linked_ticket_no=ticket.ticket_no, phone="13812345678"
    )
    assert opened.created and opened.position == 1
    case = opened.case
    assert case.case_no == "RG202611270001"
    assert (case.status, case.reason) == (HandoffStatus.QUEUED, HandoffReason.COMPLAINT)
    assert case.linked_ticket_no == ticket.ticket_no and case.masked_phone == "138****5678"
    assert "13812345678" not in repr(case)


def test_asking_again_returns_the_same_case(queue):
    first = queue.open_handoff(conversation_id="conv-1", reason="requested")
    again = queue.open_handoff(conversation_id="conv-1", reason="complaint")
    assert not again.created and again.case.case_no == first.case.case_no


def test_concurrent_requests_open_one_case(queue):
    results = race([lambda: queue.open_handoff(conversation_id="conv-race", reason="requested")] * 10)
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(r.created for r in results) == 1
    assert len({r.case.case_no for r in results}) == 1


def test_queue_is_oldest_first_with_positions(queue, clock):
    cases = []
    for n in range(3):
        cases.append(queue.open_handoff(conversation_id=f"conv-{n}", reason="requested").case)
        clock.advance(seconds=30)
    assert [c.case_no for c in queue.waiting_cases()] == [c.case_no for c in cases]
    assert [queue.queue_position(c.case_no) for c in cases] == [1, 2, 3]
    queue.claim(cases[0].case_no, agent="zhang")
    assert [queue.queue_position(c.case_no) for c in cases] == [0, 1, 2]


def test_two_agents_can_never_claim_the_same_case(queue):
    case = queue.open_handoff(conversation_id="conv-1", reason="requested").case
    results = race([lambda who=who: queue.claim(case.case_no, agent=who) for who in ("zhang", "li", "wang", "zhao")])
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, CaseAlreadyClaimed) for r in results if isinstance(r, Exception))
    assert queue.get_handoff(case.case_no).assignee == winners[0].assignee
    assert queue.cases_of(winners[0].assignee)[0].case_no == case.case_no


def test_only_the_assignee_ends_a_case_and_only_once(queue):
    case = queue.open_handoff(conversation_id="conv-1", reason="requested").case
    with pytest.raises(CaseNotActive):  # not claimed yet
        queue.end_handoff(case.case_no, "returned", agent="zhang")
    queue.claim(case.case_no, agent="zhang")
    with pytest.raises(NotCaseAssignee):
        queue.end_handoff(case.case_no, "closed", agent="li")
    ended = queue.end_handoff(case.case_no, "returned", agent="zhang")
    assert ended.status is HandoffStatus.RETURNED and queue.active_handoff("conv-1") is None
    with pytest.raises(CaseNotActive):
        queue.end_handoff(case.case_no, "closed", agent="zhang")
    # The conversation may be handed off again later: a new case.
    assert queue.open_handoff(conversation_id="conv-1", reason="requested").case.case_no != case.case_no


def test_callback_needs_a_phone(queue):
    queue.open_handoff(conversation_id="with-phone", reason="requested", phone="13912345678")
    queue.open_handoff(conversation_id="no-phone", reason="requested")
    assert queue.request_callback("with-phone").callback_requested
    assert queue.request_callback("no-phone") is None
    assert queue.request_callback("unknown") is None


def test_cases_stay_out_of_the_deregistration_lists(store, queue, open_ticket):
    ticket = open_ticket()
    case = queue.open_handoff(conversation_id="conv-1", reason="requested").case
    assert [t.ticket_no for t in store.list_tickets()] == [ticket.ticket_no]
    with pytest.raises(ValueError):
        store.get(case.case_no)  # not a ZX number
    assert [c.case_no for c in queue.waiting_cases()] == [case.case_no]  # and tickets are no cases
    assert case.case_no.endswith("0001")  # cases count from 1 each day; tickets draw at random


def test_waiting_cases_are_closed_in_bulk_and_claimed_ones_are_left_alone(queue):
    waiting = [queue.open_handoff(conversation_id=f"spam-{n}", reason="requested").case for n in range(3)]
    claimed = queue.open_handoff(conversation_id="real", reason="requested").case
    queue.claim(claimed.case_no, agent="zhang")
    closed = queue.close_waiting(
        [c.case_no for c in waiting] + [claimed.case_no], actor_kind=Actor.STAFF, actor_name="李组长", note="骚扰请求"
    )
    assert [c.case_no for c in closed] == [c.case_no for c in waiting]
    assert queue.waiting_cases() == [] and queue.get_handoff(claimed.case_no).status is HandoffStatus.CLAIMED
    last = queue.history(waiting[0].case_no)[-1]
    assert (last.actor_kind, last.actor_name, last.to_status, last.note) == (
        Actor.STAFF,
        "李组长",
        HandoffStatus.CLOSED,
        "骚扰请求",
    )
    with pytest.raises(CaseNotActive):  # a closed case is not ended again
        queue.end_handoff(waiting[0].case_no, "closed", agent="zhang")


def test_every_read_of_a_case_is_recorded(queue, clock):
    case = queue.open_handoff(conversation_id="conv-1", reason="requested").case
    queue.read_case(case.case_no, "zhang")
    clock.advance(minutes=1)
    queue.read_case(case.case_no, "li")
    assert queue.reads_of(case.case_no) == [("zhang", clock.now - timedelta(minutes=1)), ("li", clock.now)]
    queue.claim(case.case_no, agent="zhang")
    with pytest.raises(NotCaseAssignee):  # claimed: the assignee's alone, and no read is recorded
        queue.read_case(case.case_no, "li")
    assert len(queue.reads_of(case.case_no)) == 2
