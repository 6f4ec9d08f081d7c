"""Entity pages: a place, organisation, project, goal, task or theme, its mentions and its neighbourhood."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint

from web.errors import NotFound
from web.present import anchor, citation, kind_label
from web.render import int_param, page
from web.state import Corpus, corpus, graph_call, missing, module

bp = Blueprint("entity", __name__)

MAX_NEIGHBOURS = 60


@bp.route("/entity/<path:entity_id>")
@page("entity.html")
def entity(entity_id: str) -> dict:
    """Label, kind, the passages that mention it, related entities and the graph endpoint."""
    data = corpus()
    if entity_id in data.entities:
        view = model_entity(data, entity_id)
    elif entity_id.removeprefix("node/") in data.nodes:
        view = node_entity(data, entity_id.removeprefix("node/"))
    else:
        view = graph_entity(data, entity_id)
    view["kind_label"] = kind_label(view["kind"])
    view["graph_url"] = f"/entity/{entity_id}/graph.json"
    return view


def model_entity(data: Corpus, entity_id: str) -> dict:
    """An extracted entity: its first mentions with context and its co-mentioned entities, from the catalog."""
    info = data.catalog.entity(entity_id)
    if info is None:
        raise NotFound(f"没有编号为“{entity_id}”的实体。")
    mentions = [{"plan": title, "plan_id": plan_id, "node_id": node_id, "url": f"/plan/{plan_id}#{anchor(node_id)}",
                 "citation": cite, "before": before, "surface": surface, "after": after}
                for plan_id, title, node_id, cite, before, surface, after in data.catalog.contexts(entity_id)]
    return {
        "id": entity_id, "label": info["label"], "kind": info["type"], "aliases": info["aliases"],
        "plans": sorted({data.plan(p).title for p in info["plans"]}), "mentions": mentions,
        "mentions_total": info["mentions"],
        "related": enrich_related(data, info["label"])
        or co_mentioned(data, entity_id, {m["node_id"] for m in mentions}), "text": "",
    }


def node_entity(data: Corpus, node_id: str) -> dict:
    """A goal, task or heading shown as an entity: its text, citation and the entities it mentions."""
    plan, node, path = data.nodes[node_id]
    inside = {n.id for n in node.walk()}
    return {
        "id": node_id, "label": node.title or node.text[:30], "kind": node.kind, "aliases": [],
        "plans": [plan.title], "text": node.text, "citation": citation(plan, node, path),
        "url": f"/plan/{plan.id}#{anchor(node.id)}", "mentions": [],
        "related": enrich_related(data, node_id) or related_list(data, mentioned_in(data, inside)),
    }


def graph_entity(data: Corpus, entity_id: str) -> dict:
    """A resource known to the graph by its id (place/…, goal/…, theme/…), or NotFound."""
    info = lookup(data, entity_id)
    if info:
        mentions = [graph_mention(data, m) for m in info.get("mentions", [])]
        return {"id": entity_id, "label": info.get("label", entity_id), "kind": info.get("kind", ""),
                "aliases": info.get("aliases", []), "plans": info.get("plans", []), "text": "",
                "mentions": [m for m in mentions if m], "related": enrich_related(data, entity_id)}
    around = graph_neighbourhood(data, entity_id, 1, 30)
    root = next((n for n in around["nodes"] if n.get("root")), None) if around else None
    if root is None:
        raise NotFound(f"没有编号为“{entity_id}”的实体。")
    related = [{"id": n["id"], "label": n.get("label") or n["id"], "kind": n.get("category", ""),
                "kind_label": kind_label(n.get("category", ""))} for n in around["nodes"] if not n.get("root")]
    return {"id": entity_id, "label": root.get("label") or entity_id, "kind": root.get("category", ""),
            "aliases": [], "plans": [], "text": "", "mentions": [], "related": related}


def graph_mention(data: Corpus, mention: dict) -> dict | None:
    """A mention reported by the graph, with its context split around the surface and a link."""
    found = data.nodes.get(str(mention.get("node", "")).removeprefix("node/"))
    if not found:
        return None
    plan, node, path = found
    context, surface = mention.get("context", ""), mention.get("surface", "")
    before, _, after = context.partition(surface)
    return {"plan": plan.title, "plan_id": plan.id, "node_id": node.id, "url": f"/plan/{plan.id}#{anchor(node.id)}",
            "citation": citation(plan, node, path), "before": before, "surface": surface, "after": after}


def lookup(data: Corpus, entity_id: str) -> dict | None:
    """Ask the graph about an id; None when the graph does not know it (or is not built)."""
    find = graph_call("entity")
    if find is None or data.store is None:
        return None
    try:
        return find(data.store, entity_id)
    except missing("graph.errors", "NotFound"):
        return None


def enrich_related(data: Corpus, entity_id: str) -> list[dict]:
    """The graph's related entities of an id, each with its kind label."""
    related = getattr(module("graph.explore"), "related", None)
    if related is not None and data.store is not None:
        try:
            found = related(data.store, entity_id)
        except missing("graph.errors", "NotFound"):
            found = []
    else:
        found = (lookup(data, entity_id) or {}).get("related", [])
    return [{**r, "kind_label": kind_label(r.get("kind", "")), "count": r.get("together", r.get("count"))}
            for r in found]


def co_mentioned(data: Corpus, entity_id: str, nodes: set[str]) -> list[dict]:
    """Entities mentioned in the same passages, most shared first."""
    counts = mentioned_in(data, nodes)
    counts.pop(entity_id, None)
    return related_list(data, counts)


def mentioned_in(data: Corpus, nodes: set[str]) -> Counter:
    """How often each entity is mentioned in ``nodes`` (from the catalog), in the corpus' entity order:
    by the first plan naming each (ties of equal counts keep that order)."""
    counts = data.catalog.entities_in(nodes)
    order = {p.id: i for i, p in enumerate(data.plans)}
    first = {e: order.get(next(iter(data.catalog.entity_plans(e)), ""), len(order)) for e in counts}
    return Counter({e: counts[e] for e in sorted(counts, key=lambda e: first[e])})


def related_list(data: Corpus, counts: Counter) -> list[dict]:
    """Turn entity id counts into related entries for the template."""
    out = []
    for other, count in counts.most_common(30):
        if count:
            info = data.catalog.entity(other)
            out.append({"id": other, "label": info["label"], "kind": info["type"],
                        "kind_label": kind_label(info["type"]), "count": count})
    return out


@bp.route("/entity/<path:entity_id>/graph")
def neighbourhood(entity_id: str):
    """The neighbourhood of an id as {"nodes","edges"} for ECharts (always JSON)."""
    from web.render import json_response

    data = corpus()
    depth = int_param("depth", 1, 1, 3)
    limit = int_param("limit", MAX_NEIGHBOURS, 1, 300)
    info = data.catalog.entity(entity_id)
    ref = info["label"] if info else entity_id
    result = graph_neighbourhood(data, ref, depth, limit)
    if not result or not result.get("nodes"):
        result = model_neighbourhood(data, entity_id, limit)
    if not result["nodes"]:
        raise NotFound(f"没有编号为“{entity_id}”的实体。")
    root = next((n["id"] for n in result["nodes"] if n.get("root")), entity_id)
    result["center"] = root
    for node in result["nodes"]:
        node.setdefault("kind", node.get("category", ""))
        node.setdefault("kind_label", kind_label(node["kind"]))
    return json_response(result)


def graph_neighbourhood(data: Corpus, ref: str, depth: int, limit: int) -> dict | None:
    """The graph's neighbourhood of a resource, or None when the graph cannot give one."""
    around = graph_call("neighbourhood")
    if around is None or data.store is None:
        return None
    try:
        return around(data.store, ref, depth, limit)
    except missing("graph.errors", "NotFound"):
        return None


def model_neighbourhood(data: Corpus, entity_id: str, limit: int) -> dict:
    """A neighbourhood from the plan model: the entity, the passages mentioning it, their entities."""
    nodes, edges = {}, []
    if entity_id in data.entities:
        item = data.entities[entity_id][0][1]
        nodes[entity_id] = {"id": entity_id, "label": item.label, "kind": item.type}
        passages = {m.node_id for _, e in data.entities[entity_id] for m in e.mentions}
    elif entity_id in data.nodes:
        _, node, _ = data.nodes[entity_id]
        nodes[entity_id] = {"id": entity_id, "label": node.title[:20] or node.text[:20], "kind": node.kind}
        passages = {n.id for n in node.walk()}
    else:
        return {"nodes": [], "edges": []}
    for other in mentioned_in(data, passages):
        if other == entity_id or len(nodes) >= limit:
            continue
        info = data.catalog.entity(other)
        nodes[other] = {"id": other, "label": info["label"], "kind": info["type"]}
        edges.append({"source": entity_id, "target": other, "label": "同段提及"})
    return {"nodes": list(nodes.values()), "edges": edges}
