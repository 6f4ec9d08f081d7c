"""Run a query against the index: ranked, de-duplicated hits with highlights, facets and explain.

One ``Searcher`` is safe to share between threads: they take turns on one whoosh
searcher.  Whoosh reads the parts of a compound segment it opens (postings,
stored fields) into a copy per searcher, so a searcher per thread cost the
index's size again for each server thread and a cold start for each; Python runs
one thread at a time anyway, and one searcher also shares its caches.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable
from operator import add

import numpy as np
from whoosh.columns import TranslatingColumnReader
from whoosh.query import And, Every, NullQuery, Or, Query, Term

from search import query as Q
from search.analysis import ngrams, query_words
from search.errors import BadParameter
from search.highlight import SNIPPET, highlight, marked, needles
from search.postings import PostingsTable
from search.scoring import Hits, Pending, Scorer, column_bytes
from search.substring import SubstringIndex

Expander = Callable[[str], list[str]]
#: The first hits, (score, unit) best first, and the unit shown for every group matched.
Ranked = tuple[list[tuple[float, int]], np.ndarray]
MAX_LIMIT = 100
#: Thesaurus expansions searched per query, and the document frequency above which a word
#: is common enough not to be searched inside other words too.
MAX_EXPANSIONS = 8
COMMON_DF = 20
COMMON_EXPANSION_DF = 300
FACETS = ("plan", "kind", "theme", "chapter")
#: Values listed per facet (the most frequent): a broad word at 4,000 plans is in every plan and thousands of chapters.
FACET_VALUES = 100
#: Filter fields answered from the columns.
FILTER_COLUMNS = {"plan_id": "plan", "kind": "kind"}
#: Prior weight of a unit kind: items and paragraphs are what staff look for; a bare heading or an
#: entity name is a pointer to them, so it ranks below an item that says the same thing.
KIND_WEIGHTS = {"entity": 0.4, "part": 0.6, "chapter": 0.6, "section": 0.6, "subsection": 0.6,
                "target": 0.8, "table": 0.8, "paragraph": 0.9}


class Searcher:
    """Search one built index; ``expander(term)`` gives thesaurus expansions (or None)."""

    def __init__(self, ix, meta: dict, expander: Expander | None = None, substrings: SubstringIndex | None = None,
                 postings: PostingsTable | None = None):
        self.ix = ix
        self.postings = postings
        self.meta = meta
        self.expander = expander
        self.substrings = substrings
        self.plan_titles = {p["id"]: p["title"] for p in meta.get("plans", [])}
        self.theme_labels = dict(meta.get("themes", {}))
        self.lock = threading.RLock()
        self._searcher = None
        self._scorer: Scorer | None = None
        self._columns: Columns | None = None
        self._columns_lock = threading.Lock()
        # The segment is read through its open file (see search.index.open_whoosh): close what is still open when
        # this searcher is dropped (a server swapping builds drops the old one's).
        self._opened: list = []
        weakref.finalize(self, close_all, self._opened)

    def whoosh(self):
        """Return the whoosh searcher (use it holding ``self.lock``)."""
        s = self._searcher
        if s is None:
            with self.lock:
                if self._searcher is None:
                    self._searcher = self.ix.searcher()
                    self._opened.append(self._searcher)
                s = self._searcher
        return s

    def close(self) -> None:
        """Close the whoosh searcher (it is opened again on the next search)."""
        with self.lock:
            if self._searcher is not None:
                self._opened.remove(self._searcher)
                self._searcher.close()
                self._searcher = None
                self._scorer = None

    def expansions(self, p: Q.Parsed) -> list[str]:
        """Return thesaurus expansions of the typed text and words, minus what was typed."""
        if self.expander is None or not (p.words or p.phrases):
            return []
        typed = {p.free.replace(" ", ""), *p.words, *p.phrases}
        found: list[str] = []
        for term in dict.fromkeys([p.free.replace(" ", ""), *p.phrases, *p.words]):
            if term:
                found += [t for t in self.expander(term) or [] if t and t not in typed]
        useful = [t for t in dict.fromkeys(found) if not self.too_common(t)]
        return useful[:MAX_EXPANSIONS]

    def too_common(self, term: str) -> bool:
        """Tell whether an expansion would match so much that it costs time without changing the ranking."""
        s = self.whoosh()
        return min((s.doc_frequency("body", w) for w in query_words(term)), default=0) > COMMON_EXPANSION_DF

    def common(self, word: str) -> bool:
        """Tell whether ``word`` is a frequent indexed word (then no substring search is needed)."""
        return self.whoosh().doc_frequency("body", word) >= COMMON_DF

    def filter_query(self, filters: dict[str, list[str]]) -> tuple[Query | None, list[str]]:
        """Turn ``plan``/``kind``/``theme`` filters into a whoosh filter, with a note per value that matched nothing."""
        clauses, notes = [], []
        resolvers = {"plan": self.resolve_plan, "kind": lambda v: [("kind", v)], "theme": self.resolve_theme}
        for name, values in filters.items():
            terms = [t for v in values for t in resolvers[name](v)]
            for v in values:
                if not resolvers[name](v):
                    notes.append(f"{name}:{v} 没有匹配 matches nothing")
            clauses.append(Or([Term(f, x) for f, x in terms]) if terms else NullQuery)
        if not clauses:
            return None, notes
        return (clauses[0] if len(clauses) == 1 else And(clauses)), notes

    def resolve_plan(self, ref: str) -> list[tuple[str, str]]:
        """Return the plan_id terms of the plans whose id is ``ref`` or whose title contains it."""
        exact = [pid for pid in self.plan_titles if pid == ref]
        found = exact or [pid for pid, title in self.plan_titles.items() if ref in title or ref in pid]
        return [("plan_id", pid) for pid in found]

    def resolve_theme(self, ref: str) -> list[tuple[str, str]]:
        """Return the theme terms of the themes whose id or label is (or contains) ``ref``."""
        exact = [tid for tid, label in self.theme_labels.items() if ref in (tid, label)]
        found = exact or [tid for tid, label in self.theme_labels.items() if ref in label]
        return [("themes", tid) for tid in found]

    def search(self, query: str, plan: str | None = None, kind: str | None = None, theme: str | None = None,
               limit: int = 10, page: int = 1, explain: bool = False) -> dict:
        """Search the index and return the results page as a plain dict (see the module docstring)."""
        with self.lock:
            return self._search(query, plan, kind, theme, limit, page, explain)

    def _search(self, query: str, plan: str | None, kind: str | None, theme: str | None, limit: int, page: int,
                explain: bool) -> dict:
        limit, page = check_int("limit", limit, 1, MAX_LIMIT), check_int("page", page, 1, 10_000)
        p = Q.parse(query)
        for name, value in (("plan", plan), ("kind", kind), ("theme", theme)):
            if value:
                p.filters.setdefault(name, []).append(Q.KIND_ALIASES.get(value, value) if name == "kind" else value)
        expanded = self.expansions(p)
        q = Q.build(p, expanded, self.common, self.substrings)
        filt, notes = self.filter_query(p.filters)
        if q is None and filt is not None:
            q = Every()
        out = {"query": query, "total": 0, "limit": limit, "expanded": expanded, "hits": [], "page": page, "pages": 0,
               "facets": {name: {} for name in FACETS}}
        if q is not None:
            self.run(q, filt, p, expanded, limit, page, out, explain)
        if explain:
            out["explain"] = self.explain(p, q, filt, notes, out)
        return out

    def run(self, q: Query, filt: Query | None, p: Q.Parsed, expanded: list[str], limit: int, page: int,
            out: dict, explain: bool) -> None:
        """Run ``q`` and fill ``out`` with the page of hits and the facets."""
        scored, pending = self.matches(q, filt)
        if not scored and (relaxed := Q.relaxed(p, self.substrings)) is not None:
            q = relaxed
            scored, pending = self.matches(q, filt)
            out["relaxed"] = bool(scored)
        wanted = needles(p.words, [p.free.replace(" ", ""), *p.phrases, *expanded],
                         single=len(p.words) == 1 and len(p.words[0]) == 1 and not p.phrases)
        if out.get("relaxed"):  # mark the pairs of characters that matched instead of the words
            wanted += [g for w in [*p.phrases, *p.words] for g in ngrams(w) if len(g) > 1]
        top, docs = self.rank(scored, page * limit) if pending is None else self.settled(scored, pending, page * limit)
        out["total"] = len(docs)
        out["pages"] = math.ceil(len(docs) / limit)
        out["facets"] = self.facets(docs)
        shown = top[(page - 1) * limit:page * limit]
        terms = self.matched_terms(q, {doc for _, doc in shown}) if explain else {}
        for score, doc in shown:
            out["hits"].append(self.hit(doc, score, wanted, terms.get(doc, []) if explain else None))

    def columns(self) -> Columns:
        """Return the kind, group, rank and facet columns of every unit, read once and shared by all threads."""
        cols = self._columns
        if cols is not None:
            return cols
        with self._columns_lock:
            if self._columns is None:
                self._columns = Columns.read(self.whoosh().reader())
        return self._columns

    def scorer(self) -> Scorer:
        """Return the scorer (it caches the scores of the terms searched)."""
        sc = self._scorer
        if sc is None or sc.searcher is not self.whoosh():
            sc = self._scorer = Scorer(self.whoosh(), self.substrings, self.postings)
        return sc

    def matches(self, q: Query, filt: Query | None) -> tuple[Hits, Pending | None]:
        """Return the score of every unit ``q`` matches within ``filt``, and the phrase checks left to settle."""
        scored, pending = self.scorer().deferred(q)
        if filt is not None and len(scored):
            scored = scored.select(self.allowed(filt, scored.docs))
        return scored, pending

    def allowed(self, filt: Query, docs: np.ndarray) -> np.ndarray:
        """Return which of ``docs`` the filter lets through (from the columns for plan, kind and theme terms)."""
        cols = self.columns()
        if isinstance(filt, Term) and filt.fieldname in (*FILTER_COLUMNS, "themes"):
            return cols.has(filt.fieldname, filt.text, docs)
        if isinstance(filt, (Or, And)) and filt.subqueries:
            masks = [self.allowed(sub, docs) for sub in filt.subqueries]
            return np.logical_or.reduce(masks) if isinstance(filt, Or) else np.logical_and.reduce(masks)
        if filt is NullQuery:
            return np.zeros(len(docs), dtype=bool)
        return np.isin(docs, np.fromiter(filt.docs(self.whoosh()), dtype=np.int64))

    def settled(self, scored: Hits, pending: Pending, shown: int) -> Ranked:
        """Rank ``scored``, checking phrases only in the units whose best score could reach the first ``shown`` groups.

        A unit whose upper bound stays under the ``shown``-th group's score can neither enter
        those groups nor raise their scores, so its phrase check would change nothing visible.
        A check only raises scores, so the new first groups are among the old ones and the
        groups of the units checked.
        """
        cols = self.columns()
        upper = self.scorer().upper(scored, pending)
        reach = upper.scores * cols.weight[upper.docs]
        todo = np.ones(len(upper), dtype=bool)
        groups = self.groups(scored)
        top = groups.top(shown)
        while True:
            floor = top[shown - 1][0] if len(top) >= shown else -math.inf
            check = todo & (reach >= floor)
            if not check.any():
                return top, groups.units
            docs = upper.docs[check]
            self.scorer().settle(scored, pending, docs)
            todo &= ~check
            at = np.searchsorted(groups.keys, cols.gid[docs])
            np.maximum.at(groups.best, at, scored.scores[np.searchsorted(scored.docs, docs)] * cols.weight[docs])
            keys = np.union1d(cols.gid[[doc for _, doc in top]], cols.gid[docs])
            top = groups.top(shown, np.searchsorted(groups.keys, keys))

    def rank(self, scored: Hits, shown: int) -> Ranked:
        """Return the best ``shown`` (score, unit) pairs, one per group of repeated text, and every group's unit.

        Only the first ``shown`` groups are sorted.
        """
        groups = self.groups(scored)
        return groups.top(shown), groups.units

    def groups(self, scored: Hits) -> Groups:
        """Return the unit shown and the score of each group of repeated text that ``scored`` matches.

        The unit shown is the most specific of its group; the group's score is the best
        kind-weighted score of any unit in it.
        """
        cols = self.columns()
        docs = scored.docs
        keys = cols.gid[docs]
        weighted = scored.scores * cols.weight[docs]
        alone = ~cols.shared[docs]
        if alone.all():  # a unit alone in its group has a key above those of the units before it: sorted already
            return Groups(keys, docs, weighted)
        many = ~alone
        k, d, w = keys[many], docs[many], weighted[many]
        by_order = np.lexsort((cols.order[d], k))  # within a key, the most specific unit first
        k, d, w = k[by_order], d[by_order], w[by_order]
        starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
        keys = np.concatenate([keys[alone], k[starts]])
        units = np.concatenate([docs[alone], d[starts]])
        best = np.concatenate([weighted[alone], np.maximum.reduceat(w, starts)])
        by_key = np.argsort(keys, kind="stable")  # two sorted runs: merged
        return Groups(keys[by_key], units[by_key], best[by_key])

    def matched_terms(self, q: Query, docs: set[int]) -> dict[int, list]:
        """Return the index terms ``q`` matched in each of ``docs`` (for explain)."""
        if not docs:
            return {}
        res = self.whoosh().search(q, filter=docs, limit=None, terms=True)
        return {doc: res.docterms.get(doc, []) for doc in docs}

    def hit(self, doc: int, score: float, wanted: list[str], matched: list | None) -> dict:
        """Return one hit as a plain dict, highlighted."""
        f = self.whoosh().stored_fields(doc)
        text = f.get("text", "")
        data = {
            "id": f["id"], "node_id": f.get("node_id", ""), "plan": f.get("plan", ""), "plan_id": f["plan_id"],
            "kind": f["kind"], "title": f.get("title", ""), "path": f.get("path_data", []), "text": text,
            "number": f.get("number", ""), "chapter": self.columns().chapter(doc), "score": round(score, 3),
            "highlight": highlight(text, wanted, size=SNIPPET),
            "themes": [t["label"] for t in f.get("theme_data", [])],
        }
        if matched is not None:
            data["matched"] = {"terms": sorted({f"{fld}:{t.decode() if isinstance(t, bytes) else t}"
                                                for fld, t in matched}),
                               "words": marked(text, wanted)}
        return data

    def facets(self, docs: np.ndarray) -> dict:
        """Return the facet counts of the shown units, most first (ties by id), at most ``FACET_VALUES`` a facet:
        keyed by plan ids (plans may share a title), kinds, theme labels and chapters."""
        cols = self.columns()
        return {name: {self.theme_labels.get(k, k) if name == "theme" else k: n
                       for k, n in cols.counts(name, docs, FACET_VALUES)} for name in FACETS}

    def explain(self, p: Q.Parsed, q: Query | None, filt: Query | None, notes: list[str], out: dict) -> dict:
        """Return how the query was understood and, for zero results, why and what to try."""
        from search.diagnose import diagnose

        data = {"segmentation": p.words, "phrases": p.phrases, "filters": p.filters, "expanded": out["expanded"],
                "whoosh": str(q) if q is not None else ""}
        if out.get("relaxed"):
            data["diagnosis"] = ["没有完全匹配的结果，以下只部分匹配 no exact match; these hits match in part"]
        if not out["total"]:
            data.update(diagnose(self, p, filt, notes))
        return data


def close_all(opened: list) -> None:
    """Close the whoosh searchers in ``opened``."""
    while opened:
        opened.pop().close()


def check_int(name: str, value, low: int, high: int) -> int:
    """Return ``value`` as an int in [low, high], or raise BadParameter saying what is wrong."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadParameter(f"{name} 必须是整数 must be an integer, not {value!r}") from None
    if not low <= number <= high:
        raise BadParameter(f"{name} 必须在 {low} 到 {high} 之间 must be between {low} and {high}, not {number}")
    return number


def kind_weight(kind: str) -> float:
    """Return the prior weight of a unit kind (1.0 for tasks, goals and principles)."""
    return KIND_WEIGHTS.get(kind, 1.0)


def decode(value):
    """Return a column value as str when whoosh gives bytes."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


class Groups:
    """The groups of repeated text a query matched: their keys ascending, the unit each shows, and its score."""

    def __init__(self, keys: np.ndarray, units: np.ndarray, best: np.ndarray):
        self.keys, self.units, self.best = keys, units, best

    def top(self, shown: int, among: np.ndarray | None = None) -> list[tuple[float, int]]:
        """The best ``shown`` (score, unit) pairs of the groups (or of those at places ``among``): ties by unit."""
        at = np.arange(len(self.keys)) if among is None else among
        neg = -self.best[at]
        if len(at) > shown:  # every group tied with the last one shown stays a candidate
            at = at[neg <= np.partition(neg, shown - 1)[shown - 1]]
            neg = -self.best[at]
        first = at[np.lexsort((self.units[at], neg))[:shown]]
        return list(zip(self.best[first].tolist(), self.units[first].tolist()))


class Columns:
    """Per-unit columns as arrays: kind weight, group, rank order, and facet codes with their labels."""

    def __init__(self, column: Callable[[str], tuple[np.ndarray, list]]):
        """Read each column with ``column(name)``: a code per unit and the distinct values the codes stand for."""
        self.codes, self.labels = {}, {}
        for name, source in (("plan", "plan_id"), ("kind", "kind"), ("chapter", "chapter")):
            self.codes[name], self.labels[name] = column(source)
        # Each unit's theme list as a code; each list's themes (a few thousand distinct lists at 4,000 plans).
        self.theme_lists, lists = column("theme_list")
        self.list_count = len(lists)
        self.list_themes, self.list_of_entry, self.labels["theme"] = theme_table(lists)
        self.code_of = {name: {label: i for i, label in enumerate(labels)} for name, labels in self.labels.items()}
        self.weight = np.array([kind_weight(k) for k in self.labels["kind"]])[self.codes["kind"]]
        self.gid, _ = column("group")  # each group as a small int
        self.shared = np.bincount(self.gid)[self.gid] > 1  # the unit's group holds others too
        codes, ranks = column("rank")
        n = len(codes)
        self.order = np.asarray(ranks, dtype=np.int64)[codes] * n + np.arange(n)  # (rank, unit) as one int

    @classmethod
    def read(cls, reader) -> Columns:
        """Read the columns of a whoosh reader."""
        return cls(lambda name: read_column(reader, name))

    def chapter(self, doc: int) -> str:
        return self.labels["chapter"][self.codes["chapter"][doc]]

    def has(self, field: str, value: str, docs: np.ndarray) -> np.ndarray:
        """Which of ``docs`` hold ``value`` in a filter field (plan_id, kind or themes)."""
        if field == "themes":
            code = self.code_of["theme"].get(value)
            if code is None:
                return np.zeros(len(docs), dtype=bool)
            lists = np.zeros(self.list_count, dtype=bool)  # the theme lists holding it
            lists[self.list_of_entry[self.list_themes == code]] = True
            return lists[self.theme_lists[docs]]
        name = FILTER_COLUMNS[field]
        code = self.code_of[name].get(value)
        return self.codes[name][docs] == code if code is not None else np.zeros(len(docs), dtype=bool)

    def tally(self, name: str, docs: np.ndarray) -> np.ndarray:
        """How many of ``docs`` hold each value of a facet (a theme: through the counts of the theme lists)."""
        if name != "theme":
            return np.bincount(self.codes[name][docs], minlength=len(self.labels[name]))
        per_list = np.bincount(self.theme_lists[docs], minlength=self.list_count)
        return np.bincount(self.list_themes, weights=per_list[self.list_of_entry],
                           minlength=len(self.labels["theme"])).astype(np.int64)

    def counts(self, name: str, docs: np.ndarray, limit: int) -> list[tuple[str, int]]:
        """The ``limit`` values of a facet (plan, kind, chapter or theme) most of ``docs`` hold, with how many: most
        first, ties by value; an empty value is not one."""
        labels = self.labels[name]
        found = self.tally(name, docs)
        if (empty := self.code_of[name].get("")) is not None:
            found[empty] = 0
        held = np.flatnonzero(found)
        if len(held) > limit:  # every value tied with the last one kept stays a candidate
            held = held[found[held] >= np.partition(found[held], len(held) - limit)[len(held) - limit]]
        top = sorted((-int(found[i]), labels[i]) for i in held.tolist())[:limit]
        return [(label, -negative) for negative, label in top]


def read_column(reader, name: str) -> tuple[np.ndarray, list]:
    """Return a whoosh column as a code per unit and the distinct values (decoded) the codes stand for.

    A column of variable-length values is read from the file in one piece and cut in memory (read a value at
    a time, each is a read of the file); only the distinct values are translated.
    """
    col = reader.column_reader(name)
    raw = col.raw_column() if isinstance(col, TranslatingColumnReader) else col
    translate = col._translate if isinstance(col, TranslatingColumnReader) else (lambda value: value)
    if hasattr(raw, "_lengths") and hasattr(raw, "_offsets") and hasattr(raw, "_basepos"):
        lengths, offsets = raw._lengths, raw._offsets
        blob = raw._dbfile.get(raw._basepos, max(map(add, offsets, lengths), default=0))
        values = [blob[o:o + n] for o, n in zip(offsets, lengths)]
    elif getattr(raw, "_fixedlen", None) == 1 and getattr(raw, "_typecode", None) == "B":
        values = list(column_bytes(raw, reader.doc_count_all()))
    else:
        values = list(raw)
    codes, distinct = encode(values)
    return codes, [decode(translate(v)) for v in distinct]


def theme_table(lists: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Return the themes of every list (``lists``: comma-separated ids) in a row, the list each entry belongs
    to, and the theme ids."""
    ids: dict[str, int] = {}
    split = [[ids.setdefault(t, len(ids)) for t in v.split(",") if t] for v in lists]
    themes = np.array([t for ts in split for t in ts], dtype=np.int64)
    owner = np.repeat(np.arange(len(split), dtype=np.int64), [len(ts) for ts in split])
    return themes, owner, list(ids)


def encode(values: list) -> tuple[np.ndarray, list]:
    """Return each value's code (its place among the distinct values, in first-seen order) and the values."""
    ids: dict = {}
    codes = np.fromiter((ids.setdefault(v, len(ids)) for v in values), dtype=np.int64, count=len(values))
    return codes, list(ids)
