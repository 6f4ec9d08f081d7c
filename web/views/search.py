"""Search: hits with highlights and breadcrumbs, facets, filters, pagination, expansions, explain, CSV."""

from __future__ import annotations

import math

from flask import Blueprint, Response, request
from markupsafe import Markup, escape

from ingest.model import NODE_KINDS
from web.present import anchor, kind_label
from web.render import csv_download, int_param, page
from web.state import Corpus, corpus

bp = Blueprint("search", __name__)

PER_PAGE = 10
#: Plans suggested by the plan box: the result's plan facet, else the first plans (the box takes any id or title).
PLAN_CHOICES = 50
CSV_LIMIT = 1000
CSV_FIELDS = ("id", "plan", "kind", "title", "path", "text", "score", "citation")


def export_csv(data: dict) -> Response:
    """Return the hits as a CSV file."""
    rows = ([hit.get(f, "") if f != "path" else " > ".join(hit.get("path") or []) for f in CSV_FIELDS]
            for hit in data["hits"])
    return csv_download(CSV_FIELDS, rows, "search.csv")


@bp.route("/search")
@page("search.html", exports={"csv": export_csv})
def search() -> dict:
    """Run the query with its filters and return one page of hits."""
    data = corpus()
    query = request.args.get("q", "").strip()[:200]
    filters = {
        "plan": request.args.get("plan", "").strip() or None,
        "kind": request.args.get("kind", "").strip() or None,
        "theme": request.args.get("theme", "").strip() or None,
    }
    if filters["plan"]:
        filters["plan"] = data.plan_by_ref(filters["plan"]).id  # a box holds a title, a facet an id
    wants_csv = request.environ.get("plangraph.format") == "csv"
    number = int_param("page", 1)
    limit = int_param("limit", PER_PAGE, 1, 100)
    explain = request.args.get("explain", "") not in ("", "0")
    if not query:
        result = {"query": "", "total": 0, "expanded": [], "hits": [], "facets": {}, "page": 1, "pages": 0}
    elif wants_csv:
        result = all_hits(data, query, filters)
    else:
        result = run(data, query, filters, limit, number, explain)
    result["hits"] = [decorate(data, hit) for hit in result.get("hits", [])]
    result["facets"] = facet_view(data, result.get("facets") or {})
    return {
        **result,
        "filters": {k: v or "" for k, v in filters.items()},
        "plan_title": data.by_id[filters["plan"]].title if filters["plan"] else "",
        "plan_choices": plan_choices(data, result["facets"]),
        "explain_on": explain,
        "build": data.build.name,
        "kinds": [{"id": k, "label": kind_label(k)} for k in NODE_KINDS],
        "engine": "index" if data.searcher is not None else "fallback",
    }


def run(data: Corpus, query: str, filters: dict, limit: int, number: int, explain: bool = False) -> dict:
    """One page of results from the index (or the fallback while there is none)."""
    if data.searcher is None:
        return fallback_search(data, query, filters, limit, number)
    return data.searcher.search(query, **filters, limit=limit, page=number, explain=explain)


def all_hits(data: Corpus, query: str, filters: dict) -> dict:
    """Every hit up to CSV_LIMIT, page by page, for the CSV export."""
    first = run(data, query, filters, 100, 1)
    hits = list(first["hits"])
    for number in range(2, min(first.get("pages", 1), CSV_LIMIT // 100) + 1):
        hits += run(data, query, filters, 100, number)["hits"]
    return {**first, "hits": hits}


def plan_choices(data: Corpus, facets: list[dict]) -> list[dict]:
    """The plans the plan box suggests: those of the result's plan facet (most hits first), else the first plans."""
    plans = next((f["values"] for f in facets if f["name"] == "plan"), None)
    if plans is None:
        return [{"id": p.id, "title": p.title, "count": None} for p in data.plans[:PLAN_CHOICES]]
    return [{"id": v["value"], "title": data.by_id[v["value"]].title if v["value"] in data.by_id else v["value"],
             "count": v["count"]} for v in plans[:PLAN_CHOICES]]


FACET_LABELS = {"plan": "规划", "kind": "类型", "theme": "主题", "chapter": "章节"}
FILTERABLE = ("plan", "kind", "theme")


def facet_view(data: Corpus, facets: dict) -> list[dict]:
    """Facets as [{"name","label","filter","values":[{"value","label","count"}]}] for both renderers."""
    out = []
    for name, values in facets.items():
        pairs = values.items() if isinstance(values, dict) else values
        items = []
        for value, count in sorted(pairs, key=lambda pair: -pair[1]):
            shown = kind_label(value) if name == "kind" else plan_label(data, value) if name == "plan" else value
            items.append({"value": value, "label": shown, "count": count})
        if items:
            out.append({"name": name, "label": FACET_LABELS.get(name, name), "filter": name in FILTERABLE,
                        "values": items})
    return out


def plan_label(data: Corpus, plan_id: str) -> str:
    """A plan facet value (a plan id) as the plan's short title."""
    found = data.by_id.get(plan_id)
    return found.listing["short_title"] if found is not None else plan_id


def decorate(data: Corpus, hit: dict) -> dict:
    """Add the reader link, the citation and the kind label to a hit (from the catalog: no plan is loaded)."""
    node_id = hit.get("id", "")
    found = data.node_info(node_id) if isinstance(node_id, str) else None
    if found:
        hit.setdefault("url", f"/plan/{found['plan']}#{anchor(node_id)}")
        hit.setdefault("citation", found["citation"])
        hit.setdefault("path", found["path"])
        hit.setdefault("plan_id", found["plan"])
    hit["kind_label"] = kind_label(hit.get("kind", ""))
    return hit


def fallback_search(data: Corpus, query: str, filters: dict, limit: int, number: int) -> dict:
    """Plain substring search over node texts, used only while no search index can be opened."""
    words = [w for w in query.split() if w]
    hits = []
    for plan, node, path in fallback_nodes(data, filters["plan"]):
        if filters["kind"] and node.kind != filters["kind"]:
            continue
        score = sum(node.text.count(w) for w in words)
        if score and all(w in node.text for w in words):
            hits.append({"id": node.id, "plan": plan.title, "plan_id": plan.id, "kind": node.kind,
                         "title": node.title, "path": [p.title for p in path], "text": node.text,
                         "score": float(score), "highlight": str(mark(node.text, words)), "themes": []})
    hits.sort(key=lambda h: -h["score"])
    pages = math.ceil(len(hits) / limit)
    return {"query": query, "total": len(hits), "expanded": [], "facets": {},
            "hits": hits[(number - 1) * limit: number * limit], "page": number, "pages": pages}


def fallback_nodes(data: Corpus, only: str | None):
    """Every (plan, node, ancestors) of the build, or of one plan, loading one plan model at a time."""
    for ref in data.plans:
        if only is None or ref.id == only:
            plan = ref.model()
            for node, path in plan.walk_with_path():
                yield plan, node, path


def mark(text: str, words: list[str], width: int = 160) -> Markup:
    """Return an escaped snippet of ``text`` around the first word, with every word in <mark>."""
    first = min((text.find(w) for w in words if w in text), default=0)
    start = max(0, first - width // 3)
    snippet = escape(("…" if start else "") + text[start: start + width] + ("…" if start + width < len(text) else ""))
    for word in words:
        snippet = Markup(snippet.replace(escape(word), Markup("<mark>") + escape(word) + Markup("</mark>")))
    return snippet
