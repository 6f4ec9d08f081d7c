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
from itertools import accumulate

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.query import And, AndMaybe, Every, NullQuery, Or, Phrase, Query, Term
from whoosh.scoring import BM25FScorer
from whoosh.util.numeric import byte_to_length

from search.substring import Substring, SubstringIndex

Scores = dict[int, float]
#: Scores left to settle: the words' scores, then in query order each phrase (None once checked) with its bonuses.
Pending = tuple[Scores, list[tuple[Phrase | None, Scores]]]
#: Phrases with more candidates than this are checked only where the check can change the page shown.
DEFER_OVER = 200
#: Terms whose scores are remembered per searcher (the words of broad queries repeat), and the units
#: their scores may hold in all (a broad word holds most units: at 4,000 plans a score dict is 100 MB).
TERM_CACHE = 4096
TERM_CACHE_UNITS = 4_000_000


class Scorer:
    """Scores of query trees over one whoosh searcher, with a cache of per-term scores."""

    def __init__(self, searcher, substrings: SubstringIndex | None):
        self.searcher = searcher
        self.substrings = substrings
        self._terms: dict[tuple, dict] = {}
        self._held = 0
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
            ids.extend(block_ids(m))
            m._read_weights()
            weights.extend(m._weights)
            m._next_block()
        if type(scorer) is BM25FScorer:  # whoosh's formula inlined, the same operations in the same order
            norms, idf, k1p = self.norms(field, scorer), scorer.idf, scorer.K1 + 1
            return {d: idf * ((w * k1p) / (w + norms[d])) for d, w in zip(ids, weights)}
        lengths, score = self.lengths(field), scorer._score
        return {d: score(w, lengths[d]) for d, w in zip(ids, weights)}

    def norms(self, field: str, scorer: BM25FScorer) -> list[float]:
        """Return BM25's length normalisation ``K1 * ((1 - B) + B * length / avgfl)`` of ``field`` in every unit.

        It is the same for every term of a field; lengths are stored as one of 256 values, so each
        is worked out once.
        """
        key = ("#norms", field, scorer.K1, scorer.B, scorer.avgfl)
        found = self._terms.get(key)
        if found is None:
            K1, B, avgfl = scorer.K1, scorer.B, scorer.avgfl
            table = {fl: K1 * ((1 - B) + B * fl / avgfl) for fl in set(self.lengths(field))}
            found = list(map(table.__getitem__, self.lengths(field)))
            self._terms[key] = found
        return found

    def lengths(self, field: str) -> list[int]:
        """Return the length of ``field`` in every unit (as whoosh stores it, one byte each), read once."""
        key = ("#len", field)
        found = self._terms.get(key)
        if found is None:
            reader = self.searcher.reader()
            perdoc = getattr(reader, "_perdoc", None)
            column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN) if perdoc is not None else None
            if column is not None:  # the whole column at once instead of a call per unit
                table = [byte_to_length(b) if b else 1 for b in range(256)]
                found = list(map(table.__getitem__, column_bytes(column, reader.doc_count_all())))
            else:
                found = [reader.doc_field_length(d, field, 1) for d in range(reader.doc_count_all())]
            self._terms[key] = found
        return found

    def remember(self, key: tuple, value: dict | set | list) -> None:
        """Cache ``value``, forgetting everything when the cache is full."""
        with self._lock:
            self._held += len(value)
            if len(self._terms) >= TERM_CACHE or self._held > TERM_CACHE_UNITS:
                self._terms.clear()
                self._held = len(value)
            self._terms[key] = value

    def positions(self, field: str, text: str, docs: list[int]) -> dict[int, frozenset[int]]:
        """Return the word positions of ``text`` in ``field`` of each of ``docs`` (sorted; all hold it).

        Blocks of postings holding none of ``docs`` are passed over on their block header; the
        others are read whole, instead of stepping through them a posting at a time.
        """
        found = {}
        m = self.searcher.postings(field, text)
        if not isinstance(m, W3LeafMatcher):
            for d in docs:
                if m.id() < d:
                    m.skip_to(d)
                found[d] = frozenset(m.value_as("positions"))
            return found
        decode = m.format.decoder("positions")
        i, n = 0, len(docs)
        while i < n and m.is_active():
            last = m.block_max_id()
            if docs[i] <= last:
                at = {d: k for k, d in enumerate(block_ids(m))}
                m._read_values()
                values = m._values
                while i < n and docs[i] <= last:
                    k = at.get(docs[i])
                    found[docs[i]] = frozenset(decode(values[k])) if k is not None else frozenset()
                    i += 1
            m._next_block()
        for d in docs[i:]:
            found[d] = frozenset()
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

    def deferred(self, q: Query) -> tuple[Scores, Pending | None]:
        """Score ``q`` but leave the position checks of its big top-level phrases for later.

        A phrase of an ``Or`` whose candidates (units holding all its words) all match the rest of
        the ``Or`` only adds score, so which units match is already known.  The scores returned
        lack those phrases' bonuses (they are lower bounds); ``Pending`` holds what ``settle``
        needs to check positions only for the units whose bonus could lift them into the page shown.
        """
        if not (isinstance(q, Or) and not q.minmatch and q.boost == 1.0):
            return self.scores(q), None
        rest, phrases = self.split(q)
        if not phrases:
            return rest, None
        parts: list[tuple[Phrase | None, Scores]] = []
        for ph in phrases:
            bonus = self.bonus(ph)
            if len(bonus) > DEFER_OVER and rest.keys() >= bonus.keys():
                parts.append((ph, bonus))
            else:
                parts.append((None, self.phrase(ph)))
        if all(ph is None for ph, _ in parts):
            return add_in_order([rest, *(found for _, found in parts)]), None
        return add_in_order([rest, *(found for ph, found in parts if ph is None)]), (rest, parts)

    def bonus(self, q: Phrase) -> Scores:
        """Return what ``q`` adds to each unit holding all its words, if they stand together there."""
        key = ("#bonus", q.fieldname, tuple(q.words), q.boost)
        found = self._terms.get(key)
        if found is None:
            words = [self.term(q.fieldname, w) for w in q.words]
            candidates = set(min(words, key=len)).intersection(*words) if all(words) else set()
            found = {d: q.boost * sum(p[d] for p in words) for d in candidates}
            self.remember(key, found)
        return found

    def split(self, q: Or) -> tuple[Scores, list[Phrase]]:
        """Return the summed scores of the clauses of ``q`` but its phrases (unboosted), and those phrases.

        Nested plain ``Or`` clauses are flattened.  Phrases are added last, in query order, both
        when scored at once and when settled later.
        """
        leaves = list(flatten(q))
        phrases = [sub for sub in leaves if isinstance(sub, Phrase) and len(sub.words) > 1]
        rest = add([self.scores(sub) for sub in leaves if not any(sub is ph for ph in phrases)])
        return rest, phrases

    def settle(self, scored: Scores, pending: Pending, docs: list[int]) -> None:
        """Give each of ``docs`` in ``scored`` its exact score: its words' scores plus the phrases that match in it.

        The parts are added in query order, as ``scores`` adds them, so the sums are the same to the last bit.
        """
        rest, parts = pending
        found = [None if ph is None else self.phrase_docs(ph, [d for d in docs if d in bonus]) for ph, bonus in parts]
        for d in docs:
            total = rest.get(d, 0.0)
            for (_, bonus), ok in zip(parts, found):
                if d in bonus and (ok is None or d in ok):
                    total += bonus[d]
            scored[d] = total

    def upper(self, scored: Scores, pending: Pending) -> Scores:
        """Return the highest score each unit of ``scored`` with a phrase left to check can reach."""
        rest, parts = pending
        docs = set().union(*(bonus for ph, bonus in parts if ph is not None)).intersection(scored)
        out = {}
        for d in docs:
            total = rest.get(d, 0.0)
            for _, bonus in parts:
                total += bonus.get(d, 0.0)
            out[d] = total
        return out

    def phrase_docs(self, q: Phrase, docs: list[int]) -> set[int]:
        """Return those of ``docs`` (all holding every word of ``q``) where the words stand at consecutive positions."""
        key = ("#phrase-checked", q.fieldname, tuple(q.words))
        checked = self._terms.get(key)
        if checked is None:
            checked = {}
            self.remember(key, checked)
        todo = sorted(d for d in docs if d not in checked)
        if todo:
            where = [self.positions(q.fieldname, w, todo) for w in q.words]
            for d in todo:
                checked[d] = any(all(start + i in w[d] for i, w in enumerate(where[1:], 1)) for start in where[0][d])
        return {d for d in docs if checked[d]}

    def scores(self, q: Query) -> Scores:
        """Return {unit: score} of every unit ``q`` matches."""
        if isinstance(q, Term):
            found = self.term(q.fieldname, q.text)
            return dict(found) if q.boost == 1.0 else {d: s * q.boost for d, s in found.items()}
        if isinstance(q, Phrase):
            return self.phrase(q)
        if isinstance(q, Substring):
            return self.matcher_scores(q)
        if isinstance(q, Or) and not q.minmatch:
            rest, phrases = self.split(q)
            return add_in_order([rest, *map(self.phrase, phrases)], q.boost)
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


def block_ids(m: W3LeafMatcher):
    """Return the unit numbers of the matcher's current block: whoosh's ``delta_decode``, summed in C."""
    if m._data is None:
        m._read_data()
    return accumulate(m._data[0])


def column_bytes(column, count: int) -> bytes | list[int]:
    """Return the values of a one-byte numeric whoosh column, read as one block when its layout allows."""
    if getattr(column, "_fixedlen", None) == 1 and getattr(column, "_typecode", None) == "B":
        raw = column._dbfile.get(column._basepos, column._count)
        return bytes(raw) + bytes([column._default]) * (count - len(raw))
    return list(column)


def flatten(q: Or):
    """Yield the clauses of ``q``, with the clauses of each nested unboosted ``Or`` in its place."""
    for sub in q.subqueries:
        if isinstance(sub, Or) and not sub.minmatch and sub.boost == 1.0:
            yield from flatten(sub)
        else:
            yield sub


def add_in_order(parts: list[Scores], boost: float = 1.0) -> Scores:
    """Sum score dicts in the order given (units missing from one count 0 there), times ``boost``."""
    out = dict(parts[0]) if parts else {}
    for p in parts[1:]:
        for d, s in p.items():
            out[d] = out.get(d, 0.0) + s
    return {d: s * boost for d, s in out.items()} if boost != 1.0 else out


def add(parts: list[Scores], boost: float = 1.0) -> Scores:
    """Sum score dicts (units missing from one count 0 there), times ``boost``."""
    parts = sorted(parts, key=len, reverse=True)
    out = dict(parts[0]) if parts else {}
    for p in parts[1:]:
        for d, s in p.items():
            out[d] = out.get(d, 0.0) + s
    return {d: s * boost for d, s in out.items()} if boost != 1.0 else out
