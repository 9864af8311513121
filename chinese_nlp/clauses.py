"""A message in parts: its sentences and clauses, as the classifier's tokens give them.

Merchants tell a story and ask last (「店关了，机器是儿子办的，……，现在怎么注销」), or ask two things
at once (「要交多少钱，多久能办好」). The classifier reads each part as well as the whole message
(chinese_nlp.linear_classifier): in a story the part that asks decides, and a second question is
heard. Measured on the development sets of stories and two-question messages (docs/nlu.md).
"""

from __future__ import annotations

import re
from typing import FrozenSet, List, Sequence

from dialogue.names import Intent

MAX_MORE_QUESTIONS = 2  # answered after the first; a longer list is more likely a story than questions

SENTENCE_ENDS = frozenset("。！？!?；;…~～\n")
CLAUSE_ENDS = SENTENCE_ENDS | frozenset("，,、")
# What starts another question inside one sentence: 「…，还有…」, 「1.…2.…」.
CONNECTIVES = frozenset({"还有", "另外", "顺便", "再问", "对了", "以及"})
_NUMBERING = re.compile(r"^(?:[0-9]|[①②③④⑤])[.、)）:：]?$")
# A part that asks: a question mark or word, or an A-not-A ending (「要收费不」).
_ASKS = re.compile(
    r"[？?]|吗|怎么|怎样|如何|什么|啥|咋|哪|多久|多少|多长|是否|是不是|能不能|能否|可不可以|要不要|用不用|会不会"
    r"|有没有|行不行|对不对|为什么|为啥|请问|想问|想知道|几[天点个号时]|[不没呢]$"
)
# Intents that ask for something to be done: a part saying them asks, whatever its words.
REQUESTS: FrozenSet[str] = frozenset(
    {Intent.REQUEST_HUMAN, Intent.CANCEL_TICKET, Intent.CHECK_TICKET, Intent.REQUEST_DEREGISTRATION, Intent.COMPLAIN}
)


def _is_punctuation(token: str, ends: FrozenSet[str]) -> bool:
    return bool(token) and all(ch in ends for ch in token)


def _has_words(part: Sequence[str]) -> bool:
    return any(not _is_punctuation(token, CLAUSE_ENDS) for token in part)


def parts(tokens: Sequence[str], *, clauses: bool = False) -> List[range]:
    """Where the message's sentences are (ranges of token positions); with `clauses`, also cut at
    commas, connectives and numbering. Parts without a word are left out."""
    ends = CLAUSE_ENDS if clauses else SENTENCE_ENDS
    found: List[range] = []
    start = 0
    for position, token in enumerate(tokens):
        if clauses and position > start and (token in CONNECTIVES or _NUMBERING.match(token)):
            found.append(range(start, position))
            start = position
        if _is_punctuation(token, ends):
            found.append(range(start, position + 1))
            start = position + 1
    found.append(range(start, len(tokens)))
    return [part for part in found if _has_words([tokens[i] for i in part])]


def asks(part: Sequence[str], label: str) -> bool:
    return label in REQUESTS or bool(_ASKS.search("".join(part)))
