"""Score a query tree into {unit: score} in one pass per term, without whoosh's matcher trees.

Whoosh scores an ``Or`` of a dozen clauses by walking a tree of union matchers
and span matchers per document; for a broad query (科技创新 and its thesaurus
expansions) that took most of a search.  The queries ``search.query`` builds use
a handful of node types, so they are scored here directly: a term's BM25F
scores come from whoosh's own scorer once and are cached per term, ``Or`` sums,
``And`` intersects, ``AndMaybe`` adds the optional part to the required one,
and a phrase is its words' scores where the words stand at consecutive
positions (read from whoosh's postings, as whoosh's phrase matcher does).  Any other node falls back to
whoosh's matcher, so the numbers stay whoosh's BM25F.
"""

from __future__ import annotations

import threading

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.query import And, AndMaybe, Every, NullQuery, Or, Phrase, Query, Term
from whoosh.util.numeric import byte_to_length

from search.substring import Substring, SubstringIndex

Scores = dict[int, float]
#: Terms whose scores are remembered per searcher (the words of broad queries repeat).
TERM_CACHE = 4096


class Scorer:
    """Scores of query trees over one whoosh searcher, with a cache of per-term scores."""

    def __init__(self, searcher, substrings: SubstringIndex | None):
        self.searcher = searcher
        self.substrings = substrings
        self._terms: dict[tuple, dict] = {}
        self._lock = threading.Lock()

    def term(self, field: str, text: str) -> Scores:
        """Return the unboosted BM25F score of every unit holding ``text`` in ``field``."""
        key = (field, text)
        found = self._terms.get(key)
        if found is None:
            found = {}
            if self.searcher.reader().doc_frequency(field, text):
                found = self.bulk(field, text)
            self.remember(key, found)
        return found

    def bulk(self, field: str, text: str) -> Scores:
        """Score every posting of a term a block at a time, with whoosh's BM25F formula and stored lengths."""
        scorer = self.searcher.weighting.scorer(self.searcher, field, text)
        m = self.searcher.postings(field, text)
        if not (isinstance(m, W3LeafMatcher) and hasattr(scorer, "_score")):
            m = Term(field, text).matcher(self.searcher)
            found = {}
            while m.is_active():
                found[m.id()] = m.score()
                m.next()
            return found
        ids: list[int] = []
        weights: list[float] = []
        while m.is_active():  # whole blocks: the per-posting calls were most of a search
            m._read_ids()
            m._read_weights()
            ids.extend(m._ids)
            weights.extend(m._weights)
            m._next_block()
        lengths, score = self.lengths(field), scorer._score
        return {d: score(w, lengths[d]) for d, w in zip(ids, weights)}

    def lengths(self, field: str) -> list[int]:
        """Return the length of ``field`` in every unit (as whoosh stores it, one byte each), read once."""
        key = ("#len", field)
        found = self._terms.get(key)
        if found is None:
            reader = self.searcher.reader()
            perdoc = getattr(reader, "_perdoc", None)
            column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN) if perdoc is not None else None
            if column is not None:  # the whole column at once instead of a call per unit
                found = [byte_to_length(b) if b else 1 for b in column]
            else:
                found = [reader.doc_field_length(d, field, 1) for d in range(reader.doc_count_all())]
            self._terms[key] = found
        return found

    def remember(self, key: tuple, value: dict | set | list) -> None:
        """Cache ``value``, forgetting everything when the cache is full."""
        with self._lock:
            if len(self._terms) >= TERM_CACHE:
                self._terms.clear()
            self._terms[key] = value

    def positions(self, field: str, text: str, docs: list[int]) -> dict[int, frozenset[int]]:
        """Return the word positions of ``text`` in ``field`` of each of ``docs`` (sorted; all hold it)."""
        found = {}
        m = self.searcher.postings(field, text)
        for d in docs:
            if m.id() < d:
                m.skip_to(d)
            found[d] = frozenset(m.value_as("positions"))
        return found

    def phrase(self, q: Phrase) -> Scores:
        """Score a phrase as whoosh does: the sum of its words' scores, where they stand at consecutive positions.

        A dictionary sub-word shares its word's position, so 盐业 旅游 is found in 盐业特色旅游.
        """
        parts = [self.term(q.fieldname, w) for w in q.words]
        if not parts or any(not p for p in parts):
            return {}
        key = ("#phrase", q.fieldname, tuple(q.words))
        docs = self._terms.get(key)
        if docs is None:
            docs = set(min(parts, key=len))
            for p in parts:
                docs.intersection_update(p)
            if len(q.words) > 1 and docs:
                order = sorted(docs)
                where = [self.positions(q.fieldname, w, order) for w in q.words]
                docs = {d for d in docs if any(all(start + i in w[d] for i, w in enumerate(where[1:], 1))
                                               for start in where[0][d])}
            self.remember(key, docs)
        return {d: q.boost * sum(p[d] for p in parts) for d in docs}

    def scores(self, q: Query) -> Scores:
        """Return {unit: score} of every unit ``q`` matches."""
        if isinstance(q, Term):
            return {d: s * q.boost for d, s in self.term(q.fieldname, q.text).items()}
        if isinstance(q, Phrase):
            return self.phrase(q)
        if isinstance(q, Substring):
            return self.matcher_scores(q)
        if isinstance(q, Or) and not q.minmatch:
            return add([self.scores(sub) for sub in q.subqueries], q.boost)
        if isinstance(q, And):
            parts = [self.scores(sub) for sub in q.subqueries]
            common = set.intersection(*(set(p) for p in parts)) if parts else set()
            return {d: q.boost * sum(p[d] for p in parts) for d in common}
        if isinstance(q, AndMaybe):
            must, maybe = self.scores(q.a), self.scores(q.b)
            return {d: s + maybe.get(d, 0.0) for d, s in must.items()}
        if q is NullQuery:
            return {}
        if isinstance(q, Every):
            return dict.fromkeys(range(self.searcher.doc_count_all()), 1.0)
        return self.matcher_scores(q)

    def matcher_scores(self, q: Query) -> Scores:
        """Score ``q`` with whoosh's own matcher (for node types not handled above)."""
        out: Scores = {}
        m = q.matcher(self.searcher)
        while m.is_active():
            out[m.id()] = m.score()
            m.next()
        return out


def add(parts: list[Scores], boost: float = 1.0) -> Scores:
    """Sum score dicts (units missing from one count 0 there), times ``boost``."""
    parts = sorted(parts, key=len, reverse=True)
    out = dict(parts[0]) if parts else {}
    for p in parts[1:]:
        for d, s in p.items():
            out[d] = out.get(d, 0.0) + s
    return {d: s * boost for d, s in out.items()} if boost != 1.0 else out
