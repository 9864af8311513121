"""The application journey as merchants have it (socket.io chat), against the real Rasa server,
action server and ticket store: apply, query, withdraw, and everything that can go wrong."""

import uuid

import shapes
from tests.conftest import response_texts

TICKET_NO = shapes.TICKET_NO.in_text


def serial() -> str:
    return "QA" + uuid.uuid4().hex[:10].upper().replace("A", "7")


def apply(merchant, terminal_sn):
    """Runs the form to the summary; returns every reply on the way."""
    replies = merchant.texts(f"我要注销POS机，商户号862014937715503，机身号{terminal_sn}")
    replies += merchant.texts("139 1234 5678")
    replies += merchant.texts("店铺转让了")
    replies += merchant.texts("是的，已经转出了")
    return replies


def submitted_ticket(merchant) -> str:
    [submitted] = merchant.texts("确认")
    assert "13912345678" not in submitted
    return TICKET_NO.search(submitted).group(0)


def test_apply_query_withdraw_and_query_again(merchants, desk, domain):
    terminal_sn = serial()
    merchant = merchants().connect()
    summary = apply(merchant, terminal_sn)[-1]
    assert "139****5678" in summary and "13912345678" not in summary
    assert terminal_sn in summary and "店铺关闭或转让" in summary

    ticket_no = submitted_ticket(merchant)
    ticket = desk.office.tickets.get(ticket_no)
    assert ticket.terminal_sn == terminal_sn and ticket.phone == "13912345678"

    # a new conversation must prove ownership with the phone's last 4 digits
    other = merchants().connect()
    assert other.texts(f"帮我查一下{ticket_no}的进度") == response_texts(domain, "utter_ask_ownership_proof")
    # a wrong phone: the same answer as for a number that does not exist, then start over
    assert other.texts("13912340000") == response_texts(domain, "utter_ticket_or_phone_mismatch") + response_texts(
        domain, "utter_ask_ticket_no"
    )
    assert other.texts(ticket_no) == response_texts(domain, "utter_ask_ownership_proof")
    status = other.texts("139 1234 5678")
    assert "已提交" in status[0] and ticket_no in status[0]

    ask = other.texts(f"我要撤回申请{ticket_no}")
    assert "确定要撤回" in ask[0]
    withdrawn = other.texts("确认")
    assert "已撤回" in withdrawn[0]

    again = merchants().connect()
    again.texts(f"查询进度{ticket_no}")
    assert "已撤回" in again.texts("13912345678")[0]


def test_the_conversation_that_applied_needs_no_proof(merchants):
    merchant = merchants().connect()
    apply(merchant, serial())
    ticket_no = submitted_ticket(merchant)
    status = merchant.texts(f"{ticket_no}现在什么状态")
    assert "已提交" in status[0]


def test_second_application_for_the_same_terminal_gets_the_existing_ticket(merchants):
    terminal_sn = serial()
    first = merchants().connect()
    apply(first, terminal_sn)
    ticket_no = submitted_ticket(first)
    replies = merchants().connect().texts(f"我要注销，机身号{terminal_sn}")
    masked = ticket_no[:10] + "****" + ticket_no[-2:]
    assert any(masked in reply and "已有注销申请记录" in reply for reply in replies)
    assert not any(ticket_no in reply for reply in replies)  # the full number needs the owner
    assert not any("已提交" in reply for reply in replies)  # and the serial alone tells no status


def test_declining_the_summary_submits_nothing(merchants, desk, domain):
    terminal_sn = serial()
    merchant = merchants().connect()
    apply(merchant, terminal_sn)
    assert merchant.texts("不对，不要提交") == response_texts(domain, "utter_application_stopped")
    assert desk.office.tickets.list_tickets(terminal_sn=terminal_sn) == []


def test_bad_phone_is_asked_again_and_a_correction_updates_the_summary(merchants, domain):
    merchant = merchants().connect()
    merchant.texts(f"我要注销POS机，商户号862014937715503，机身号{serial()}")
    assert merchant.texts("1391234") == response_texts(domain, "utter_invalid_phone") + response_texts(
        domain, "utter_ask_phone"
    )
    merchant.texts("13912345678")
    merchant.texts("不用了")
    summary = merchant.texts("是的，已经转出了")[-1]
    assert "139****5678" in summary
    corrected = merchant.texts("手机号改成13800001111")[-1]
    assert "138****1111" in corrected


def test_quitting_the_form_and_a_question_in_the_middle(merchants, domain):
    merchant = merchants().connect()
    merchant.texts("我要申请注销")
    answer = merchant.texts("注销要收费吗")
    assert answer[0] == response_texts(domain, "utter_faq/policy_and_fees")[0]
    assert answer[-1] == response_texts(domain, "utter_ask_merchant_no")[0]
    assert merchant.texts("不办了，取消申请") == response_texts(domain, "utter_application_stopped")


def test_a_card_number_is_refused(merchants, domain):
    merchant = merchants().connect()
    merchant.texts(f"我要注销POS机，商户号862014937715503，机身号{serial()}")
    replies = merchant.texts("6222 0212 3456 7890 128")
    assert replies[0] == response_texts(domain, "utter_no_card_numbers")[0]
    assert all("6222" not in reply for reply in replies)


def test_a_policy_question_at_the_summary_keeps_the_summary(merchants, domain):
    merchant = merchants().connect()
    apply(merchant, serial())
    replies = merchant.texts("注销要收费吗")
    assert replies[0] == response_texts(domain, "utter_faq/policy_and_fees")[0]
    assert replies[-1].startswith("请核对您的注销申请")
    assert submitted_ticket(merchant)


def test_a_new_application_after_withdrawal_gets_a_new_ticket(merchants):
    terminal_sn = serial()
    merchant = merchants().connect()
    apply(merchant, terminal_sn)
    first = submitted_ticket(merchant)
    merchant.texts(f"撤回申请{first}")
    assert "已撤回" in merchant.texts("确认")[0]
    apply(merchant, terminal_sn)
    assert submitted_ticket(merchant) != first


def test_giving_up_a_status_query(merchants, domain):
    merchant = merchants().connect()
    assert merchant.texts("查询进度") == response_texts(domain, "utter_ask_ticket_no")
    assert merchant.texts("算了不查了") == response_texts(domain, "utter_ticket_access_stopped")
