"""Heading numbers of Chinese official documents: styles, values and line content.

A *style* is one way of writing a number (``一、``, ``（一）``, ``1.``…); a
*family* groups styles a writer may mix up by mistake (``1、`` for ``一、``,
``（2）`` for ``（二）``), which is what sequence continuity may repair.

>>> match_number("（二）实施载体内拓与产业升级工程。")
Number(style='paren_cn', family='paren', value=2, text='（二）', rest='实施载体内拓与产业升级工程。')
>>> cn_value("二十三")
23
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100}
CN = "零〇一二两三四五六七八九十百"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# (style, family, pattern); group 1 is the numeral, the match end is where the title starts.
STYLES = [
    ("part", "part", re.compile(rf"^第([{CN}]+)部分[\s：:]*")),
    ("chapter", "chapter", re.compile(rf"^第([{CN}]+)章[\s：:]*")),
    ("section", "section", re.compile(rf"^第([{CN}]+)节[\s：:]*")),
    ("article", "article", re.compile(rf"^第([{CN}]+)条[\s：:]*")),
    ("cn", "plain", re.compile(rf"^([{CN}]+)[、．.﹒][\s]*")),
    ("paren_cn", "paren", re.compile(rf"^[（(]([{CN}]+)[)）][\s、.．]*")),
    ("arabic_dun", "plain", re.compile(r"^(\d{1,3})、\s*")),
    ("arabic_dot", "plain", re.compile(r"^(\d{1,3})[.．﹒](?!\d)\s*")),
    ("paren_arabic", "paren", re.compile(r"^[（(](\d{1,3})[)）][\s、.．]*")),
    ("circled", "circled", re.compile(rf"^([{CIRCLED}])\s*")),
]

#: Styles whose name says the heading kind outright.
EXPLICIT_KINDS = {"part": "part", "chapter": "chapter", "section": "section"}

ARTEFACT = re.compile(r"^(?:\s|\[bookmark:[^\]]*\]|#{1,6}\s|\*\*|>\s?|　)+")
TRAILING = re.compile(r"(?:\s|\*\*|　)+$")


@dataclass
class Number:
    """A heading number found at the start of a line."""

    style: str
    family: str
    value: int
    text: str
    rest: str


def cn_value(numeral: str) -> int:
    """Return the value of a Chinese numeral such as 十一, 二十, 一百零五 (or 0)."""
    total, digit = 0, 0
    for ch in numeral:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (digit or 1) * CN_UNITS[ch]
            digit = 0
    return total + digit


def numeral_value(numeral: str) -> int:
    """Return the value of an Arabic, Chinese or circled numeral."""
    if numeral.isdigit() and numeral.isascii():
        return int(numeral)
    if numeral in CIRCLED:
        return CIRCLED.index(numeral) + 1
    return cn_value(numeral)


def match_number(text: str) -> Number | None:
    """Return the heading number ``text`` starts with, or None."""
    for style, family, pattern in STYLES:
        m = pattern.match(text)
        if m and not _is_false_number(style, text, m.end()):
            value = numeral_value(m.group(1))
            if value > 0:
                return Number(style, family, value, text[: m.end()].rstrip(), text[m.end():])
    return None


def _is_false_number(style: str, text: str, end: int) -> bool:
    """Tell numbers that are really words (一是, 一、二产业…) from heading numbers."""
    if style == "cn" and text[end - 1] in ".．﹒" and len(text) > end and text[end].isdigit():
        return True
    return end >= len(text)


def content_span(text: str) -> tuple[int, int]:
    """Return the (start, end) of a line's content without conversion artefacts.

    Artefacts are ``[bookmark: _Toc…]`` prefixes, Markdown ``#``/``**``/``>``
    marks and stray spaces; the reader's cleaner may or may not have removed
    them, so matching must work either way while spans stay in the text.
    """
    m = ARTEFACT.match(text)
    start = m.end() if m else 0
    t = TRAILING.search(text, start)
    end = t.start() if t else len(text)
    return start, max(start, end)


def is_wrapped_bold(text: str) -> bool:
    """Tell a Markdown line set wholly in bold (``**…**``)."""
    s = text.strip().strip("　")
    return len(s) > 4 and s.startswith("**") and s.endswith("**") and "**" not in s[2:-2]
