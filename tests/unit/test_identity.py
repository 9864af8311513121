"""The signed conversation cookie: only ids we issued are accepted."""

import pytest

from web.identity import conversation_of, new_chat_cookie

SECRET = b"k" * 32


def test_an_issued_cookie_names_its_conversation():
    cookie = new_chat_cookie(SECRET)
    assert conversation_of(SECRET, cookie) == cookie.split(".")[0]
    assert new_chat_cookie(SECRET) != cookie


@pytest.mark.parametrize(
    "forged",
    [
        None,
        "",
        "abc",
        "0" * 32,
        "0" * 32 + "." + "0" * 64,
        "0" * 32 + ".é",
        "注" * 32 + "." + "0" * 64,
        "a.b.c",
    ],
)
def test_forged_or_garbled_cookies_are_refused(forged):
    assert conversation_of(SECRET, forged) is None


def test_another_secret_does_not_verify():
    assert conversation_of(b"x" * 32, new_chat_cookie(SECRET)) is None


class _Request:
    def __init__(self, ip, forwarded=None):
        self.ip = ip
        self.headers = {"x-forwarded-for": forwarded} if forwarded else {}


def test_client_address_believes_forwarding_only_from_our_own_proxies():
    from web.identity import client_address

    assert client_address(_Request("203.0.113.9", "1.2.3.4"), ["127.0.0.1"]) == "203.0.113.9"  # not our proxy
    assert client_address(_Request("127.0.0.1", "1.2.3.4"), ["127.0.0.1"]) == "1.2.3.4"
    # A client's own X-Forwarded-For comes first in the list; the address our proxy saw comes last.
    assert client_address(_Request("10.244.3.7", "6.6.6.6, 198.51.100.2"), ["10.244.0.0/16"]) == "198.51.100.2"
    assert client_address(_Request("10.244.3.7", "198.51.100.2, 10.244.1.1"), ["10.244.0.0/16"]) == "198.51.100.2"
    assert client_address(_Request("127.0.0.1"), ["127.0.0.1"]) == "127.0.0.1"
