"""The application journey over REST, against the real Rasa server, action server and ticket store."""
import re
import uuid

from tests.conftest import response_texts
from tickets.store import TicketStore

TICKET_NO = re.compile(r"ZX\d{12}")


def new_conversation() -> str:
    return f"merchant-{uuid.uuid4().hex[:10]}"


def say(stack, conversation, message):
    return [m.get("text", "") for m in stack.webhook(conversation, message)]


def serial() -> str:
    return "QA" + uuid.uuid4().hex[:10].upper().replace("A", "7")


def apply(stack, conversation, terminal_sn):
    """Runs the form to the summary; returns every reply on the way."""
    replies = say(stack, conversation, f"我要注销POS机，商户号862014937715503，机身号{terminal_sn}")
    replies += say(stack, conversation, "139 1234 5678")
    replies += say(stack, conversation, "店铺转让了")
    replies += say(stack, conversation, "是的，已经转出了")
    replies += say(stack, conversation, "邮寄回收")
    return replies


def test_apply_query_withdraw_and_query_again(rasa_stack, domain):
    terminal_sn = serial()
    conversation = new_conversation()
    replies = apply(rasa_stack, conversation, terminal_sn)
    summary = replies[-1]
    assert "139****5678" in summary and "13912345678" not in summary
    assert terminal_sn in summary and "邮寄回收" in summary and "店铺关闭或转让" in summary

    [submitted] = say(rasa_stack, conversation, "确认")
    ticket_no = TICKET_NO.search(submitted).group(0)
    assert "13912345678" not in submitted
    ticket = TicketStore.from_url(rasa_stack.database_url).get(ticket_no)
    assert ticket.terminal_sn == terminal_sn and ticket.phone == "13912345678"

    # a new conversation must prove ownership with the phone's last 4 digits
    other = new_conversation()
    assert say(rasa_stack, other, f"帮我查一下{ticket_no}的进度") == response_texts(domain, "utter_ask_phone_last4")
    # wrong digits: the same answer as for a number that does not exist, then start over
    assert say(rasa_stack, other, "1234") == response_texts(domain, "utter_ticket_or_phone_mismatch") + \
        response_texts(domain, "utter_ask_ticket_no")
    assert say(rasa_stack, other, ticket_no) == response_texts(domain, "utter_ask_phone_last4")
    status = say(rasa_stack, other, "5678")
    assert "已提交" in status[0] and ticket_no in status[0]

    ask = say(rasa_stack, other, f"我要撤回申请{ticket_no}")
    assert "确定要撤回" in ask[0]
    withdrawn = say(rasa_stack, other, "确认")
    assert "已撤销" in withdrawn[0]

    again = new_conversation()
    say(rasa_stack, again, f"查询进度{ticket_no}")
    assert "已撤销" in say(rasa_stack, again, "5678")[0]


def test_the_conversation_that_applied_needs_no_proof(rasa_stack):
    conversation = new_conversation()
    apply(rasa_stack, conversation, serial())
    [submitted] = say(rasa_stack, conversation, "确认")
    ticket_no = TICKET_NO.search(submitted).group(0)
    status = say(rasa_stack, conversation, f"{ticket_no}现在什么状态")
    assert "已提交" in status[0]


def test_second_application_for_the_same_terminal_gets_the_existing_ticket(rasa_stack):
    terminal_sn = serial()
    first = new_conversation()
    apply(rasa_stack, first, terminal_sn)
    ticket_no = TICKET_NO.search(say(rasa_stack, first, "确认")[0]).group(0)
    replies = say(rasa_stack, new_conversation(), f"我要注销，机身号{terminal_sn}")
    masked = ticket_no[:6] + "****" + ticket_no[-4:]
    assert any(masked in reply and "已提交" in reply for reply in replies)
    assert not any(ticket_no in reply for reply in replies)  # the full number needs the owner


def test_declining_the_summary_submits_nothing(rasa_stack, domain):
    terminal_sn = serial()
    conversation = new_conversation()
    apply(rasa_stack, conversation, terminal_sn)
    assert say(rasa_stack, conversation, "不对，不要提交") == response_texts(domain, "utter_application_stopped")
    assert TicketStore.from_url(rasa_stack.database_url).list_tickets(terminal_sn=terminal_sn) == []


def test_bad_phone_is_asked_again_and_a_correction_updates_the_summary(rasa_stack, domain):
    conversation = new_conversation()
    say(rasa_stack, conversation, f"我要注销POS机，商户号862014937715503，机身号{serial()}")
    assert say(rasa_stack, conversation, "1391234") == response_texts(domain, "utter_invalid_phone") + \
        response_texts(domain, "utter_ask_phone")
    say(rasa_stack, conversation, "13912345678")
    say(rasa_stack, conversation, "不用了")
    say(rasa_stack, conversation, "是的，已经转出了")
    summary = say(rasa_stack, conversation, "网点交还")[-1]
    assert "139****5678" in summary and "网点交还" in summary
    corrected = say(rasa_stack, conversation, "手机号改成13800001111")[-1]
    assert "138****1111" in corrected


def test_quitting_the_form_and_a_question_in_the_middle(rasa_stack, domain):
    conversation = new_conversation()
    say(rasa_stack, conversation, "我要申请注销")
    answer = say(rasa_stack, conversation, "注销要收费吗")
    assert answer[0] == response_texts(domain, "utter_faq/policy_and_fees")[0]
    assert answer[-1] == response_texts(domain, "utter_ask_merchant_no")[0]
    assert say(rasa_stack, conversation, "不办了，取消申请") == response_texts(domain, "utter_application_stopped")


def test_a_card_number_is_refused(rasa_stack, domain):
    conversation = new_conversation()
    say(rasa_stack, conversation, f"我要注销POS机，商户号862014937715503，机身号{serial()}")
    replies = say(rasa_stack, conversation, "6222 0212 3456 7890 128")
    assert replies[0] == response_texts(domain, "utter_no_card_numbers")[0]
    assert all("6222" not in reply for reply in replies)


def test_a_policy_question_at_the_summary_keeps_the_summary(rasa_stack, domain):
    conversation = new_conversation()
    apply(rasa_stack, conversation, serial())
    replies = say(rasa_stack, conversation, "注销要收费吗")
    assert replies[0] == response_texts(domain, "utter_faq/policy_and_fees")[0]
    assert replies[-1].startswith("请核对您的注销申请")
    assert TICKET_NO.search(say(rasa_stack, conversation, "确认")[0])


def test_a_new_application_after_withdrawal_gets_a_new_ticket(rasa_stack):
    terminal_sn = serial()
    conversation = new_conversation()
    apply(rasa_stack, conversation, terminal_sn)
    first = TICKET_NO.search(say(rasa_stack, conversation, "确认")[0]).group(0)
    say(rasa_stack, conversation, f"撤回申请{first}")
    assert "已撤销" in say(rasa_stack, conversation, "确认")[0]
    apply(rasa_stack, conversation, terminal_sn)
    second = TICKET_NO.search(say(rasa_stack, conversation, "确认")[0]).group(0)
    assert second != first


def test_giving_up_a_status_query(rasa_stack, domain):
    conversation = new_conversation()
    assert say(rasa_stack, conversation, "查询进度") == response_texts(domain, "utter_ask_ticket_no")
    assert say(rasa_stack, conversation, "算了不查了") == response_texts(domain, "utter_ticket_access_stopped")
