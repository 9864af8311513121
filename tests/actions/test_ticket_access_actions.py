"""Status queries and withdrawals: ownership proof, status, withdrawal, refusals, database down."""

from actions.ticket_access import (
    ActionAskWithdrawConfirmation,
    ActionShowTicketStatus,
    ActionWithdrawTicket,
    ValidateTicketAccessForm,
)
from tests.actions.conftest import make_tracker, responses, run, slots_set
from tickets.statuses import Actor, Status

FORM = "ticket_access_form"


def proved(ticket_no):
    """Slots of a conversation that proved it owns `ticket_no` in this session."""
    return {"ticket_no": ticket_no, "owned_tickets": [ticket_no]}


def open_ticket(store, terminal_sn="QR5507781294", phone="13812345678"):
    return store.open_deregistration(
        merchant_no="862014937715503",
        terminal_sn=terminal_sn,
        phone=phone,
        reason="no_longer_used",
        balance_cleared=True,
        conversation_id="other",
        idempotency_key=terminal_sn,
    ).ticket


def test_the_phone_last4_proves_ownership(store):
    ticket = open_ticket(store)
    slots = {"ticket_no": ticket.ticket_no}
    wrong, events = run(
        ValidateTicketAccessForm(), make_tracker(slots, text="0000", form=FORM, requested_slot="phone_last4")
    )
    assert responses(wrong) == ["utter_ticket_or_phone_mismatch"]
    assert slots_set(events)["phone_last4"] is None and slots_set(events)["ticket_no"] is None
    right, events = run(
        ValidateTicketAccessForm(), make_tracker(slots, text="5678", form=FORM, requested_slot="phone_last4")
    )
    assert responses(right) == []
    assert ticket.ticket_no in slots_set(events)["owned_tickets"]
    assert "5678" not in str(slots_set(events))  # the digits are not kept


def test_an_unknown_ticket_gets_the_same_answer_as_wrong_digits(store):
    _, events = run(
        ValidateTicketAccessForm(), make_tracker(text="ZX209901010001", form=FORM, requested_slot="ticket_no")
    )
    assert slots_set(events)["ticket_no"] == "ZX209901010001"  # nothing revealed yet
    messages, _ = run(
        ValidateTicketAccessForm(),
        make_tracker({"ticket_no": "ZX209901010001"}, text="5678", form=FORM, requested_slot="phone_last4"),
    )
    assert responses(messages) == ["utter_ticket_or_phone_mismatch"]


def test_status_reply_says_status_time_and_next_step(store):
    ticket = open_ticket(store)
    store.move(ticket.ticket_no, Status.IN_REVIEW, actor_kind=Actor.STAFF, actor_name="王芳", note=None)
    messages, _ = run(ActionShowTicketStatus(), make_tracker(proved(ticket.ticket_no)))
    assert responses(messages) == ["utter_ticket_status", "utter_next_step_in_review"]
    assert messages[0]["status"] == "审核中" and messages[0]["updated_at"]


def test_withdrawal_after_confirmation(store):
    ticket = open_ticket(store)
    ask, events = run(ActionAskWithdrawConfirmation(), make_tracker(proved(ticket.ticket_no)))
    assert responses(ask) == ["utter_ask_withdraw_confirmation"]
    assert slots_set(events)["awaiting_confirmation"] is True
    done, _ = run(ActionWithdrawTicket(), make_tracker(proved(ticket.ticket_no)))
    assert responses(done) == ["utter_ticket_withdrawn"]
    assert store.get(ticket.ticket_no).status is Status.WITHDRAWN
    assert store.history(ticket.ticket_no)[-1].actor_kind is Actor.MERCHANT


def test_completed_ticket_cannot_be_withdrawn(store):
    ticket = open_ticket(store)
    for status in (Status.IN_REVIEW, Status.AWAITING_DEVICE_RETURN, Status.COMPLETED):
        store.move(ticket.ticket_no, status, actor_kind=Actor.STAFF, actor_name="王芳", note=None)
    messages, _ = run(ActionAskWithdrawConfirmation(), make_tracker(proved(ticket.ticket_no)))
    assert responses(messages) == ["utter_withdrawal_refused"]
    assert messages[0]["status"] == "已注销"


def test_database_down_gets_an_apology(store_down):
    messages, _ = run(ActionShowTicketStatus(), make_tracker(proved("ZX202611270001")))
    assert responses(messages) == ["utter_ticket_store_unavailable"]
