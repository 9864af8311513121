"""The project's own spaCy `zh` pipeline: a jieba tokenizer with a domain dictionary and an
entity_ruler for the structured entities (phone, merchant_no, terminal_sn, ticket_no).

Build it with `python -m chinese_nlp.spacy_pipeline OUTPUT_DIR`. Importing this module registers
the tokenizer with spaCy, which `spacy.load` needs; the Rasa normaliser component imports it.
"""

from __future__ import annotations

import logging
import re
import shutil
import sys
from pathlib import Path
from typing import Iterable, List, Optional

import jieba
import spacy
from spacy.language import Language
from spacy.tokens import Doc, Token
from spacy.util import get_words_and_spaces

import shapes
from dialogue.names import Entity
from shapes import numbers
from shapes.masking import CARD_PLACEHOLDER

PIPELINE_NAME = "zhuxiao_zh"
USER_DICT = Path(__file__).with_name("userdict.txt")
ENTITY_LABELS = tuple(shapes.ENTITY_SHAPES)

# Which reading wins is shapes.numbers': application numbers first; after a serial keyword, a serial
# (digits there are not a phone or a merchant number); letters then digits, a serial even alone.
ENTITY_PATTERNS = [
    {"label": Entity.TICKET_NO, "pattern": [{"TEXT": {"REGEX": shapes.TICKET_NO.token_regex}}]},
    {
        "label": Entity.TERMINAL_SN,
        "pattern": [
            {"TEXT": {"REGEX": numbers.SERIAL_AFTER_KEYWORD_TOKEN}, "_": {"follows_serial_keyword": True}},
        ],
    },
    {"label": Entity.TERMINAL_SN, "pattern": [{"TEXT": {"REGEX": numbers.LETTERED_SERIAL_TOKEN}}]},
    {
        "label": Entity.PHONE,
        "pattern": [
            {"TEXT": {"REGEX": shapes.PHONE.token_regex}, "_": {"follows_serial_keyword": False}},
        ],
    },
    {
        "label": Entity.MERCHANT_NO,
        "pattern": [
            {"TEXT": {"REGEX": shapes.MERCHANT_NO.token_regex}, "_": {"follows_serial_keyword": False}},
        ],
    },
]

jieba.setLogLevel(logging.WARNING)


def _follows_serial_keyword(token: Token) -> bool:
    doc = token.doc
    i = token.i - 1
    while i >= 0 and (doc[i].is_space or doc[i].text in numbers.BETWEEN_KEYWORD_AND_SERIAL) and token.i - i <= 3:
        i -= 1
    return i >= 0 and doc[i].text.lower() in numbers.SERIAL_KEYWORDS


if not Token.has_extension("follows_serial_keyword"):
    Token.set_extension("follows_serial_keyword", getter=_follows_serial_keyword)


_CARD_MARKER = re.compile(f"({re.escape(CARD_PLACEHOLDER)})")


class JiebaTokenizer:
    """jieba segmentation with the domain dictionary; splits "SN12345678" into "SN" + serial."""

    def __init__(self, vocab, user_dict: Path = USER_DICT) -> None:
        self.vocab = vocab
        self._load(user_dict)

    def _load(self, user_dict: Path) -> None:
        self._user_dict_text = Path(user_dict).read_text(encoding="utf-8")
        self._jieba = jieba.Tokenizer()
        self._jieba.load_userdict(str(user_dict))

    def _words(self, text: str) -> Iterable[str]:
        # The web channel's marker for a hidden card number stays one token: a value, like the digits.
        for part in _CARD_MARKER.split(text):
            if part == CARD_PLACEHOLDER:
                yield part
                continue
            for word in self._jieba.cut(part, HMM=True):
                yield from numbers.split_serial_prefix(word)

    def __call__(self, text: str) -> Doc:
        words = [w for w in self._words(text) if w]
        words, spaces = get_words_and_spaces(words, text)
        return Doc(self.vocab, words=words, spaces=spaces)

    def to_disk(self, path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "userdict.txt").write_text(self._user_dict_text, encoding="utf-8")

    def from_disk(self, path, *, exclude: Iterable[str] = ()) -> "JiebaTokenizer":
        self._load(Path(path) / "userdict.txt")
        return self


@spacy.registry.tokenizers("zhuxiao.jieba_tokenizer.v1")
def create_jieba_tokenizer():
    def make(nlp: Language) -> JiebaTokenizer:
        return JiebaTokenizer(nlp.vocab)

    return make


def build(output_dir: Path) -> Language:
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "zhuxiao.jieba_tokenizer.v1"}}})
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "jieba + domain dictionary + entity_ruler for 注销助手"
    ruler = nlp.add_pipe("entity_ruler", config={"validate": True})
    ruler.add_patterns(ENTITY_PATTERNS)
    output_dir = Path(output_dir)
    if output_dir.exists():
        shutil.rmtree(output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output_dir)
    return nlp


def main(argv: Optional[List[str]] = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    output = Path(args[0] if args else "build/spacy_zh")
    build(output)
    print(f"spaCy pipeline {PIPELINE_NAME} written to {output}")


if __name__ == "__main__":
    main()
