"""The widget on a partner's site, over HTTPS, as a merchant meets it (issue #19): nginx with a
certificate made for the test serves our site (https://127.0.0.1:…) and a partner's page with the
widget's one tag (https://localhost:… — another site), in chromium where third-party cookies are
blocked (chromium's own default here; the test shows it with a probe cookie).

Our chat cookie is Partitioned (CHIPS), so the frame keeps its conversation across visits; where
a browser keeps no cookie of ours at all, the frame presents the conversation token itself."""

import json
import shutil
from pathlib import Path

import pytest

from devtools.https_sites import https_sites
from devtools.stack import free_port, running_stack
from tests.conftest import requires

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TIMEOUT_MS = 30_000
QUESTION = "注销要收费吗"

pytestmark = requires(
    Path(CHROMIUM).exists(), "Debian's chromium is not installed (scripts/install_system_packages.sh)"
)


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    ours, partner = free_port(), free_port()
    workdir = tmp_path_factory.mktemp("widget")
    settings = {
        "ZX_SECURE_COOKIES": "1",
        "ZX_SITE_ORIGINS": f"https://127.0.0.1:{ours}",
        "ZX_EMBED_ORIGINS": f"https://localhost:{partner}",
    }
    with running_stack(workdir / "stack", **settings) as stack:
        with https_sites(workdir / "sites", stack.rasa_url, ours, partner) as running:
            yield running


def browser_with(tmp_path, playwright, preferences: dict):
    """A chromium profile with these preferences (how a user's settings are kept)."""
    (tmp_path / "Default").mkdir(parents=True)
    (tmp_path / "Default" / "Preferences").write_text(json.dumps(preferences), encoding="utf-8")
    return playwright.chromium.launch_persistent_context(
        str(tmp_path),
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-background-networking"],
        ignore_https_errors=True,  # the test's own certificate
        locale="zh-CN",
    )


def open_widget(page, sites):
    page.goto(sites.partner)
    page.click("#zhuxiao-widget-button", timeout=TIMEOUT_MS)
    frame = page.wait_for_selector("iframe", timeout=TIMEOUT_MS).content_frame()
    frame.wait_for_selector("#messages .msg.bot", timeout=TIMEOUT_MS)  # the greeting
    return frame


def ask(frame, text):
    answers = frame.locator("#messages .msg.bot")
    before = answers.count()
    frame.fill("#message-input", text)
    frame.click("#send-button")
    frame.wait_for_function(
        f"() => document.querySelectorAll('#messages .msg.bot').length > {before}", timeout=TIMEOUT_MS
    )
    return answers.last.inner_text()


def texts(frame):
    return frame.eval_on_selector_all("#messages .msg .text", "nodes => nodes.map(n => n.textContent)")


def test_the_widget_keeps_its_conversation_where_third_party_cookies_are_blocked(sites, tmp_path, domain):
    from playwright.sync_api import sync_playwright

    fees = domain["responses"]["utter_faq/policy_and_fees"][0]["text"]
    with sync_playwright() as playwright:
        context = browser_with(tmp_path, playwright, {"profile": {"cookie_controls_mode": 1}})
        try:
            page = context.new_page()
            frame = open_widget(page, sites)
            # The control: an ordinary third-party cookie is refused in this frame.
            probe = frame.evaluate(
                "() => { document.cookie = 'probe=1; SameSite=None; Secure'; return document.cookie }"
            )
            assert "probe" not in probe
            assert fees.splitlines()[0] in ask(frame, QUESTION)
            page.reload()
            again = open_widget(page, sites)  # the merchant comes back to the partner's page
            again.wait_for_function(
                "q => [...document.querySelectorAll('#messages .msg .text')].some(n => n.textContent === q)",
                arg=QUESTION,
                timeout=TIMEOUT_MS,
            )
            assert QUESTION in texts(again) and any(fees.splitlines()[0] in t for t in texts(again))
            assert again.locator("#connection-status").is_hidden()
        finally:
            context.close()


def test_a_frame_that_may_keep_nothing_of_ours_still_chats(sites, tmp_path, domain):
    """A browser that keeps no cookie or storage of our site at all: the page presents the token it
    was handed in the history call and the socket.io handshake, for as long as it is open."""
    from playwright.sync_api import sync_playwright

    ours = {f"{sites.ours},*": {"setting": 2}}  # 2: block
    with sync_playwright() as playwright:
        context = browser_with(
            tmp_path, playwright, {"profile": {"content_settings": {"exceptions": {"cookies": ours}}}}
        )
        try:
            frame = open_widget(context.new_page(), sites)
            assert frame.evaluate(
                "() => { try { localStorage.length; return 'kept' } catch { return 'refused' } }"
            ) == ("refused")
            fees = domain["responses"]["utter_faq/policy_and_fees"][0]["text"]
            assert fees.splitlines()[0] in ask(frame, QUESTION)
            assert context.cookies() == []  # nothing of ours was kept: the token did it
        finally:
            context.close()
