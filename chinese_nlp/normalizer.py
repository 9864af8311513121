"""Normalise what merchants type before anything tokenises it.

Every step keeps a map from output characters back to input characters, so entity
annotations in training data can be moved onto the normalised text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, List, Sequence, Tuple

from opencc import OpenCC

from shapes import numbers

# Source index of every output character, plus one final entry for "end of text".
OffsetMap = List[int]
Step = Callable[[str], Tuple[str, OffsetMap]]


@dataclass(frozen=True)
class NormalizedText:
    original: str
    text: str
    source_index: Tuple[int, ...]

    def span_from_original(self, start: int, end: int) -> Tuple[int, int]:
        """Map an [start, end) span of the original text onto the normalised text."""
        inside = [i for i, src in enumerate(self.source_index[:-1]) if start <= src < end]
        if not inside:
            return (self._first_at_or_after(start),) * 2
        return inside[0], inside[-1] + 1

    def _first_at_or_after(self, position: int) -> int:
        for i, src in enumerate(self.source_index[:-1]):
            if src >= position:
                return i
        return len(self.text)


def _identity_map(text: str) -> OffsetMap:
    return list(range(len(text) + 1))


def _regex_step(pattern: str | re.Pattern[str], replacement: str | Callable[[re.Match], str], flags: int = 0) -> Step:
    """A substitution step; replaced characters all map to the start of what they replace. A compiled
    pattern (shapes.numbers) carries its own flags."""
    compiled = re.compile(pattern, flags)

    def run(text: str) -> Tuple[str, OffsetMap]:
        out: List[str] = []
        mapping: OffsetMap = []
        cursor = 0
        for match in compiled.finditer(text):
            out.append(text[cursor : match.start()])
            mapping.extend(range(cursor, match.start()))
            new = replacement(match) if callable(replacement) else match.expand(replacement)
            old_len = match.end() - match.start()
            out.append(new)
            if len(new) == old_len:
                mapping.extend(range(match.start(), match.end()))
            else:
                mapping.extend([match.start()] * len(new))
            cursor = match.end()
        out.append(text[cursor:])
        mapping.extend(range(cursor, len(text) + 1))
        return "".join(out), mapping

    return run


def _per_char_step(convert: Callable[[str], str]) -> Step:
    def run(text: str) -> Tuple[str, OffsetMap]:
        out: List[str] = []
        mapping: OffsetMap = []
        for i, ch in enumerate(text):
            new = convert(ch)
            out.append(new)
            mapping.extend([i] * len(new))
        mapping.append(len(text))
        return "".join(out), mapping

    return run


def _to_half_width(ch: str) -> str:
    if ch == "\u3000":
        return " "
    return unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" else ch


@lru_cache(maxsize=1)
def _opencc() -> OpenCC:
    return OpenCC("t2s")


def _traditional_to_simplified(text: str) -> Tuple[str, OffsetMap]:
    converted = _opencc().convert(text)
    if len(converted) == len(text):
        return converted, _identity_map(text)
    # Phrase conversion changed the length: fall back to character by character.
    return _per_char_step(_opencc().convert)(text)


_CJK = r"\u4e00-\u9fff"

# Order matters: width first, then script, then obfuscations, then vocabulary.
_STEPS: Sequence[Step] = (
    _per_char_step(_to_half_width),
    _traditional_to_simplified,
    # Obfuscations seen in the policy article and in merchants' messages.
    _regex_step(r"ka卡|卡ka", "卡", re.I),
    _regex_step(r"(?<![a-z])ka(?![a-z])", "卡", re.I),
    _regex_step(r"poss明", "证明", re.I),
    _regex_step(r"xi息", "息", re.I),
    _regex_step(r"fa票", "票", re.I),
    # Pinyin and homophone misspellings.
    _regex_step(r"zhu\s*xiao|zhu销|注xiao", "注销", re.I),
    _regex_step(r"jie\s*bang|解帮|接绑|解梆", "解绑", re.I),
    _regex_step(r"ren\s*gong", "人工", re.I),
    _regex_step(r"dong\s*jie|冻洁|动结", "冻结", re.I),
    _regex_step(r"注消|住销|主销|注宵|驻销|註消", "注销"),
    _regex_step(r"撤消", "撤销"),
    _regex_step(r"机身码|机身编号|机身好|机器编?号(?!称)", "机身号"),
    _regex_step(numbers.SN_KEYWORD_TYPED, "SN"),
    _regex_step(r"商户好|商户编码|商户编号", "商户号"),
    # Everything merchants call their terminal becomes POS机.
    _regex_step(r"刷卡机|收款机|刷卡器|机子|机器(?!人)|(?<![a-z])p\s?o\s?s+\s?(?:机器|机)?(?![a-z])", "POS机", re.I),
    # Ticket numbers and lettered serials are case-insensitive for merchants, upper case for us:
    # "zx 2026 1205 0031" → ZX202612050031, "qr5507781294" → QR5507781294.
    _regex_step(numbers.DATED_NUMBER_TYPED, numbers.joined_dated_number),
    _regex_step(numbers.SERIAL_LETTERS_TYPED, lambda m: m.group(0).upper()),
    # "+86 139 1234 5678", "139-1234-5678", "6222 0212 3456 7890" → digits only.
    _regex_step(numbers.COUNTRY_CODE_BEFORE_MOBILE, ""),
    _regex_step(numbers.DIGIT_GROUPS_TYPED, numbers.joined_digit_groups),
    # Spaces between Chinese characters carry no meaning; runs of spaces become one.
    _regex_step(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])", ""),
    _regex_step(r"\s{2,}", " "),
)


def normalize(text: str) -> NormalizedText:
    """Normalise a merchant's message, keeping track of where each character came from."""
    current = text
    source: OffsetMap = _identity_map(text)
    for step in _STEPS:
        current, mapping = step(current)
        source = [source[i] for i in mapping]
    stripped = current.strip()
    lead = len(current) - len(current.lstrip())
    source = source[lead : lead + len(stripped)] + [source[lead + len(stripped)]]
    return NormalizedText(original=text, text=stripped, source_index=tuple(source))


def normalize_text(text: str) -> str:
    return normalize(text).text
