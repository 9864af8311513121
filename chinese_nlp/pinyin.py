"""How a message sounds: toneless pinyin syllables, so that the homophone typos of a pinyin input
method read like the words they stand for (审合 → shen he like 审核; 身请, 余饿). The normaliser
already rewrites the typos it lists (注消 → 注销) and Traditional characters before the classifier:
these features cover the ones nobody listed.

The reading table is built from pypinyin when the classifier trains and is stored in the model: at
run time nothing imports pypinyin (its phrase dictionaries cost 57 MB; the table costs about 6 MB).
Polyphonic characters take their first reading. A typo matches only when its first reading is the
one the intended character has there: 银航 (yin hang) does not meet 银行, read yin xing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Dict, List


@lru_cache(maxsize=1)
def reading_table() -> Dict[str, str]:
    """Every character pypinyin knows → its first reading without tone (注 → zhu)."""
    from pypinyin import Style
    from pypinyin.pinyin_dict import pinyin_dict
    from pypinyin.style import convert

    syllables: Dict[str, str] = {}  # one string object per syllable (about 400), shared by the table
    table: Dict[str, str] = {}
    for code_point, readings in pinyin_dict.items():
        syllable = convert(readings.split(",")[0], Style.NORMAL, strict=True)
        table[chr(code_point)] = syllables.setdefault(syllable, syllable)
    return table


class Syllables:
    """A TfidfVectorizer tokenizer: the syllables of a classifier document (tokens separated by
    spaces; the vectorizer's n-grams run across tokens, as speech does). Characters without a
    reading stay together as one unit (`<phone>`, `pos`)."""

    def __init__(self, table: Dict[str, str]) -> None:
        self.table = table

    def __call__(self, document: str) -> List[str]:
        units: List[str] = []
        for token in document.lower().split():
            other = ""  # a run of characters without a reading (letters, digits, a placeholder)
            for character in token:
                syllable = self.table.get(character)
                if syllable is None:
                    other += character
                    continue
                if other:
                    units.append(other)
                    other = ""
                units.append(syllable)
            if other:
                units.append(other)
        return units
