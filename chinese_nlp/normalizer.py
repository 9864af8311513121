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

import shapes

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


def _regex_step(pattern: str, replacement: str | Callable[[re.Match], str], flags: int = 0) -> Step:
    """A substitution step; replaced characters all map to the start of what they replace."""
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


def _collapse_digit_groups(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    # Only phone, merchant and card numbers are written in groups; leave other numbers alone.
    return digits if 11 <= len(digits) <= 19 else match.group(0)


_CJK = r"\u4e00-\u9fff"

# Ticket and case numbers as merchants copy them: "zx202611270001", "ZX 2026 1205 0031",
# "ZX-20240815-0721" → prefix in upper case, digits joined (only a whole number: 12–14 digits).
_GROUP_SEP = r"[ .·\-–—]"  # what merchants put between groups of digits
_NUMBER_WITH_PREFIX = (
    rf"(?<![a-z])({shapes.DATED_PREFIXES}){_GROUP_SEP}*"
    rf"((?:[0-9]{_GROUP_SEP}*){{{shapes.DATED_LENGTHS[0] - 1},{shapes.DATED_LENGTHS[1] - 1}}}[0-9])(?![0-9])"
)


def _joined_number(match: re.Match) -> str:
    return match.group(1).upper() + re.sub(r"\D", "", match.group(2))


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
    _regex_step(r"(?<![a-z])s\s*/\s*n(?![a-z])", "SN", re.I),
    _regex_step(r"商户好|商户编码|商户编号", "商户号"),
    # Everything merchants call their terminal becomes POS机.
    _regex_step(r"刷卡机|收款机|刷卡器|机子|机器(?!人)|(?<![a-z])p\s?o\s?s+\s?(?:机器|机)?(?![a-z])", "POS机", re.I),
    # Ticket numbers and lettered serials are case-insensitive for merchants, upper case for us.
    _regex_step(_NUMBER_WITH_PREFIX, _joined_number, re.I),
    _regex_step(
        rf"(?<![a-z0-9]){shapes.SERIAL_LETTERS}(?={shapes.SERIAL_DIGITS}(?![a-z0-9]))",
        lambda m: m.group(0).upper(),
        re.I,
    ),
    # "+86 139 1234 5678", "139-1234-5678" → digits only. Only a whole mobile number follows the 86:
    # a merchant number may begin with 8613….
    _regex_step(r"(?<![\d+])\+?86[\s.\-]*(?=1[3-9]\d(?:[\s.\-]*\d){8}(?!\d))", ""),
    _regex_step(rf"(?<!\d)\d{{3,6}}(?:{_GROUP_SEP}+\d{{3,6}}){{1,4}}(?!\d)", _collapse_digit_groups),
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
