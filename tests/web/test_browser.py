"""Real browsers (Debian's chromium, driven by Playwright) against the real stack: a merchant on the
chat page and an agent in the console. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

import pytest

from devtools.clients import APPLICATION_ANSWERS
from devtools.stack import PROJECT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT / "tests" / "artifacts"
TIMEOUT_MS = 30_000

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (scripts/install_system_packages.sh)"
)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


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


def test_merchant_and_agent_in_real_browsers(browser, rasa_stack, desk):
    from playwright.sync_api import expect

    base = rasa_stack.rasa_url
    merchant_context = browser.new_context(viewport={"width": 390, "height": 780}, locale="zh-CN")
    page = merchant_context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base}/")
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
    console_context = browser.new_context(viewport={"width": 1400, "height": 860}, locale="zh-CN")
    console = console_context.new_page()
    console.set_default_timeout(TIMEOUT_MS)
    console.goto(f"{base}/console")
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
    send(page, "注销需要准备哪些材料")
    expect(page.locator("#messages .msg.bot .text").last).to_contain_text("材料")

    # A reload keeps the whole conversation, agent's reply included.
    count = page.locator("#messages .msg").count()
    page.reload()
    expect(page.locator("#messages .msg.agent .text").last).to_have_text(page_reply)
    expect(page.locator("#messages .msg")).to_have_count(count)
    shot(page, "chat-page-after-reload")

    console_context.close()
    merchant_context.close()


def test_quick_replies_and_the_widget(browser, rasa_stack):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 360, "height": 720}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{rasa_stack.rasa_url}/")
    send(page, "你好")
    button = page.locator("#messages button.quick-reply", has_text="注销流程").last
    button.click()
    expect(page.locator("#messages .msg.bot .text").last).to_contain_text("注销")

    # The widget: one script tag on a page of the same site opens the chat in a frame.
    page.set_content(
        f'<html><body><h1>商户服务</h1><script src="{rasa_stack.rasa_url}/static/widget.js"></script></body></html>'
    )
    page.click("#zhuxiao-widget-button")
    frame = page.frame_locator("#zhuxiao-widget-frame")
    expect(frame.locator("#message-input")).to_be_visible()
    shot(page, "widget")
    context.close()
