"""One home for number rules (#20): shapes.numbers says which digits are which kind of number, what
may separate their groups and which reading wins; no product package writes such a rule of its own."""

import re
import sys
import tokenize
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from chinese_nlp.normalizer import normalize_text
from chinese_nlp.rasa_components import placeholder_for
from shapes import numbers
from shapes.masking import hide_card_numbers, redact

PROJECT = Path(__file__).resolve().parents[2]
PRODUCT_PACKAGES = ("chinese_nlp", "actions", "web", "tickets", "runtime", "action_server")

# ---- The guard: a number rule written outside shapes/ ----

_CLASS = re.compile(r"\[([^\]\n]{2,40})\]")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|\\(.)")
_DIGITS = "digits"
_RULES = {
    "a mobile number's head": re.compile(r"1\[3-9\]"),
    "a run of digits of some length": re.compile(r"\\d[{+*]|\[0-9\][{+*]|\\D"),
    "+86 before a phone": re.compile(r"\\\+\??86"),
    "the ZX/RG prefixes in a pattern": re.compile(r"(?i)\bzx\|rg\b|\brg\|zx\b"),
}


def _class_items(body: str) -> List[str]:
    """The characters a regex class names (\\s as a space, \\d and 0-9 as digits); [] for a range."""
    items, i = [], 0
    while i < len(body):
        escape = _ESCAPE.match(body, i)
        if body.startswith("0-9", i):
            items.append(_DIGITS)
            i += 3
        elif escape:
            code, char = escape.group(1) or escape.group(2), escape.group(3)
            items.append(chr(int(code, 16)) if code else {"s": " ", "d": _DIGITS}.get(char, char))
            i = escape.end()
        elif body[i] == "-" and 0 < i < len(body) - 1:
            return []  # a range such as \x21-\x7e: not separators
        else:
            items.append(body[i])
            i += 1
    return items


def _is_separator_class(body: str) -> bool:
    """`[ .\\-]`, `[\\s.\\-]`, `[ .·\\-–—]`…: two or more kinds of separator, digits allowed, nothing else."""
    items = set(_class_items(body)) - {_DIGITS}
    return len(items) >= 2 and all(ch.isspace() or ch in numbers.GROUP_SEPARATORS for ch in items)


def _strings(source: str) -> Iterator[Tuple[int, str]]:
    """(line, text) of every string literal as written (regex sources keep their backslashes)."""
    kinds = {tokenize.STRING} | ({tokenize.FSTRING_MIDDLE} if sys.version_info >= (3, 12) else set())
    lines = iter(source.splitlines(keepends=True))
    for token in tokenize.generate_tokens(lambda: next(lines, "")):
        if token.type in kinds:
            yield token.start[0], token.string


def number_rules_in(source: str) -> List[Tuple[int, str]]:
    """(line, what) for every number rule written in `source`'s string literals, and Luhn checks."""
    found = []
    for line, written in _strings(source):
        for text in {written, written.replace("\\\\", "\\")}:  # "\\d" in a plain string is the regex \d
            if any(_is_separator_class(body) for body in _CLASS.findall(text)):
                found.append((line, "a class of separators between digit groups"))
            found += [(line, what) for what, rule in _RULES.items() if rule.search(text)]
    lines = enumerate(source.splitlines(), 1)
    found += [(n, "a Luhn check") for n, text in lines if re.search(r"(?i)def \w*luhn", text)]
    return sorted(set(found))


def _product_sources() -> Iterator[Path]:
    for package in PRODUCT_PACKAGES:
        yield from (path for path in sorted((PROJECT / package).rglob("*.py")) if "node_modules" not in path.parts)


def test_no_product_package_writes_its_own_number_rule():
    """Separators between digit groups, phone heads, digit runs, +86, ZX/RG and card checks live in
    shapes/ (shapes.numbers, shapes' value shapes); everything else imports them."""
    found = [
        f"{path.relative_to(PROJECT)}:{line}: {what}"
        for path in _product_sources()
        for line, what in number_rules_in(path.read_text(encoding="utf-8"))
    ]
    assert not found, "number rules outside shapes/ (use shapes.numbers):\n" + "\n".join(found)


@pytest.mark.parametrize(
    "former",
    [
        r'_SEP = r"[ .\-]"',  # masking's separators
        r'_GROUP_SEP = r"[ .·\-–—]"',  # the normaliser's
        r'step(r"(?<![\d+])\+?86[\s.\-]*(?=1[3-9]\d(?:[\s.\-]*\d){8}(?!\d))", "")',  # its +86
        r'LETTERED = r"^(?!(?i:zx|rg)\d)[A-Za-z]{1,4}[0-9]{6,16}$"',
        'DIGITS = re.sub(r"\\D", "", text)',
        'MERCHANT = "[0-9]{15}"',
        'SEP = "[\\\\s\\\\u3000\\\\-]"',
        "def luhn(digits):\n    pass",
    ],
)
def test_the_guard_sees_the_rules_it_replaced(former):
    assert number_rules_in(former)


def test_the_guard_sees_shapes_own_rules_and_passes_other_patterns():
    assert len(number_rules_in((PROJECT / "shapes" / "numbers.py").read_text(encoding="utf-8"))) >= 5
    fine_patterns = ('r"^其他[:：,，\\s]*"', 'r"[0-9a-f]{32}"', 'r"[\\x21-\\x7e]{1,128}"', '"[...]"', '"[a, b.c]"')
    for fine in (*fine_patterns, 'r"^(?:[0-9]|[①②③④⑤])[.、)）:：]?$"'):
        assert not number_rules_in(fine), fine


# ---- The rules themselves ----


def test_every_separator_reads_as_its_ascii_form():
    for typed, ascii_form in numbers.GROUP_SEPARATORS.items():
        assert numbers.fold(f"139{typed}1234") == f"139{ascii_form}1234"
        assert re.fullmatch(numbers.SEPARATOR, ascii_form)


@pytest.mark.parametrize("separator", sorted(numbers.GROUP_SEPARATORS))
def test_a_phone_split_by_any_separator_is_masked_and_joined_unless_trained_otherwise(separator):
    """Masking takes every separator. The normaliser joins all but a few rare dashes: the model was
    trained on what it writes (shapes.numbers.NOT_JOINED_WHEN_TYPED, until a retraining)."""
    typed = separator.join(("手机139", "1234", "5678"))
    assert "1234" not in redact(typed)
    joined = normalize_text(typed) == "手机13912345678"
    assert joined is (separator not in numbers.NOT_JOINED_WHEN_TYPED)


def test_digits_after_zx_or_rg_with_a_dated_length_are_never_a_card():
    digits = "2026120510006"  # passes Luhn
    assert numbers.is_card(digits) and numbers.find_card_numbers(f"卡{digits}") == [digits]
    for typed in (f"ZX{digits}", f"rg {digits}", f"zx-{digits[:4]}-{digits[4:8]}-{digits[8:]}"):
        assert numbers.find_card_numbers(typed) == []


def test_fifteen_digits_are_a_merchant_number_before_a_card():
    amex = "378282246310005"
    assert numbers.is_card(amex) and numbers.may_be_merchant_no(amex)
    assert hide_card_numbers(f"商户号{amex}") == f"商户号{amex}"
    assert numbers.READ_BEFORE_CARD == {"merchant_no"}


@pytest.mark.parametrize(
    "token, kind",
    [
        ("ZX2026120510006", "ticket_no"),
        ("zx202612050031", "ticket_no"),
        ("RG202612050031", "case_no"),
        ("13912345678", "phone"),
        ("833581054110023", "merchant_no"),
        ("1234", "digits4"),
        ("6222021234567890128", "number"),
        ("QB7720391845", "terminal_sn"),
        ("123", None),
        ("注销", None),
    ],
)
def test_a_token_reads_as_its_kind(token, kind):
    assert numbers.token_kind(token) == kind
    assert placeholder_for(token) == (f"<{kind}>" if kind else None)


@pytest.mark.parametrize(
    "word, split",
    [("SN12345678AB", ("SN", "12345678AB")), ("s/nQR5507781294", ("s/n", "QR5507781294")), ("SNOW", ("", "SNOW"))],
)
def test_the_sn_keyword_glued_to_a_serial(word, split):
    assert numbers.split_serial_prefix(word) == split
