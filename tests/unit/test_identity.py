"""The signed conversation token and the agent's device cookie: only what we signed, not expired,
and a key that rotates without logging anyone out."""

import pytest
from itsdangerous import TimestampSigner

from web.identity import AGENT_DEVICE_MAX_AGE_S, CHAT_MAX_AGE_S, CHAT_RENEW_AFTER_S, Signatures, client_address

OLD, CURRENT = b"o" * 32, b"k" * 32


@pytest.fixture
def now(monkeypatch):
    """itsdangerous's clock, moved by the test (seconds since the epoch)."""
    clock = {"t": 1_796_000_000}
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: clock["t"])
    return clock


def test_an_issued_token_names_its_conversation(now):
    signatures = Signatures(CURRENT)
    token = signatures.new_chat_token()
    identity = signatures.chat_identity(token)
    assert identity.conversation_id == token.split(".")[0] and len(identity.conversation_id) == 32
    assert identity.renewed_token is None  # fresh: nothing to renew
    assert signatures.new_chat_token() != token


def test_a_token_expires_after_thirty_days_unused_and_renews_while_used(now):
    signatures = Signatures(CURRENT)
    token = signatures.new_chat_token()
    now["t"] += CHAT_RENEW_AFTER_S + 1
    renewed = signatures.chat_identity(token).renewed_token  # a page load a day later
    assert renewed and signatures.chat_identity(renewed).conversation_id == token.split(".")[0]
    now["t"] += CHAT_MAX_AGE_S - CHAT_RENEW_AFTER_S  # the old one is past 30 days, the renewed one is not
    assert signatures.chat_identity(token) is None
    assert signatures.chat_identity(renewed) is not None


def test_a_rotated_key_still_accepts_old_tokens_and_re_signs_them(now):
    token = Signatures(OLD).new_chat_token()
    rotated = Signatures(CURRENT, previous=[OLD])
    identity = rotated.chat_identity(token)
    assert identity is not None and identity.renewed_token  # still in, re-signed with the new key
    assert Signatures(CURRENT).chat_identity(identity.renewed_token).conversation_id == identity.conversation_id
    assert Signatures(CURRENT).chat_identity(token) is None  # once the old key is dropped


@pytest.mark.parametrize(
    "forged",
    [None, "", "abc", "0" * 32, "0" * 32 + ".AAAAAA." + "0" * 27, "注" * 32 + ".x.y", "a.b.c", "x" * 500],
)
def test_forged_or_garbled_tokens_are_refused(forged):
    assert Signatures(CURRENT).chat_identity(forged) is None


def test_a_signed_value_that_is_not_a_conversation_id_is_refused():
    signed = TimestampSigner([CURRENT], salt="zx-chat").sign("../admin").decode()
    assert Signatures(CURRENT).chat_identity(signed) is None


def test_another_secret_does_not_verify():
    assert Signatures(b"x" * 32).chat_identity(Signatures(CURRENT).new_chat_token()) is None


def test_a_device_cookie_is_for_its_agent_only_and_expires(now):
    signatures = Signatures(CURRENT)
    cookie = signatures.device_cookie("wangfang", "k" * 32)
    assert signatures.device_key(cookie, "WangFang ") == "k" * 32
    assert signatures.device_key(cookie, "lihua") is None  # another account's device is unknown
    assert Signatures(b"x" * 32).device_key(cookie, "wangfang") is None
    assert signatures.device_key(cookie[:-2] + "xx", "wangfang") is None
    now["t"] += AGENT_DEVICE_MAX_AGE_S + 1
    assert signatures.device_key(cookie, "wangfang") is None


class _Request:
    def __init__(self, ip, forwarded=None):
        self.ip = ip
        self.headers = {"x-forwarded-for": forwarded} if forwarded else {}


def test_client_address_believes_forwarding_only_from_our_own_proxies():
    assert client_address(_Request("203.0.113.9", "1.2.3.4"), ["127.0.0.1"]) == "203.0.113.9"  # not our proxy
    assert client_address(_Request("127.0.0.1", "1.2.3.4"), ["127.0.0.1"]) == "1.2.3.4"
    # A client's own X-Forwarded-For comes first in the list; the address our proxy saw comes last.
    assert client_address(_Request("10.244.3.7", "6.6.6.6, 198.51.100.2"), ["10.244.0.0/16"]) == "198.51.100.2"
    assert client_address(_Request("10.244.3.7", "198.51.100.2, 10.244.1.1"), ["10.244.0.0/16"]) == "198.51.100.2"
    assert client_address(_Request("127.0.0.1"), ["127.0.0.1"]) == "127.0.0.1"
