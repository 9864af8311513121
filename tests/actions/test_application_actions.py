"""Applying for deregistration: form validation, summary, submission, duplicates, database down."""

from actions.application import ActionConcludeApplication, ActionSubmitDeregistration
from actions.deregistration_form import ValidateDeregistrationForm
from tests.actions.conftest import make_tracker, responses, run, slots_set
from tickets.statuses import Status

FORM = "deregistration_form"
COMPLETE = {
    "merchant_no": "862014937715503",
    "terminal_sn": "QR5507781294",
    "phone": "13812345678",
    "reason": "shop_closed",
    "balance_cleared": True,
}


def validate(text, requested_slot, slots=None, intent="inform", sender="conversation-1"):
    tracker = make_tracker(slots, text=text, intent=intent, form=FORM, requested_slot=requested_slot, sender=sender)
    return run(ValidateDeregistrationForm(), tracker)


def test_typed_answers_are_read_and_normalised(store):
    cases = [
        ("8620 1493 7715 503", "merchant_no", "862014937715503"),
        ("qr5507781294", "terminal_sn", "QR5507781294"),
        ("我手机 138-1234-5678", "phone", "13812345678"),
        ("店铺转让了", "reason", "shop_closed"),
        ("还没有转出", "balance_cleared", False),
    ]
    for text, slot, expected in cases:
        messages, events = validate(text, slot)
        assert slots_set(events)[slot] == expected, (text, messages)


def test_a_bad_value_is_asked_again_and_three_strikes_end_the_form(store):
    messages, events = validate("1381234", "phone")
    assert responses(messages) == ["utter_invalid_phone"]
    assert slots_set(events)["phone"] is None
    attempts = slots_set(events)["invalid_attempts"]
    _, events = validate("abc", "phone", {"invalid_attempts": attempts})
    messages, events = validate("12", "phone", {"invalid_attempts": slots_set(events)["invalid_attempts"]})
    assert slots_set(events)["application_outcome"] == "too_many_errors"


def test_a_card_number_is_refused_and_never_kept(store):
    messages, events = validate("6222 0212 3456 7890 128", "phone")
    assert responses(messages) == ["utter_no_card_numbers"]
    assert all("6222" not in str(value) for value in slots_set(events).values())


def test_a_policy_question_is_not_taken_as_an_answer(store):
    _, events = validate("注销要收费吗", "phone", intent="faq")
    assert "phone" not in slots_set(events)


def test_balance_not_cleared_asks_whether_to_continue(store):
    tracker = make_tracker({**COMPLETE, "balance_cleared": False}, form=FORM)
    required = __import__("asyncio").run(
        ValidateDeregistrationForm().required_slots(
            ["merchant_no", "terminal_sn", "phone", "reason", "balance_cleared", "proceed_with_balance"],
            None,
            tracker,
            {},
        )
    )
    assert "proceed_with_balance" in required
    _, events = validate(
        "不，先不提交了", "proceed_with_balance", {**COMPLETE, "balance_cleared": False}, intent="deny"
    )
    assert slots_set(events)["application_outcome"] == "stopped"


def test_summary_masks_the_phone_and_merchant_number(store):
    messages, events = run(ActionConcludeApplication(), make_tracker(COMPLETE))
    [summary] = messages
    assert summary["response"] == "utter_application_summary"
    assert summary["masked_phone"] == "138****5678"
    assert "13812345678" not in str(summary) and "862014937715503" not in str(summary)
    assert slots_set(events)["awaiting_confirmation"] is True


def test_submission_opens_one_ticket_even_when_replayed(store):
    tracker = make_tracker({**COMPLETE, "application_id": "a1"}, sender="conversation-42")
    messages, events = run(ActionSubmitDeregistration(), tracker)
    [reply] = messages
    assert reply["response"] == "utter_application_submitted"
    assert "13812345678" not in str(reply)
    ticket = store.get(reply["ticket_no"])
    assert ticket.status is Status.SUBMITTED and ticket.conversation_id == "conversation-42"
    assert slots_set(events)["owned_tickets"] == [reply["ticket_no"]]
    assert slots_set(events)["phone"] is None  # the application's answers are cleared

    replay_messages, _ = run(ActionSubmitDeregistration(), tracker)
    assert replay_messages[0]["ticket_no"] == reply["ticket_no"]
    assert len(store.list_tickets(terminal_sn="QR5507781294")) == 1


def test_second_application_for_a_terminal_gets_the_existing_ticket(store):
    first, _ = run(ActionSubmitDeregistration(), make_tracker(COMPLETE, sender="a"))
    messages, _ = run(ActionSubmitDeregistration(), make_tracker({**COMPLETE, "phone": "13900001111"}, sender="b"))
    assert responses(messages) == ["utter_terminal_has_application"]
    first_no = first[0]["ticket_no"]
    assert messages[0]["masked_ticket_no"] == first_no[:10] + "****" + first_no[-2:]
    assert "status" not in messages[0]  # the serial alone does not tell how the application stands
    # …and the form says so as soon as the serial is given
    messages, events = validate("QR5507781294", "terminal_sn", sender="c")
    assert responses(messages) == ["utter_terminal_has_application"]
    assert slots_set(events)["application_outcome"] == "duplicate"


def test_database_down_gets_an_apology_and_keeps_the_answers(store_down):
    messages, events = run(ActionSubmitDeregistration(), make_tracker(COMPLETE))
    assert responses(messages) == ["utter_application_store_unavailable"]
    assert slots_set(events) == {"awaiting_confirmation": False}  # answers kept, no confirmation pending


def test_a_merchant_number_passing_luhn_is_still_a_merchant_number(store):
    from shapes.numbers import luhn_ok

    merchant_no = next(f"86201493771550{d}" for d in "0123456789" if luhn_ok(f"86201493771550{d}"))
    _, events = validate(merchant_no, "merchant_no")
    assert slots_set(events)["merchant_no"] == merchant_no


def test_a_free_text_reason_is_kept_without_personal_numbers(store):
    _, events = validate("其他，有事打我电话13812345678", "reason")
    assert slots_set(events)["reason"] == "other"
    assert "13812345678" not in slots_set(events)["reason_detail"]


def test_an_unclear_yes_no_answer_is_asked_again(store):
    messages, events = validate("随便吧", "balance_cleared", intent="inform")
    assert responses(messages) == ["utter_invalid_yes_no"] and slots_set(events)["balance_cleared"] is None


def test_a_card_number_given_as_a_correction_is_not_accepted(store):
    messages, events = run(
        ActionConcludeApplication(), make_tracker({**COMPLETE, "terminal_sn": "6222021234567890128"})
    )
    assert responses(messages) == ["utter_correction_not_accepted"]
    assert slots_set(events)["terminal_sn"] is None
    assert any(e.get("event") == "followup" and e["name"] == "deregistration_form" for e in events)


def test_a_new_summary_is_a_new_application(store):
    messages, events = run(ActionConcludeApplication(), make_tracker(COMPLETE))
    first_id = slots_set(events)["application_id"]
    _, again = run(ActionConcludeApplication(), make_tracker({**COMPLETE, "application_id": first_id}))
    assert slots_set(again)["application_id"] == first_id  # the same summary shown again
    _, fresh = run(ActionConcludeApplication(), make_tracker(COMPLETE))
    assert slots_set(fresh)["application_id"] != first_id
