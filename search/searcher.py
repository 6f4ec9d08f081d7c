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
from search.errors import BadParameter
from search.highlight import SNIPPET, highlight, marked, needles

Expander = Callable[[str], list[str]]
MAX_LIMIT = 100
#: Facets as whoosh groupings; themes overlap (a unit has several).
FACETS = {"plan": "plan_id", "kind": "kind", "chapter": "chapter", "theme": "themes"}


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
        s = self.whoosh()
        groups = {name: sorting.FieldFacet(field, allow_overlap=name == "theme") for name, field in FACETS.items()}
        res = s.search(q, filter=filt, limit=None, collapse="group", collapse_limit=1,
                       collapse_order=sorting.FieldFacet("rank"), groupedby=groups, maptype=sorting.Count,
                       terms=explain)
        total = res.scored_length()
        wanted = needles(p.words, [p.free.replace(" ", ""), *p.phrases, *expanded],
                         single=len(p.words) == 1 and len(p.words[0]) == 1 and not p.phrases)
        out["total"] = total
        out["pages"] = math.ceil(total / limit)
        out["facets"] = self.facets(res)
        for hit in res[(page - 1) * limit:page * limit]:
            out["hits"].append(self.hit(hit, wanted, explain))

    def hit(self, hit, wanted: list[str], explain: bool) -> dict:
        """Return one hit as a plain dict, highlighted."""
        f = hit.fields()
        text = f.get("text", "")
        data = {
            "id": f["id"], "node_id": f.get("node_id", ""), "plan": f.get("plan", ""), "plan_id": f["plan_id"],
            "kind": f["kind"], "title": f.get("title", ""), "path": f.get("path_data", []), "text": text,
            "number": f.get("number", ""), "chapter": f.get("chapter", ""), "score": round(hit.score, 3),
            "highlight": highlight(text, wanted, size=SNIPPET),
            "themes": [t["label"] for t in f.get("theme_data", [])],
        }
        if explain:
            data["matched"] = {"terms": sorted({f"{fld}:{t.decode() if isinstance(t, bytes) else t}"
                                                for fld, t in hit.matched_terms()}),
                               "words": marked(text, wanted)}
        return data

    def facets(self, res) -> dict:
        """Return the facet counts, keyed by readable names (plan titles, theme labels)."""
        out = {}
        for name in FACETS:
            counts = res.groups(name)
            named: dict[str, int] = {}
            for key, n in counts.items():
                if key in (None, "", b""):
                    continue
                key = key.decode() if isinstance(key, bytes) else str(key)
                label = self.plan_titles.get(key, key) if name == "plan" else key
                label = self.theme_labels.get(key, key) if name == "theme" else label
                named[label] = named.get(label, 0) + n
            out[name] = dict(sorted(named.items(), key=lambda kv: -kv[1]))
        return out

    def explain(self, p: Q.Parsed, q: Query | None, filt: Query | None, notes: list[str], out: dict) -> dict:
        """Return how the query was understood and, for zero results, why and what to try."""
        from search.diagnose import diagnose

        data = {"segmentation": p.words, "phrases": p.phrases, "filters": p.filters, "expanded": out["expanded"],
                "whoosh": str(q) if q is not None else ""}
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

