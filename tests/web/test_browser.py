"""Real browsers (Debian's chromium, driven by Playwright) against the real stack: a merchant on the
chat page and an agent in the console. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import re
import shutil
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from devtools.clients import APPLICATION_ANSWERS, new_address
from devtools.stack import PROJECT
from dialogue.topics import FAQ_TOPICS
from runtime.clock import SHANGHAI
from tests.conftest import requires
from tickets.statuses import AgentRole, HandoffReason

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT / "tests" / "artifacts"
TIMEOUT_MS = 30_000

pytestmark = requires(
    Path(CHROMIUM).exists(), "Debian's chromium is not installed (scripts/install_system_packages.sh)"
)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def person(browser, width: int, height: int, **options):
    """A browser context of its own: a person with their own address to the rate limits (the stack
    trusts 127.0.0.1 as its nginx), a screen size and the Chinese locale."""
    viewport = {"width": width, "height": height}
    return browser.new_context(
        viewport=viewport, locale="zh-CN", extra_http_headers={"X-Forwarded-For": new_address()}, **options
    )


def opened(browser, width: int, height: int, url: str, **options):
    """A page of a new person (see `person`) at `url`; page.context.close() ends it."""
    page = person(browser, width, height, **options).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    return page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def last_bot_text(page, kind: str = "bot") -> str:
    return page.locator(f"#messages .msg.{kind} .text").last.inner_text()


def send(page, text: str) -> None:
    page.fill("#message-input", text)
    page.click("#send-button")


def turn(page, text: str) -> None:
    """Send and wait for the bot's answer to be complete."""
    before = page.locator("#messages .msg.bot").count()
    send(page, text)
    page.wait_for_function("n => document.querySelectorAll('#messages .msg.bot').length > n", arg=before)
    page.locator("#typing").wait_for(state="hidden")


def first_line(domain: dict, topic: str) -> str:
    """The first line of a policy topic's answer: enough to tell it from every other answer."""
    return domain["responses"][f"utter_faq/{topic}"][0]["text"].splitlines()[0]


def test_merchant_and_agent_in_real_browsers(browser, rasa_stack, desk, domain):
    from playwright.sync_api import expect

    base = rasa_stack.rasa_url
    page = opened(browser, 390, 780, f"{base}/")
    expect(page.locator("#connection-status")).to_be_hidden()

    # An FAQ, answered in the page.
    send(page, "注销要收费吗")
    expect(page.locator("#messages .msg.merchant .text").last).to_have_text("注销要收费吗")
    expect(page.locator("#messages .msg.bot .text").last).to_contain_text("费用")
    expect(page.locator("#messages .msg.bot time").last).to_have_text(re.compile(r"\d{2}:\d{2}"))

    # An application, so that the agent has a ticket to work on.
    turn(page, f"我要注销POS机，商户号862014937715503，机身号BR{uuid.uuid4().hex[:10].upper()}")
    for text in APPLICATION_ANSWERS:
        turn(page, text)
    expect(page.locator("#messages .msg.bot .text").last).to_contain_text("ZX")

    # Asking for a person with nobody online: queued, a call back offered, and the bot goes quiet.
    desk.nobody_online()
    send(page, "转人工")
    expect(page.locator("#messages .msg.bot .text", has_text="排在第")).to_have_count(1)
    expect(page.locator("#messages .msg.bot .text").last).to_contain_text("139****5678")  # call-back offer
    expect(page.locator("#handoff-status")).to_be_visible()
    shot(page, "chat-page-handed-off")

    # An agent logs in, claims the case and replies; the merchant sees it live.
    agent = desk.new_agent("李客服")
    console = opened(browser, 1400, 860, f"{base}/console")
    console.fill("#login-form input[name=username]", agent.username)
    console.fill("#login-form input[name=password]", agent.password)
    console.click("#login-form button[type=submit]")
    expect(console.locator("#agent-name")).to_have_text("李客服")
    case_no = desk.case_of_conversation(page.context.cookies()).case_no
    waiting = console.locator(f"#queue .case[data-case-no='{case_no}']")
    expect(waiting).to_be_visible()
    waiting.locator(".claim-button").click()
    expect(console.locator("#transcript .msg.merchant .text").last).to_have_text("转人工")
    expect(page.locator("#handoff-status")).to_contain_text("人工客服已接入")

    page_reply = "您好，我是李客服，您的注销问题我来处理。"
    console.fill("#reply-input", page_reply)
    console.click("#reply-send")
    expect(page.locator("#messages .msg.agent .text").last).to_have_text(page_reply)
    send(page, "好的，谢谢")
    expect(console.locator("#transcript .msg.merchant .text").last).to_have_text("好的，谢谢")

    # The linked ticket, moved along its lifecycle from the console.
    panel = console.locator("#ticket-panel")
    expect(panel).to_contain_text("已提交")
    console.once("dialog", lambda dialog: dialog.accept("材料齐全"))
    panel.locator("button.move-button[data-status='in_review']").click()
    expect(panel).to_contain_text("审核中")
    expect(panel).to_contain_text("材料齐全")
    shot(console, "agent-console")
    shot(page, "chat-page-agent-reply")

    # Back to the bot: the next FAQ is answered by it again.
    console.click("#return-button")
    expect(page.locator("#handoff-status")).to_be_hidden()
    turn(page, FAQ_TOPICS["required_documents"].question)  # the whole answer, before counting below
    expect(page.locator("#messages .msg.bot .text").last).to_contain_text(first_line(domain, "required_documents"))

    # The page shows everything stored for the conversation, and a reload keeps it all, agent's
    # reply included (counted against the server's record: a message may still be on its way).
    stored = page.evaluate("async () => (await (await fetch('/chat/history')).json()).messages.length")
    greeting = 1  # shown on opening, never stored
    expect(page.locator("#messages .msg")).to_have_count(stored + greeting)
    page.reload()
    expect(page.locator("#messages .msg.agent .text").last).to_have_text(page_reply)
    expect(page.locator("#messages .msg")).to_have_count(stored + greeting)
    shot(page, "chat-page-after-reload")

    console.context.close()
    page.context.close()


def test_quick_replies_and_the_widget(browser, rasa_stack, domain):
    from playwright.sync_api import expect

    page = opened(browser, 360, 720, f"{rasa_stack.rasa_url}/")
    turn(page, "你好")  # the greeting again, below the welcome (whose buttons are now spent)
    button = page.locator("#messages button.quick-reply", has_text=FAQ_TOPICS["process_steps"].title).last
    button.click()
    expect(page.locator("#messages .msg.bot .text").last).to_contain_text(first_line(domain, "process_steps"))

    # The widget: one script tag on a page of the same site opens the chat in a frame.
    page.set_content(
        f'<html><body><h1>商户服务</h1><script src="{rasa_stack.rasa_url}/static/widget.js"></script></body></html>'
    )
    page.click("#zhuxiao-widget-button")
    frame = page.frame_locator("#zhuxiao-widget-frame")
    expect(frame.locator("#message-input")).to_be_visible()
    shot(page, "widget")
    page.context.close()


def test_the_page_greets_before_the_merchant_types_and_not_twice(browser, rasa_stack, domain):
    from playwright.sync_api import expect

    page = opened(browser, 390, 780, f"{rasa_stack.rasa_url}/")
    greeting = domain["responses"]["utter_greet"][0]["text"].splitlines()[0]
    expect(page.locator("#messages .msg.bot .text").first).to_contain_text(greeting)
    topic = page.locator("#messages button.quick-reply", has_text=FAQ_TOPICS["policy_and_fees"].title)
    topic.click()
    expect(page.locator("#messages .msg.bot .text").last).to_contain_text(first_line(domain, "policy_and_fees"))
    rating = page.locator("#messages .msg.bot").last.locator("button.quick-reply")
    expect(rating).to_have_text(["有帮助", "没帮助"])
    rating.first.click()
    expect(page.locator("#messages .msg.bot .text").last).to_contain_text("感谢您的评价")

    page.reload()
    expect(page.locator("#messages .msg.bot .text").last).to_contain_text("感谢您的评价")
    expect(page.locator("#messages .msg.bot .text", has_text=greeting)).to_have_count(1)
    page.context.close()


def test_a_case_that_cannot_be_reread_after_a_call_back_is_told_in_chinese(browser, rasa_stack, desk):
    """标记已回电, then the case cannot be read again: the agent is told why in Chinese. The console
    once refreshed the case there without its options and showed an English TypeError instead."""
    from playwright.sync_api import expect

    conversation = uuid.uuid4().hex
    queue = desk.office.queue
    case = queue.open_handoff(conversation_id=conversation, reason=HandoffReason.REQUESTED, phone="13912345678").case
    case_no = case.case_no
    assert queue.request_callback(conversation).callback_requested
    agent = desk.new_agent("周客服")
    assert agent.login(rasa_stack.rasa_url).post(f"/cases/{case_no}/claim").ok

    console = opened(browser, 1400, 860, f"{rasa_stack.rasa_url}/console")
    login(console, agent)
    console.locator(f"#queue-mine .case[data-case-no='{case_no}']").click()
    done = console.locator("#case-header button.callback-done")
    expect(done).to_be_visible()
    # The call back is recorded (answered here: the server's own notice would start a background
    # refresh racing this one), then the case request fails.
    console.route(f"**/console/api/cases/{case_no}/callback-done", lambda route: route.fulfill(json={"case": {}}))
    console.route(
        re.compile(rf"/console/api/cases/{case_no}$"),
        lambda route: route.abort() if route.request.method == "GET" else route.fallback(),
    )
    done.click()
    expect(console.locator("#console-error")).to_have_text("网络异常，请检查网络后重试")
    console.context.close()


AXE = PROJECT / "web" / "node_modules" / "axe-core" / "axe.min.js"


def wcag_violations(page) -> list:
    """axe-core's WCAG 2 A and AA rules on the page as it is now: [(rule, [targets])]."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})")
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]


def login(console, agent) -> None:
    console.fill("#login-form input[name=username]", agent.username)
    console.fill("#login-form input[name=password]", agent.password)
    console.click("#login-form button[type=submit]")


def open_board(console, desk, name: str) -> None:
    """A new lead called `name` logs in on the console page and follows its link to the board."""
    from playwright.sync_api import expect

    login(console, desk.new_agent(name, role=AgentRole.LEAD))
    expect(console.locator("#agent-name")).to_have_text(name)
    console.click("#insights-link")
    expect(console.locator("#kpi-conversations")).to_have_text(re.compile(r"^\d+$"))


def test_a_lead_picks_a_period_and_sees_the_charts(browser, rasa_stack, desk):
    from playwright.sync_api import expect

    console = opened(browser, 1400, 900, f"{rasa_stack.rasa_url}/console")
    open_board(console, desk, "王组长")
    console.select_option("#period-preset", "30d")
    console.click("#period-form button[type=submit]")
    today = datetime.now(SHANGHAI).date()
    expect(console.locator("#period-label")).to_have_text(f"{today - timedelta(days=29)} 至 {today}")
    # ECharts (served from this site, under its Content-Security-Policy) draws every chart.
    for chart in console.locator(".chart").all():
        expect(chart.locator("canvas")).to_have_count(1)
    expect(console.locator("#unanswered-rows tr").first).to_be_visible()
    expect(console.locator("a.csv[data-table=topics]")).to_have_attribute(
        "href", re.compile(r"csv/topics\?period=30d$")
    )
    shot(console, "insights")
    console.context.close()


def test_chat_console_and_insights_meet_wcag_2_aa(browser, rasa_stack, desk):
    from playwright.sync_api import expect

    # axe-core is injected as a script of its own, which our Content-Security-Policy refuses.
    page = opened(browser, 390, 780, f"{rasa_stack.rasa_url}/", bypass_csp=True)
    turn(page, "注销要收费吗")
    assert wcag_violations(page) == []

    console = opened(browser, 1400, 860, f"{rasa_stack.rasa_url}/console", bypass_csp=True)
    expect(console.locator("#login-form")).to_be_visible()
    assert wcag_violations(console) == []
    open_board(console, desk, "李组长")
    assert wcag_violations(console) == []
    console.go_back()
    expect(console.locator("#workspace")).to_be_visible()
    assert wcag_violations(console) == []
    console.context.close()
    page.context.close()


def test_an_agent_who_is_not_a_lead_is_told_so_on_the_board(browser, rasa_stack, desk):
    from playwright.sync_api import expect

    console = opened(browser, 1280, 800, f"{rasa_stack.rasa_url}/console")
    login(console, desk.new_agent("赵客服"))
    expect(console.locator("#agent-name")).to_have_text("赵客服")
    expect(console.locator("#insights-link")).to_be_hidden()
    console.goto(f"{rasa_stack.rasa_url}/console/insights")
    expect(console.locator("#gate-text")).to_have_text("仅客服组长可以查看数据看板")
    expect(console.locator("#board")).to_be_hidden()
    console.context.close()
