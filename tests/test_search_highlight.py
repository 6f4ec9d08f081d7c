"""Highlights segment only the clauses holding a match, and mark exactly what segmenting the whole text marks."""

from __future__ import annotations

from bisect import bisect_right

from search import highlight as hl
from search.analysis import query_words, spans
from search.units import plan_units


def widen_whole(text: str, found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``highlight.widen`` as it was: the words of the whole text."""
    if not found:
        return []
    words = spans(text)
    ends = [b for _, _, b in words]
    out = []
    for s, e in found:
        i = bisect_right(ends, s)
        ws = []
        while i < len(words) and words[i][1] < e and len(ws) < 2:
            ws.append(words[i][1:])
            i += 1
        out.append(ws[0] if len(ws) == 1 else (s, e))
    return hl.merge(out)


def test_clause_words_are_the_whole_text_words(corpus_plans):
    texts = [u["text"] for p in corpus_plans.values() for u in plan_units(p)]
    for text in texts:
        assert hl.clause_spans(text, [(0, len(text))]) == list(spans(text))


def test_widen_as_with_the_whole_text(corpus_plans):
    needles = ["能源", "充电", "养老", "服务", "发展", "建设", "城市更新", "2025", "年", "社区", "，推进", "老"]
    checked = 0
    for p in corpus_plans.values():
        for u in plan_units(p):
            text = u["text"]
            for words in (needles, query_words(u["title"])[:3]):
                found = hl.find_spans(text, words)
                assert hl.widen(text, found) == widen_whole(text, found)
                checked += bool(found)
    assert checked > 300
