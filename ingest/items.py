"""Items inside paragraphs: enumerations (一是…二是…), lead-sentence titles and content kinds.

>>> [(s, e, n) for s, e, n in split_enumeration("要做到：一是甲。二是乙。")[1]]
[(4, 8, '一是'), (8, 12, '二是')]
>>> lead_title("推动街区活力提升。具体做法是……")
'推动街区活力提升'
"""

from __future__ import annotations

import re

from ingest.numbering import CIRCLED, numeral_value

CN = "一二三四五六七八九十"
BOUNDARY = "。；;：:，,！？!?　 \t"

# Inline markers, in order of preference; group 1 is the numeral.
MARKERS = [
    re.compile(rf"([{CN}]{{1,3}})是"),
    re.compile(rf"第([{CN}]{{1,3}})[，,、：:]"),
    re.compile(r"[（(](\d{1,2}|[" + CN + r"]{1,3})[)）]"),
    re.compile(rf"([{CIRCLED}])"),
]

LEAD_END = re.compile(r"[。；;：:]")
MAX_LEAD = 30

BACKGROUND = re.compile(r"发展基础|发展环境|规划背景|背景|现状|形势|回顾|成就|进展|总结|执行情况|前言|指导思想|说明")
PRINCIPLE = re.compile(r"原则")
GOAL = re.compile(r"目标|愿景")
TASK = re.compile(r"任务|工作|举措|措施|安排|行动")
DASH_PRINCIPLE = re.compile(r"^(?:—{1,2}|-{2}|－{1,2})\s*坚持")


def _chain(pattern: re.Pattern, text: str) -> list[tuple[int, int, str]]:
    """Return the longest run of markers numbered 1, 2, 3… (or continuing at position 0)."""
    found = [m for m in pattern.finditer(text) if m.start() == 0 or text[m.start() - 1] in BOUNDARY]
    chain: list[re.Match] = []
    for m in found:
        value = numeral_value(m.group(1))
        if not chain and (value == 1 or m.start() == 0):
            chain = [m]
        elif chain and value == numeral_value(chain[-1].group(1)) + 1:
            chain.append(m)
    if len(chain) < 2 and not (chain and chain[0].start() == 0 and pattern is MARKERS[0]):
        return []
    return [(m.start(), m.end(), m.group(0).rstrip("，,、：:")) for m in chain]


def split_enumeration(text: str) -> tuple[int, list[tuple[int, int, str]]]:
    """Split ``text`` at an inline enumeration.

    Returns ``(lead_end, items)``: the lead text is ``text[:lead_end]`` and each
    item is ``(start, end, number)`` relative to ``text``; no items when the
    text holds no enumeration.
    """
    best: list[tuple[int, int, str]] = []
    for pattern in MARKERS:
        chain = _chain(pattern, text)
        if chain and (not best or chain[0][0] < best[0][0]):
            best = chain
    if not best:
        return len(text), []
    starts = [s for s, _, _ in best] + [len(text)]
    items = [(starts[i], _rstrip_end(text, starts[i], starts[i + 1]), best[i][2]) for i in range(len(best))]
    return _rstrip_end(text, 0, best[0][0]), items


def _rstrip_end(text: str, start: int, end: int) -> int:
    """Move ``end`` back over trailing whitespace, not before ``start``."""
    while end > start and text[end - 1] in " \t　\u00a0":
        end -= 1
    return end


def lead_title(text: str) -> str | None:
    """Return the short first sentence that heads a paragraph or item, or None."""
    m = LEAD_END.search(text)
    if not m:
        return None
    title = text[: m.start()].strip().strip("*").strip()
    if 2 <= len(title) <= MAX_LEAD and m.end() < len(text.rstrip()):
        return title
    return None


def short_title(text: str, limit: int = 24) -> str:
    """Return the text itself when short, else its beginning with an ellipsis."""
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "…"


def context_of(title: str) -> str | None:
    """Return what a heading's content is about: background, principle, goal, or None."""
    if BACKGROUND.search(title):
        return "background"
    if PRINCIPLE.search(title):
        return "principle"
    if GOAL.search(title) and not TASK.search(title):
        return "goal"
    return None


def content_kind(context: str | None, text: str) -> str:
    """Return the kind of a content item in a heading of the given context."""
    if DASH_PRINCIPLE.match(text):
        return "principle"
    return {"background": "paragraph", "principle": "principle", "goal": "goal"}.get(context or "", "task")
