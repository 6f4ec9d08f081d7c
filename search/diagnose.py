"""Why a query found nothing, and what to try instead."""

from __future__ import annotations

from whoosh.query import Query

from search import query as Q
from search.analysis import ngrams, subwords
from search.schema import WORD_FIELDS


def known(searcher, word: str) -> bool:
    """Return True when ``word`` occurs in the index as a word or as a substring."""
    s = searcher.whoosh()
    if any(s.doc_frequency(f, word) for f in WORD_FIELDS):
        return True
    return searcher.substrings is not None and bool(searcher.substrings.docs(word))


def count(searcher, q: Query | None, filt: Query | None = None) -> int:
    """Return how many units ``q`` matches under ``filt``."""
    if q is None:
        return 0
    return searcher.whoosh().search(q, filter=filt, limit=1).scored_length()


def diagnose(searcher, p: Q.Parsed, filt: Query | None, notes: list[str]) -> dict:
    """Return {"diagnosis": [sentences], "suggestions": [queries]} for a query with no results."""
    reasons = list(notes)
    suggestions: list[str] = []
    if p.empty and not p.filters:
        return {"diagnosis": ["查询为空 the query is empty"], "suggestions": []}
    missing = [w for w in [*p.phrases, *p.words] if not known(searcher, w)]
    for word in missing:
        reasons.append(f"“{word}”在所有规划中都没有出现 does not occur in any plan")
        parts = [s for s in subwords(word) if known(searcher, s)] or [c for c in ngrams(word) if known(searcher, c)]
        suggestions += parts[:3]
    present = [w for w in p.words if w not in missing]
    if missing and present:
        suggestions.append(" ".join(present))
    if p.phrases and not missing:
        reasons.append("引号内的短语没有原样出现 the quoted phrase does not occur verbatim")
        suggestions.append(" ".join([*p.phrases, p.free]).strip())
    if filt is not None:
        unfiltered = count(searcher, Q.build(p, [], index=searcher.substrings))
        if unfiltered:
            reasons.append(f"筛选条件排除了全部 {unfiltered} 条结果 the filters exclude all {unfiltered} results")
            suggestions.append(p.free or " ".join(p.phrases))
    if not reasons:
        reasons.append("没有找到匹配的内容 nothing matches")
    return {"diagnosis": reasons, "suggestions": list(dict.fromkeys(s for s in suggestions if s))[:6]}
