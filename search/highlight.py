"""Highlight whole matched words and phrases in a unit's text, as escaped HTML.

A match is widened to the word boundaries of the text's own segmentation, so a
word is never cut in half, and a lone character is only marked when it was
asked for on its own (not 年 because 2027年 was asked).

>>> highlight("发展新能源，建设<充电桩>", ["能源", "充电"])
'发展<b>新能源</b>，建设&lt;<b>充电桩</b>&gt;'
>>> highlight("到2027年底，2026年完成", needles(["2027", "年"], ["2027年"]))
'到<b>2027年</b>底，2026年完成'
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left, bisect_right

from search.analysis import WORDLIKE, spans

#: Snippets longer than this are cut around the marks.
SNIPPET = 200
LATIN_OR_DIGIT = re.compile(r"^[0-9A-Za-z.%]+$")
#: Marks that end a clause: the segmenter never joins them to a word, so a text is cut clause by clause alike.
CLAUSE_END = re.compile(r"[，。；！？、：]")


def needles(words: list[str], phrases: list[str], single: bool = False) -> list[str]:
    """Return the strings worth marking: phrases, and words of two or more characters.

    A one-character word is kept only when ``single`` (the whole query was that character)
    or when it is Latin or a number.
    """
    keep = [p for p in phrases if WORDLIKE.search(p)]
    keep += [w for w in words if len(w) > 1 or single or LATIN_OR_DIGIT.match(w)]
    return sorted(set(keep), key=len, reverse=True)


def find_spans(text: str, wanted: list[str]) -> list[tuple[int, int]]:
    """Return the merged (start, end) spans of every occurrence of ``wanted`` in ``text``."""
    low = text.lower()
    found = []
    for needle in wanted:
        n = needle.lower()
        if not n:
            continue
        at = low.find(n)
        while at >= 0:
            found.append((at, at + len(n)))
            at = low.find(n, at + len(n))
    return merge(found)


def merge(found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge overlapping or touching spans."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(found):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def widen(text: str, found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Stretch a span that lies inside one word to that whole word (能源 → 新能源).

    A span across several words is kept as it is: there the text's segmentation
    disagrees with the match (医养 in 医养活力 is 医|养活|力), and widening would
    mark a word that is not there.

    >>> [("新能源汽车推广"[s:e]) for s, e in widen("新能源汽车推广", [(1, 3)])]
    ['新能源汽车']
    >>> [("医养活力社区"[s:e]) for s, e in widen("医养活力社区", [(0, 2)])]
    ['医养']
    """
    if not found:
        return []
    words = clause_spans(text, found)
    ends = [b for _, _, b in words]  # ascending: the words follow each other
    out = []
    for s, e in found:
        i = bisect_right(ends, s)  # the first word ending after s
        ws = []
        while i < len(words) and words[i][1] < e and len(ws) < 2:
            ws.append(words[i][1:])
            i += 1
        out.append(ws[0] if len(ws) == 1 else (s, e))
    return merge(out)


def clause_spans(text: str, found: list[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """Return the words of the clauses of ``text`` that the ``found`` spans touch, with offsets in ``text``.

    The segmenter cuts each run of CJK characters, letters and digits on its own and a
    punctuation mark is a word by itself, so a clause ending in ，。；etc. is cut as it is
    in the whole text: only the clauses holding a match are segmented, not a 600-character text.

    >>> clause_spans("建设充电桩，推进城市更新。", [(8, 10)])
    [('推进', 6, 8), ('城市更新', 8, 12), ('。', 12, 13)]
    """
    bounds = [0, *(m.end() for m in CLAUSE_END.finditer(text)), len(text)]
    wanted = set()
    for s, e in found:
        first = bisect_right(bounds, s) - 1
        last = bisect_left(bounds, e)
        wanted.update(range(first, last))
    words = []
    for i in sorted(wanted):
        lo, hi = bounds[i], bounds[i + 1]
        if lo < hi:
            words += [(w, lo + a, lo + b) for w, a, b in spans(text[lo:hi])]
    return words


def window(text: str, marks: list[tuple[int, int]], size: int = SNIPPET) -> tuple[int, int]:
    """Return the part of ``text`` of about ``size`` characters holding the most marks."""
    if len(text) <= size:
        return 0, len(text)
    if not marks:
        return 0, size
    starts, ends = [a for a, _ in marks], [b for _, b in marks]  # both ascending: the marks are merged
    best, best_n = 0, -1
    for s in starts:
        start = max(0, s - size // 4)
        n = bisect_right(ends, start + size) - bisect_left(starts, start)
        if n > best_n:
            best, best_n = start, n
    return best, min(len(text), best + size)


def render(text: str, marks: list[tuple[int, int]], lo: int, hi: int) -> str:
    """Return ``text[lo:hi]`` as escaped HTML with the marks in <b>."""
    out, at = [], lo
    for s, e in marks:
        s, e = max(s, lo), min(e, hi)
        if s >= e:
            continue
        out += [html.escape(text[at:s]), "<b>", html.escape(text[s:e]), "</b>"]
        at = e
    out.append(html.escape(text[at:hi]))
    return ("…" if lo > 0 else "") + "".join(out) + ("…" if hi < len(text) else "")


def highlight(text: str, wanted: list[str], size: int = 0) -> str:
    """Return ``text`` (or a snippet of ``size`` characters) as HTML with whole matched words in <b>."""
    marks = widen(text, find_spans(text, wanted))
    lo, hi = window(text, marks, size) if size else (0, len(text))
    return render(text, marks, lo, hi)


def marked(text: str, wanted: list[str]) -> list[str]:
    """Return the distinct words of ``text`` that ``highlight`` marks (for explain)."""
    return list(dict.fromkeys(text[s:e] for s, e in widen(text, find_spans(text, wanted))))
