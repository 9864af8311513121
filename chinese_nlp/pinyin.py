"""How a message sounds: toneless pinyin syllables, so that homophone typos of a pinyin input method
(注消, 住销, 身请) and Traditional characters (註銷) read like the words they stand for.

The reading table is built from pypinyin when the classifier trains and is stored in the model: at
run time nothing imports pypinyin (its phrase dictionaries cost 57 MB; the table costs about 6 MB).
Polyphonic characters take their first reading: features only need the same character to sound the
same every time.
"""

from __future__ import annotations

from typing import Dict, List


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


class SyllableNgrams:
    """A TfidfVectorizer analyzer: the syllable n-grams of a classifier document (tokens separated by
    spaces). Characters without a reading stay together as one unit (`<phone>`, `pos`, `zhuxiao`)."""

    def __init__(self, table: Dict[str, str], max_n: int) -> None:
        self.table, self.max_n = table, max_n

    def syllables(self, document: str) -> List[str]:
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

    def __call__(self, document: str) -> List[str]:
        units = self.syllables(document)
        return [" ".join(units[i : i + n]) for n in range(1, self.max_n + 1) for i in range(len(units) - n + 1)]
