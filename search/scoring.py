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

Scores are numpy arrays (``Hits``: unit numbers ascending, and a score each), so a broad word's
100,000 units cost a few vectorised operations instead of a Python step each.  Every sum is made
in the order the dict version made it (``np.bincount`` adds its weights in input order), so the
scores are the same to the last bit.
"""

from __future__ import annotations

import threading

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.query import And, AndMaybe, Every, NullQuery, Or, Phrase, Query, Term
from whoosh.scoring import BM25FScorer
from whoosh.util.numeric import byte_to_length

from search.postings import PostingsTable
from search.substring import Substring, SubstringIndex


class Hits:
    """The units a query matches, ascending, and the score of each (two numpy arrays of one length)."""

    __slots__ = ("docs", "scores")

    def __init__(self, docs: np.ndarray, scores: np.ndarray):
        self.docs = docs
        self.scores = scores

    @classmethod
    def of(cls, ids, scores) -> Hits:
        """Hits from unit numbers in ascending order and their scores (any sequences)."""
        return cls(np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float64))

    def __len__(self) -> int:
        return len(self.docs)

    def scaled(self, boost: float) -> Hits:
        """These hits with every score times ``boost``."""
        return self if boost == 1.0 else Hits(self.docs, self.scores * boost)

    def where(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each of ``docs``: whether it is among these hits, and its place here (meaningless where not)."""
        at = np.searchsorted(self.docs, docs)
        at[at == len(self.docs)] = 0
        return (self.docs[at] == docs) if len(self.docs) else np.zeros(len(docs), bool), at

    def get(self, docs: np.ndarray) -> np.ndarray:
        """The score of each of ``docs`` here, 0.0 where it is not a hit."""
        return self.scores_at(*self.where(docs))

    def scores_at(self, found: np.ndarray, at: np.ndarray) -> np.ndarray:
        """The scores at places ``at`` (from ``where``) where ``found``, 0.0 elsewhere."""
        return np.where(found, self.scores[at] if len(self.docs) else 0.0, 0.0)

    def select(self, mask: np.ndarray) -> Hits:
        """The hits where ``mask`` is true."""
        return Hits(self.docs[mask], self.scores[mask])


EMPTY = Hits.of([], [])
#: Scores left to settle: the words' scores, then in query order each phrase (None once checked) with its bonuses.
Pending = tuple[Hits, list[tuple[Phrase | None, Hits]]]
#: Phrases with more candidates than this are checked only where the check can change the page shown.
DEFER_OVER = 200
#: Terms whose scores are remembered per searcher (the words of broad queries repeat), and the units
#: their scores may hold in all (12 bytes a unit: 8 million is about 100 MB).
TERM_CACHE = 4096
TERM_CACHE_UNITS = 8_000_000
#: A sum over more units than the index holds divided by this is made in one array as long as the index.
DENSE = 8


def union(parts: list[Hits], units: int, boost: float = 1.0) -> Hits:
    """Sum hits in the order given (a unit missing from one counts 0 there), times ``boost``."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0].scaled(boost)
    ids = np.concatenate([p.docs for p in parts])
    weights = np.concatenate([p.scores for p in parts])
    if len(ids) * DENSE > units:  # bincount adds each unit's weights in input order, from 0.0
        seen = np.bincount(ids, minlength=units)
        docs = np.flatnonzero(seen)
        scores = np.bincount(ids, weights=weights, minlength=units)[docs]
    else:
        docs, inverse = np.unique(ids, return_inverse=True)
        scores = np.bincount(inverse, weights=weights, minlength=len(docs))
    return Hits(docs, scores).scaled(boost)


def intersect(parts: list[Hits], boost: float = 1.0) -> Hits:
    """The units in every part, scored ``boost`` times the sum of their scores in part order."""
    if not parts or any(not len(p) for p in parts):
        return EMPTY
    docs = common(parts)
    return Hits(docs, boost * summed(parts, docs))


def common(parts: list[Hits]) -> np.ndarray:
    """The units in every one of ``parts`` (at least one), ascending."""
    docs = min((p.docs for p in parts), key=len)
    for p in parts:
        docs = docs[p.where(docs)[0]]
    return docs


def summed(parts: list[Hits], docs: np.ndarray) -> np.ndarray:
    """The sum of each of ``docs``' scores in ``parts`` (all hold it), added in part order from 0."""
    total = np.zeros(len(docs))
    for p in parts:
        total = total + p.scores[np.searchsorted(p.docs, docs)]
    return total


class Scorer:
    """Scores of query trees over one whoosh searcher, with a cache of per-term scores."""

    def __init__(self, searcher, substrings: SubstringIndex | None, postings: PostingsTable | None = None):
        self.searcher = searcher
        self.substrings = substrings
        self.postings = postings
        self.units = searcher.doc_count_all()
        self._terms: dict[tuple, object] = {}
        self._held = 0
        self._lock = threading.Lock()

    def term(self, field: str, text: str) -> Hits:
        """Return the unboosted BM25F score of every unit holding ``text`` in ``field``."""
        key = (field, text)
        found = self._terms.get(key)
        if found is None:
            found = EMPTY
            if count := self.searcher.reader().doc_frequency(field, text):
                found = self.bulk(field, text, count)
            self.remember(key, found)
        return found

    def bulk(self, field: str, text: str, count: int) -> Hits:
        """Score every posting of a term (``count`` of them) with whoosh's BM25F formula and stored lengths.

        The postings come from the flat table when it holds the term, else from whoosh's blocks.
        """
        scorer = self.searcher.weighting.scorer(self.searcher, field, text)
        flat = self.postings.get(field, self.searcher.schema[field].to_bytes(text), count) if self.postings else None
        if flat is None:
            m = self.searcher.postings(field, text)
            if not (isinstance(m, W3LeafMatcher) and hasattr(scorer, "_score")):
                return self.matcher_scores(Term(field, text))
            flat = read_blocks(m)
        ids, w = flat
        if type(scorer) is BM25FScorer:  # whoosh's formula, the same operations in the same order
            norms, idf, k1p = self.norms(field, scorer), scorer.idf, scorer.K1 + 1
            return Hits(ids, idf * ((w * k1p) / (w + norms[ids])))
        lengths, score = self.lengths(field), scorer._score
        return Hits.of(ids, [score(x, int(n)) for x, n in zip(w.tolist(), lengths[ids])])

    def norms(self, field: str, scorer: BM25FScorer) -> np.ndarray:
        """Return BM25's length normalisation ``K1 * ((1 - B) + B * length / avgfl)`` of ``field`` in every unit.

        It is the same for every term of a field; lengths are stored as one of 256 values, so each
        is worked out once.
        """
        key = ("#norms", field, scorer.K1, scorer.B, scorer.avgfl)
        found = self._terms.get(key)
        if found is None:
            K1, B, avgfl = scorer.K1, scorer.B, scorer.avgfl
            values, inverse = np.unique(self.lengths(field), return_inverse=True)
            found = np.array([K1 * ((1 - B) + B * fl / avgfl) for fl in values.tolist()])[inverse]
            self._terms[key] = found
        return found

    def lengths(self, field: str) -> np.ndarray:
        """Return the length of ``field`` in every unit (as whoosh stores it, one byte each), read once."""
        key = ("#len", field)
        found = self._terms.get(key)
        if found is None:
            reader = self.searcher.reader()
            perdoc = getattr(reader, "_perdoc", None)
            column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN) if perdoc is not None else None
            if column is not None:  # the whole column at once instead of a call per unit
                table = np.array([byte_to_length(b) if b else 1 for b in range(256)], dtype=np.int64)
                found = table[np.frombuffer(bytes(column_bytes(column, self.units)), dtype=np.uint8)]
            else:
                found = np.array([reader.doc_field_length(d, field, 1) for d in range(self.units)], dtype=np.int64)
            self._terms[key] = found
        return found

    def remember(self, key: tuple, value) -> None:
        """Cache ``value``, forgetting everything when the cache is full."""
        with self._lock:
            self._held += len(value)
            if len(self._terms) >= TERM_CACHE or self._held > TERM_CACHE_UNITS:
                self._terms = {k: v for k, v in self._terms.items() if k[0] in ("#len", "#norms")}
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
                at = {d: k for k, d in enumerate(block_ids(m).tolist())}
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

    def adjacent(self, q: Phrase, docs: list[int]) -> list[bool]:
        """For each of ``docs`` (ascending, all holding every word of ``q``): do its words stand together there?"""
        where = [self.positions(q.fieldname, w, docs) for w in q.words]
        return [any(all(start + i in w[d] for i, w in enumerate(where[1:], 1)) for start in where[0][d])
                for d in docs]

    def phrase(self, q: Phrase) -> Hits:
        """Score a phrase as whoosh does: the sum of its words' scores, where they stand at consecutive positions.

        A dictionary sub-word shares its word's position, so 盐业 旅游 is found in 盐业特色旅游.
        """
        parts = [self.term(q.fieldname, w) for w in q.words]
        if not parts or any(not len(p) for p in parts):
            return EMPTY
        key = ("#phrase", q.fieldname, tuple(q.words))
        docs = self._terms.get(key)
        if docs is None:
            docs = common(parts)
            if len(q.words) > 1 and len(docs):
                docs = docs[np.array(self.adjacent(q, docs.tolist()), dtype=bool)]
            self.remember(key, docs)
        return Hits(docs, q.boost * summed(parts, docs))

    def deferred(self, q: Query) -> tuple[Hits, Pending | None]:
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
        parts: list[tuple[Phrase | None, Hits]] = []
        for ph in phrases:
            bonus = self.bonus(ph)
            if len(bonus) > DEFER_OVER and rest.where(bonus.docs)[0].all():
                parts.append((ph, bonus))
            else:
                parts.append((None, self.phrase(ph)))
        if all(ph is None for ph, _ in parts):
            return union([rest, *(found for _, found in parts)], self.units), None
        return union([rest, *(found for ph, found in parts if ph is None)], self.units), (rest, parts)

    def bonus(self, q: Phrase) -> Hits:
        """Return what ``q`` adds to each unit holding all its words, if they stand together there."""
        key = ("#bonus", q.fieldname, tuple(q.words), q.boost)
        found = self._terms.get(key)
        if found is None:
            found = intersect([self.term(q.fieldname, w) for w in q.words], q.boost)
            self.remember(key, found)
        return found

    def split(self, q: Or) -> tuple[Hits, list[Phrase]]:
        """Return the summed scores of the clauses of ``q`` but its phrases (unboosted), and those phrases.

        Nested plain ``Or`` clauses are flattened.  Phrases are added last, in query order, both
        when scored at once and when settled later.
        """
        leaves = list(flatten(q))
        phrases = [sub for sub in leaves if isinstance(sub, Phrase) and len(sub.words) > 1]
        parts = [self.scores(sub) for sub in leaves if not any(sub is ph for ph in phrases)]
        return union(sorted(parts, key=len, reverse=True), self.units), phrases

    def settle(self, scored: Hits, pending: Pending, docs: np.ndarray) -> None:
        """Give each of ``docs`` in ``scored`` its exact score: its words' scores plus the phrases that match in it.

        The parts are added in query order, as ``scores`` adds them, so the sums are the same to the last bit.
        """
        rest, parts = pending
        total = rest.get(docs)
        for ph, bonus in parts:
            held, at = bonus.where(docs)
            if ph is not None:
                held[held] = self.phrase_docs(ph, docs[held].tolist())
            total = total + bonus.scores_at(held, at)
        scored.scores[np.searchsorted(scored.docs, docs)] = total

    def upper(self, scored: Hits, pending: Pending) -> Hits:
        """Return the highest score each unit of ``scored`` with a phrase left to check can reach."""
        rest, parts = pending
        deferred = [bonus.docs for ph, bonus in parts if ph is not None]
        docs = deferred[0] if len(deferred) == 1 else np.unique(np.concatenate(deferred))
        docs = docs[scored.where(docs)[0]]
        total = rest.get(docs)
        for _, bonus in parts:
            total = total + bonus.get(docs)
        return Hits(docs, total)

    def phrase_docs(self, q: Phrase, docs: list[int]) -> list[bool]:
        """For each of ``docs`` (ascending, all holding every word of ``q``): do its words stand together there?"""
        key = ("#phrase-checked", q.fieldname, tuple(q.words))
        checked = self._terms.get(key)
        if checked is None:
            checked = {}
            self.remember(key, checked)
        todo = [d for d in docs if d not in checked]
        if todo:
            checked.update(zip(todo, self.adjacent(q, todo)))
        return [checked[d] for d in docs]

    def scores(self, q: Query) -> Hits:
        """Return the hits of ``q`` and their scores."""
        if isinstance(q, Term):
            return self.term(q.fieldname, q.text).scaled(q.boost)
        if isinstance(q, Phrase):
            return self.phrase(q)
        if isinstance(q, Substring):
            return self.substring(q)
        if isinstance(q, Or) and not q.minmatch:
            rest, phrases = self.split(q)
            return union([rest, *map(self.phrase, phrases)], self.units, q.boost)
        if isinstance(q, And):
            return intersect([self.scores(sub) for sub in q.subqueries], q.boost)
        if isinstance(q, AndMaybe):
            must, maybe = self.scores(q.a), self.scores(q.b)
            return Hits(must.docs, must.scores + maybe.get(must.docs))
        if q is NullQuery:
            return EMPTY
        if isinstance(q, Every):
            return Hits(np.arange(self.units, dtype=np.int64), np.ones(self.units))
        return self.matcher_scores(q)

    def substring(self, q: Substring) -> Hits:
        """Score an exact-substring query from its table (as its whoosh matcher would, without a step per unit)."""
        if q.minmatch:  # a relaxed match weighs by the share of the pairs it holds
            return self.matcher_scores(q)
        ids = q.index.docs(q.text)
        return Hits.of(ids, q.index.scores(q.text, ids, q.boost)) if ids else EMPTY

    def matcher_scores(self, q: Query) -> Hits:
        """Score ``q`` with whoosh's own matcher (for node types not handled above)."""
        ids, scores = [], []
        m = q.matcher(self.searcher)
        while m.is_active():
            ids.append(m.id())
            scores.append(m.score())
            m.next()
        return Hits.of(ids, scores)


def read_blocks(m: W3LeafMatcher) -> tuple[np.ndarray, np.ndarray]:
    """Return a term's units and weights from whoosh's postings, a whole block at a time."""
    blocks: list[np.ndarray] = []
    weights: list[float] = []
    while m.is_active():  # whole blocks: the per-posting calls were most of a search
        blocks.append(block_ids(m))
        m._read_weights()
        weights.extend(m._weights)
        m._next_block()
    return np.concatenate(blocks), np.asarray(weights, dtype=np.float64)


def block_ids(m: W3LeafMatcher) -> np.ndarray:
    """Return the unit numbers of the matcher's current block: whoosh's ``delta_decode``, summed in C."""
    if m._data is None:
        m._read_data()
    return np.cumsum(np.asarray(m._data[0], dtype=np.int64))


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
