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
