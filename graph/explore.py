"""One entity with its mentions and relations, and the neighbourhood of any resource (for a graph view)."""

from __future__ import annotations

from collections import Counter

from graph.errors import NotFound
from graph.namespace import PGID
from graph.outline import plan_index, short_id
from graph.store import GraphStore
from graph.views import knowledge_view

CONTEXT = 40
Q_MENTIONS = """
SELECT ?m ?node ?surface ?start ?end ?plan ?label ?text WHERE {
  ?m a pg:Mention ; pg:entity <%s> ; pg:sourceNode ?node ; pg:surface ?surface ; pg:charStart ?start ;
     pg:charEnd ?end ; pg:inPlan ?p .
  ?p dcterms:title ?plan . OPTIONAL { ?node rdfs:label ?label } OPTIONAL { ?node pg:text ?text }
} ORDER BY ?plan ?start"""


def resolve_iri(store: GraphStore, ref: str) -> str:
    """Return the IRI of a resource given its id, full IRI, outline node id or an entity's name."""
    view = knowledge_view(store)
    for candidate in (ref, str(PGID) + ref, str(PGID) + "node/" + ref):
        if candidate in view:
            return candidate
    return plan_index(store).find_entity(ref)["iri"]


def _context(text: str | None, surface: str) -> str:
    """Return the words around ``surface`` in a node's text."""
    if not text:
        return surface
    at = text.find(surface)
    if at < 0:
        return text[: 2 * CONTEXT]
    lo, hi = max(0, at - CONTEXT), at + len(surface) + CONTEXT
    return ("…" if lo else "") + text[lo:hi] + ("…" if hi < len(text) else "")


def entity(store: GraphStore, ref: str) -> dict:
    """Return a project, place or organisation: label, kind, plans, mentioning passages and related entities."""
    index = plan_index(store)
    ent = index.find_entity(ref)
    rows = store.select(Q_MENTIONS % ent["iri"])
    passages = [{"node": short_id(r["node"]), "node_label": r["label"], "plan": r["plan"], "surface": r["surface"],
                 "start": r["start"], "end": r["end"], "context": _context(r["text"], r["surface"])} for r in rows]
    related: Counter = Counter()
    for node in index.mentioned_in.get(ent["iri"], []):
        for other in index.mentions.get(node, []):
            if other["iri"] != ent["iri"]:
                related[other["iri"]] += 1
    view = knowledge_view(store)
    located = [short_id(o) for _, o, k in view.out_edges(ent["iri"], keys=True) if k == "locatedIn"]
    return {"id": ent["id"], "label": ent["label"], "kind": ent["kind"], "aliases": ent["aliases"],
            "plans": sorted({p["plan"] for p in passages}), "mentions": passages,
            "located_in": located,
            "tasks": [{"id": index.resources[n]["id"], "label": index.resources[n]["label"],
                       "plan": index.resources[n]["plan"]} for n in index.mentioned_in.get(ent["iri"], [])],
            "related": [{"id": index.entities[i]["id"], "label": index.entities[i]["label"],
                         "kind": index.entities[i]["kind"], "together": n} for i, n in related.most_common(20)]}


def neighbourhood(store: GraphStore, ref: str, depth: int = 1, limit: int = 80) -> dict:
    """Return the nodes and edges within ``depth`` steps of a resource (at most ``limit`` nodes)."""
    view = knowledge_view(store)
    try:
        start = resolve_iri(store, ref)
    except NotFound:
        raise NotFound(f"找不到 no resource matches {ref!r}") from None
    order, frontier, seen = [start], [start], {start}
    for _ in range(max(depth, 0)):
        nxt = []
        for node in frontier:
            for other in [*view.successors(node), *view.predecessors(node)]:
                if other not in seen and len(order) < limit:
                    seen.add(other)
                    order.append(other)
                    nxt.append(other)
        frontier = nxt
    nodes = [{"id": short_id(n), "label": view.nodes[n].get("label"), "category": view.nodes[n].get("category"),
              "root": n == start} for n in order]
    edges = [{"source": short_id(s), "target": short_id(o), "label": d.get("label"), "relation": k}
             for s, o, k, d in view.subgraph(order).edges(keys=True, data=True)]
    return {"root": short_id(start), "nodes": nodes, "edges": edges, "truncated": len(order) >= limit}
