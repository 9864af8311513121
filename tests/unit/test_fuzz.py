"""Property-based fuzzing (hypothesis) of what reads merchants' text: the normaliser, the form
readers and masking. However a number is written, it is read right and never shown in clear."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from actions import form_values
from chinese_nlp.normalizer import normalize
from shapes.masking import redact
from shapes.numbers import find_card_numbers, fold, luhn_ok

FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)}
SEPARATORS = ["", " ", "-", ".", "－", "　", "—", "．"]
# Chinese text around a number: no digits or letters, so nothing else looks like a value.
CHINESE = st.text(alphabet=st.sampled_from(list("我的手机号码是请帮查一下注销申请谢谢，。！？ 呢吧啊")), max_size=12)


def phones():
    return st.builds(
        lambda second, rest: f"1{second}{rest}",
        st.sampled_from("3456789"),
        st.text(alphabet="0123456789", min_size=9, max_size=9),
    )


def cards():
    def make(prefix: str, body: str) -> str:
        number = prefix + body
        check = next(d for d in "0123456789" if luhn_ok(number + d))
        return number + check

    return st.builds(make, st.sampled_from(["62", "4", "5"]), st.text(alphabet="0123456789", min_size=14, max_size=16))


@st.composite
def written(draw, digits: str, groups):
    """`digits` as a merchant might type them: some digits full-width, groups split by separators."""
    chars = [FULL_WIDTH[d] if draw(st.booleans()) else d for d in digits]
    separator = draw(st.sampled_from(SEPARATORS))
    out, position = [], 0
    for size in groups:
        out.append("".join(chars[position : position + size]))
        position += size
    return separator.join(out)


def digits_only(text: str) -> str:
    return re.sub(r"\D", "", fold(text))


@settings(max_examples=300, deadline=None)
@given(phone=phones(), before=CHINESE, after=CHINESE, data=st.data())
def test_a_phone_however_written_is_masked_and_read(phone, before, after, data):
    text = before + data.draw(written(phone, (3, 4, 4))) + after
    assert phone not in digits_only(redact(text))
    assert form_values.phone_in(text) == phone


@settings(max_examples=300, deadline=None)
@given(card=cards(), before=CHINESE, after=CHINESE, data=st.data())
def test_a_card_however_written_is_found_and_masked(card, before, after, data):
    groups = [4] * (len(card) // 4) + ([len(card) % 4] if len(card) % 4 else [])
    text = before + data.draw(written(card, groups)) + after
    assert find_card_numbers(text) == [card]
    assert card not in digits_only(redact(text))
    assert form_values.contains_card_number(text)


@settings(max_examples=200, deadline=None)
@given(merchant=st.text(alphabet="0123456789", min_size=15, max_size=15), before=CHINESE, after=CHINESE, data=st.data())
def test_a_merchant_number_is_masked_and_read(merchant, before, after, data):
    text = before + data.draw(written(merchant, (4, 4, 4, 3))) + after
    assert merchant not in digits_only(redact(text))
    if not luhn_ok(merchant):  # a 15-digit run passing Luhn is masked as a card instead
        assert form_values.merchant_no_in(text) == merchant


@settings(max_examples=500, deadline=None)
@given(text=st.text(max_size=80))
def test_the_normaliser_takes_anything_and_keeps_its_offset_map(text):
    result = normalize(text)
    assert len(result.source_index) == len(result.text) + 1
    assert all(0 <= i <= len(text) for i in result.source_index)
    assert list(result.source_index) == sorted(result.source_index)
    assert not any("\uff10" <= ch <= "\uff19" for ch in result.text)  # no full-width digits left


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60))
def test_readers_and_masking_never_fail_on_any_text(text):
    redact(text)
    for read in (
        form_values.phone_in,
        form_values.merchant_no_in,
        form_values.terminal_sn_in,
        form_values.ticket_no_in,
        form_values.yes_no_in,
    ):
        read(text)
    assert len(fold(text)) == len(text)
