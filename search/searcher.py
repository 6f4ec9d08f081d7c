"""Run a query against the index: ranked, de-duplicated hits with highlights, facets and explain.

One ``Searcher`` is safe to share between threads: each thread gets its own
whoosh searcher, opened on first use.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

from whoosh import sorting
from whoosh.query import And, Every, NullQuery, Or, Query, Term

from search import query as Q
from search.analysis import ngrams
from search.errors import BadParameter
from search.highlight import SNIPPET, highlight, marked, needles

Expander = Callable[[str], list[str]]
MAX_LIMIT = 100
#: Facets as whoosh groupings; themes overlap (a unit has several).
FACETS = {"plan": "plan_id", "kind": "kind", "chapter": "chapter", "theme": "themes"}
#: Prior weight of a unit kind: items and paragraphs are what staff look for; a bare heading or an
#: entity name is a pointer to them, so it ranks below an item that says the same thing.
KIND_WEIGHTS = {"entity": 0.4, "part": 0.6, "chapter": 0.6, "section": 0.6, "subsection": 0.6,
                "target": 0.8, "table": 0.8, "paragraph": 0.9}


class Searcher:
    """Search one built index; ``expander(term)`` gives thesaurus expansions (or None)."""

    def __init__(self, ix, meta: dict, expander: Expander | None = None):
        self.ix = ix
        self.meta = meta
        self.expander = expander
        self.plan_titles = {p["id"]: p["title"] for p in meta.get("plans", [])}
        self.theme_labels = dict(meta.get("themes", {}))
        self._local = threading.local()

    def whoosh(self):
        """Return this thread's whoosh searcher."""
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = self._local.searcher = self.ix.searcher()
        return s

    def close(self) -> None:
        """Close this thread's whoosh searcher."""
        s = getattr(self._local, "searcher", None)
        if s is not None:
            s.close()
            self._local.searcher = None

    def expansions(self, p: Q.Parsed) -> list[str]:
        """Return thesaurus expansions of the typed text and words, minus what was typed."""
        if self.expander is None or not (p.words or p.phrases):
            return []
        typed = {p.free.replace(" ", ""), *p.words, *p.phrases}
        found: list[str] = []
        for term in dict.fromkeys([p.free.replace(" ", ""), *p.phrases, *p.words]):
            if term:
                found += [t for t in self.expander(term) or [] if t and t not in typed]
        return list(dict.fromkeys(found))[:12]

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
        limit, page = check_int("limit", limit, 1, MAX_LIMIT), check_int("page", page, 1, 10_000)
        p = Q.parse(query)
        for name, value in (("plan", plan), ("kind", kind), ("theme", theme)):
            if value:
                p.filters.setdefault(name, []).append(Q.KIND_ALIASES.get(value, value) if name == "kind" else value)
        expanded = self.expansions(p)
        q = Q.build(p, expanded)
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
        res = self.collect(q, filt, explain)
        if not res.scored_length() and (relaxed := Q.relaxed(p)) is not None:
            res = self.collect(relaxed, filt, explain)
            out["relaxed"] = bool(res.scored_length())
        ranked = self.dedupe(res.top_n)
        wanted = needles(p.words, [p.free.replace(" ", ""), *p.phrases, *expanded],
                         single=len(p.words) == 1 and len(p.words[0]) == 1 and not p.phrases)
        if out.get("relaxed"):  # mark the pairs of characters that matched instead of the words
            wanted += [g for w in [*p.phrases, *p.words] for g in ngrams(w) if len(g) > 1]
        out["total"] = len(ranked)
        out["pages"] = math.ceil(len(ranked) / limit)
        out["facets"] = self.facets(res, {doc for _, doc in ranked})
        terms = res.docterms if explain else {}
        for score, doc in ranked[(page - 1) * limit:page * limit]:
            out["hits"].append(self.hit(doc, score, wanted, terms.get(doc) if explain else None))

    def collect(self, q: Query, filt: Query | None, explain: bool):
        """Return every match of ``q`` with the documents of each facet value."""
        groups = {name: sorting.FieldFacet(field, allow_overlap=name == "theme") for name, field in FACETS.items()}
        return self.whoosh().search(q, filter=filt, limit=None, groupedby=groups, terms=explain)

    def dedupe(self, top_n: list[tuple[float, int]]) -> list[tuple[float, int]]:
        """Keep one unit per group of repeated text (the most specific kind), ranked by the group's best score."""
        reader = self.whoosh().reader()
        kinds, groups, ranks = (reader.column_reader(name) for name in ("kind", "group", "rank"))
        best: dict[object, tuple[int, int]] = {}
        scores: dict[object, float] = {}
        for score, doc in top_n:
            key = groups[doc]
            weighted = score * kind_weight(kinds[doc])
            scores[key] = max(scores.get(key, 0.0), weighted)
            if key not in best or ranks[doc] < best[key][0]:
                best[key] = (ranks[doc], doc)
        return sorted(((scores[key], doc) for key, (_, doc) in best.items()), key=lambda sd: (-sd[0], sd[1]))

    def hit(self, doc: int, score: float, wanted: list[str], matched: list | None) -> dict:
        """Return one hit as a plain dict, highlighted."""
        f = self.whoosh().stored_fields(doc)
        text = f.get("text", "")
        data = {
            "id": f["id"], "node_id": f.get("node_id", ""), "plan": f.get("plan", ""), "plan_id": f["plan_id"],
            "kind": f["kind"], "title": f.get("title", ""), "path": f.get("path_data", []), "text": text,
            "number": f.get("number", ""), "chapter": f.get("chapter", ""), "score": round(score, 3),
            "highlight": highlight(text, wanted, size=SNIPPET),
            "themes": [t["label"] for t in f.get("theme_data", [])],
        }
        if matched is not None:
            data["matched"] = {"terms": sorted({f"{fld}:{t.decode() if isinstance(t, bytes) else t}"
                                                for fld, t in matched}),
                               "words": marked(text, wanted)}
        return data

    def facets(self, res, kept: set[int]) -> dict:
        """Return the facet counts of the kept (de-duplicated) hits, keyed by plan titles and theme labels."""
        out = {}
        for name in FACETS:
            named: dict[str, int] = {}
            for key, docs in res.groups(name).items():
                n = sum(1 for d in docs if d in kept)
                if not n or key in (None, "", b""):
                    continue
                key = key.decode() if isinstance(key, bytes) else str(key)
                label = {"plan": self.plan_titles, "theme": self.theme_labels}.get(name, {}).get(key, key)
                named[label] = named.get(label, 0) + n
            out[name] = dict(sorted(named.items(), key=lambda kv: -kv[1]))
        return out

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


def check_int(name: str, value, low: int, high: int) -> int:
    """Return ``value`` as an int in [low, high], or raise BadParameter saying what is wrong."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadParameter(f"{name} 必须是整数 must be an integer, not {value!r}") from None
    if not low <= number <= high:
        raise BadParameter(f"{name} 必须在 {low} 到 {high} 之间 must be between {low} and {high}, not {number}")
    return number


def kind_weight(kind) -> float:
    """Return the prior weight of a unit kind (1.0 for tasks, goals and principles)."""
    return KIND_WEIGHTS.get(kind.decode() if isinstance(kind, bytes) else kind, 1.0)
