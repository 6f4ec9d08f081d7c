"""The indicators' word index: each target's characters and pairs of characters as tokens of an FTS5 table.

A word of one or two characters is one token, so its hits are exact; a longer word's hits are the targets
holding all of its pairs, which the catalog's word test then narrows (``web.catalog``).
"""

from __future__ import annotations

import operator

#: A target's key in the word index: its plan's manifest place, then its place in the plan in the low bits.
POS_BITS = 20
POS_MASK = (1 << POS_BITS) - 1


def target_key(plan: int, pos: int) -> int:
    """A target's rowid in the word index: its plan's manifest place and its place in the plan, in one integer."""
    return plan << POS_BITS | pos


class _Codes(dict):
    """Each character as its code point in hex closed by ``g``: letters and digits that the ``ascii`` tokenizer
    keeps whole and unfolded (it would split at punctuation and fold ASCII case), and no two characters alike."""

    def __missing__(self, code: int) -> str:
        self[code] = spelt = f"{code:x}g"
        return spelt


CODES = _Codes()


def word_tokens(text: str) -> list[str]:
    """The index tokens of ``text``: each character, then each pair of neighbouring characters.

    >>> word_tokens("养老A")
    ['517bg', '8001g', '41g', '517bg8001g', '8001g41g']
    """
    codes = [CODES[code] for code in map(ord, text)]
    return codes + list(map(operator.add, codes, codes[1:]))


def status_token(status: str) -> str:
    """A status as an index token: ``s`` and its spelt characters (a character's token never starts with ``s``)."""
    return "s" + "".join(CODES[code] for code in map(ord, status))


def word_query(words: str) -> str:
    """The index query for targets that may hold ``words``: its one character, else all of its pairs.

    >>> word_query("率"), word_query("养老服务")
    ('"7387g"', '"517bg8001g" AND "8001g670dg" AND "670dg52a1g"')
    """
    codes = [CODES[code] for code in map(ord, words)]
    tokens = codes if len(codes) == 1 else map(operator.add, codes, codes[1:])
    return " AND ".join(dict.fromkeys(f'"{token}"' for token in tokens))
