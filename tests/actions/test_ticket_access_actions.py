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
PROOF = "ownership_proof"


def prove(slots, text, client="client-1", sender="conversation-1"):
    """The merchant types `text` when asked for the phone of the ticket in `slots`."""
    tracker = make_tracker(slots, text=text, form=FORM, requested_slot=PROOF, sender=sender)
    tracker.latest_message["metadata"] = {"client": client}
    return run(ValidateTicketAccessForm(), tracker)


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


def test_the_whole_phone_proves_ownership(store):
    ticket = open_ticket(store)
    slots = {"ticket_no": ticket.ticket_no}
    wrong, events = run(
        ValidateTicketAccessForm(), make_tracker(slots, text="13812340000", form=FORM, requested_slot=PROOF)
    )
    assert responses(wrong) == ["utter_ticket_or_phone_mismatch"]
    assert slots_set(events)[PROOF] is None and slots_set(events)["ticket_no"] is None
    # The last 4 digits are what masked phones show: they prove nothing.
    short, _ = prove(slots, "5678")
    assert responses(short) == ["utter_invalid_ownership_proof"]
    right, events = run(
        ValidateTicketAccessForm(), make_tracker(slots, text="138 1234 5678", form=FORM, requested_slot=PROOF)
    )
    assert responses(right) == []
    assert ticket.ticket_no in slots_set(events)["owned_tickets"]
    assert "13812345678" not in str(slots_set(events))  # the proof is not kept


def test_an_unknown_ticket_gets_the_same_answer_as_wrong_digits(store):
    _, events = run(
        ValidateTicketAccessForm(), make_tracker(text="ZX209901010001", form=FORM, requested_slot="ticket_no")
    )
    assert slots_set(events)["ticket_no"] == "ZX209901010001"  # nothing revealed yet
    messages, _ = run(
        ValidateTicketAccessForm(),
        make_tracker({"ticket_no": "ZX209901010001"}, text="13812345678", form=FORM, requested_slot=PROOF),
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


def test_status_and_withdrawal_need_this_conversations_proof(store):
    """A ticket number in the slot is not enough: any message can put one there."""
    ticket = open_ticket(store)
    unproved = {"ticket_no": ticket.ticket_no}
    status, _ = run(ActionShowTicketStatus(), make_tracker(unproved))
    ask, _ = run(ActionAskWithdrawConfirmation(), make_tracker(unproved))
    withdraw, _ = run(ActionWithdrawTicket(), make_tracker(unproved))
    for messages in (status, ask, withdraw):
        assert responses(messages) == ["utter_ticket_or_phone_mismatch"]
        assert "status" not in messages[0]
    assert store.get(ticket.ticket_no).status is Status.SUBMITTED


def test_a_new_number_slipped_in_at_the_confirmation_is_refused(store):
    mine = open_ticket(store, terminal_sn="QR0000000001")
    theirs = open_ticket(store, terminal_sn="QR0000000002", phone="13900001111")
    # The withdrawal of my ticket was confirmed, but the message carried their number.
    slots = {"ticket_no": theirs.ticket_no, "owned_tickets": [mine.ticket_no], "awaiting_confirmation": True}
    messages, _ = run(ActionWithdrawTicket(), make_tracker(slots, text=f"确认 {theirs.ticket_no}", intent="affirm"))
    assert responses(messages) == ["utter_ticket_or_phone_mismatch"]
    assert store.get(theirs.ticket_no).status is Status.SUBMITTED


def test_a_client_that_guessed_too_often_is_refused_before_the_store(store):
    ticket = open_ticket(store)
    slots = {"ticket_no": ticket.ticket_no}
    for n in range(5):
        prove(slots, f"1381234{n:04d}", client="guesser")
    messages, _ = prove(slots, "13812345678", client="guesser")
    assert responses(messages) == ["utter_proof_tries_exhausted"]  # even the right phone, from this client
    # The conversation that applied ("other") is a known device: the guesses never slow it down.
    messages, events = prove(slots, "13812345678", client="owner", sender="other")
    assert responses(messages) == [] and ticket.ticket_no in slots_set(events)["owned_tickets"]


def test_a_new_device_is_told_to_wait_and_for_how_long(store):
    ticket = open_ticket(store)
    slots = {"ticket_no": ticket.ticket_no}
    for n in range(5):
        prove(slots, f"1381234{n:04d}", client=f"guesser-{n}", sender=f"stranger-{n}")
    messages, events = prove(slots, "13812345678", client="owner", sender="owners-new-phone")
    assert messages == [{**messages[0], "response": "utter_ticket_protected", "minutes": 1}]
    assert slots_set(events)["access_outcome"] == "too_many_errors" and "owned_tickets" not in slots_set(events)
