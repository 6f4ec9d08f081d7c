"""One entity with its mentions and relations, and the neighbourhood of any resource (for a graph view)."""

from __future__ import annotations

from collections.abc import Iterator

from graph.errors import NotFound
from graph.namespace import PGID
from graph.outline import entity_info, find_entity, short_id
from graph.store import GraphStore
from graph.summary import summary
from graph.views import CLASSES, EDGE_PREDICATES, edges_between, node_info

CONTEXT = 40
Q_MENTIONS = """
SELECT ?m ?node ?surface ?start ?end ?plan ?label ?text WHERE {
  ?m a pg:Mention ; pg:entity <%s> ; pg:sourceNode ?node ; pg:surface ?surface ; pg:charStart ?start ;
     pg:charEnd ?end ; pg:inPlan ?p .
  ?p dcterms:title ?plan . OPTIONAL { ?node rdfs:label ?label } OPTIONAL { ?node pg:text ?text }
} ORDER BY ?plan ?start"""


def _in_view(store: GraphStore, iris: list[str]) -> list[str]:
    """Return those of ``iris`` that are nodes of the knowledge view (resources of a class it shows)."""
    if not iris:
        return []
    values = " ".join(f"<{i}>" for i in iris)
    found = {r["s"] for r in store.select(f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {values} }} ?s a ?type . "
                                          f"FILTER(?type IN ({CLASSES})) }}")}
    return [i for i in iris if i in found]


def resolve_iri(store: GraphStore, ref: str) -> str:
    """Return the IRI of a resource given its id, full IRI, outline node id or an entity's name."""
    candidates = [c for c in (ref, str(PGID) + ref, str(PGID) + "node/" + ref) if _iri_like(c)]
    found = _in_view(store, candidates)
    if found:
        return found[0]
    return find_entity(store, ref)["iri"]


def _iri_like(text: str) -> bool:
    """Tell whether ``text`` can be written as an IRI in a query."""
    return ":" in text and not any(ch in text for ch in '<>"{}|\\^` \n\t')


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
    ent = find_entity(store, ref)
    rows = store.select(Q_MENTIONS % ent["iri"])
    passages = [{"node": short_id(r["node"]), "node_label": r["label"], "plan": r["plan"], "surface": r["surface"],
                 "start": r["start"], "end": r["end"], "context": _context(r["text"], r["surface"])} for r in rows]
    nodes = [node for node, _ in summary(store).mentioned_in(ent["iri"])]
    rows_of = {r["iri"]: r for r in summary(store).resources(nodes)}
    return {"id": ent["id"], "label": ent["label"], "kind": ent["kind"], "aliases": ent["aliases"],
            "plans": sorted({p["plan"] for p in passages}), "mentions": passages,
            "located_in": [short_id(o) for o in located_in(store, ent["iri"])],
            "tasks": [{"id": rows_of[n]["id"], "label": rows_of[n]["label"], "plan": rows_of[n]["plan"]}
                      for n in nodes],
            "related": _related(store, ent["iri"])}


def related(store: GraphStore, ref: str) -> list[dict]:
    """Return the entities named in the same passages as a project, place or organisation (``entity``'s
    ``related``), without reading its passages."""
    return _related(store, find_entity(store, ref)["iri"])


def _related(store: GraphStore, iri: str) -> list[dict]:
    """Return the 20 entities most often named in the passages naming ``iri``, with how often (counted in the
    summary: a place named in thousands of passages is one query)."""
    found = summary(store)
    top = found.co_named(iri, 20)
    known = {e: entity_info(rows) for e, rows in found.entity_rows(e for e, _ in top).items()}
    return [{"id": known[i]["id"], "label": known[i]["label"], "kind": known[i]["kind"], "together": n}
            for i, n in top]


def located_in(store: GraphStore, iri: str) -> list[str]:
    """Return the places the knowledge view links ``iri`` to (pg:locatedIn edges)."""
    rows = store.select(f"SELECT ?o WHERE {{ <{iri}> pg:locatedIn ?o }}")
    return _in_view(store, list(dict.fromkeys(r["o"] for r in rows)))


def _neighbours(store: GraphStore, node: str) -> Iterator[str]:
    """Yield the successors then the predecessors of a node in the knowledge view, as the view orders them
    (checked against the view a few at a time, so a hub's thousands of neighbours are not all looked at)."""
    out = [r["o"] for r in store.select(f"SELECT ?o WHERE {{ VALUES ?p {{ {EDGE_PREDICATES} }} <{node}> ?p ?o }}")]
    into = [r["s"] for r in store.select(f"SELECT ?s WHERE {{ VALUES ?p {{ {EDGE_PREDICATES} }} ?s ?p <{node}> }}")]
    for found in (list(dict.fromkeys(out)), list(dict.fromkeys(into))):
        for start in range(0, len(found), 100):
            yield from _in_view(store, found[start:start + 100])


def neighbourhood(store: GraphStore, ref: str, depth: int = 1, limit: int = 80) -> dict:
    """Return the nodes and edges within ``depth`` steps of a resource (at most ``limit`` nodes)."""
    try:
        start = resolve_iri(store, ref)
    except NotFound:
        raise NotFound(f"找不到 no resource matches {ref!r}") from None
    order, frontier, seen = [start], [start], {start}
    for _ in range(max(depth, 0)):
        nxt = []
        for node in frontier:
            if len(order) >= limit:
                break
            for other in _neighbours(store, node):
                if len(order) >= limit:
                    break
                if other not in seen:
                    seen.add(other)
                    order.append(other)
                    nxt.append(other)
        frontier = nxt
    info = node_info(store, order)
    nodes = [{"id": short_id(n), "label": info[n]["label"], "category": info[n]["category"], "root": n == start}
             for n in order]
    return {"root": short_id(start), "nodes": nodes, "edges": edges_between(store, order),
            "truncated": len(order) >= limit}
