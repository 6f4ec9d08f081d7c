"""Trace: goal → tasks → projects, places, organisations and targets; and the reverse from a project or place."""

from __future__ import annotations

import functools

from flask import Blueprint, request

from web.errors import Unavailable
from web.present import anchor, kind_label
from web.render import page
from web.state import Corpus, corpus, graph_call, module

bp = Blueprint("trace", __name__)


@bp.route("/trace")
@page("trace.html")
def trace() -> dict:
    """Pick a goal (or a project or place) and show its tree with source links."""
    data = corpus()
    goal = request.args.get("goal", "").strip()[:200]
    source = request.args.get("from", "").strip()[:200]
    plan = request.args.get("plan", "").strip() or None
    if plan:
        data.plan(plan)
    result = None
    if goal:
        result = call(data, "trace", goal, plan)
    elif source:
        result = call(data, "trace_from", source)
    if result and result.get("tree"):
        result["tree"] = decorate(data, result["tree"])
    return {
        "goal": goal, "from": source, "plan": plan or "", "result": result,
        **goal_list(data, plan), "sources": source_choices(data),
        "plans": [{"id": p.id, "title": p.title} for p in data.plans],
        "ready": graph_call("trace") is not None and data.store is not None,
    }


def call(data: Corpus, name: str, *args):
    """Call a graph function on this build's store, or say the graph is not ready."""
    func = graph_call(name)
    if func is None or data.store is None:
        raise Unavailable("知识图谱尚未构建完成，暂时无法追溯。")
    return func(data.store, *args)


def decorate(data: Corpus, node: dict) -> dict:
    """Add the source link and kind label to every node of a trace tree."""
    node_id = node.get("node_id") or node.get("id", "")
    node_id = node_id.removeprefix("node/")
    if node_id in data.nodes:
        plan, item, _ = data.nodes[node_id]
        node.setdefault("url", f"/plan/{plan.id}#{anchor(item.id)}")
    elif node.get("id"):
        node.setdefault("url", f"/entity/{node['id']}")
    node["kind_label"] = kind_label(node.get("kind", ""))
    node["children"] = [decorate(data, c) for c in node.get("children", [])]
    return node


#: Goals listed on the page (those of the plan asked for, else the first ones): thousands of plans have tens of
#: thousands of goals, more than a page can show.
GOALS_SHOWN = 500


def goal_list(data: Corpus, plan: str | None) -> dict:
    """The goals to pick from (of ``plan`` when given, at most GOALS_SHOWN) and how many there are."""
    goals = goal_choices(data)
    if plan:
        title = data.plan(plan).title
        goals = [g for g in goals if g["plan"] == title]
    return {"goals": goals[:GOALS_SHOWN], "goals_total": len(goals)}


def goal_choices(data: Corpus) -> list[dict]:
    """The goals to pick from: the graph's list when it has one, else goal nodes of the outline."""
    outline = module("graph.outline")
    if outline is not None and hasattr(outline, "goals") and data.store is not None:
        rows = outline.goals(data.store)
        if rows:
            return [{"id": r["goal"].split("/id/", 1)[-1], "label": r["label"], "plan": r["plan"]} for r in rows]
    titles = {p.id: p.title for p in data.plans}
    return [{"id": node_id, "label": label, "plan": titles[plan_id], "plan_id": plan_id}
            for node_id, label, plan_id in data.catalog.nodes_of_kind("goal")]


def source_choices(data: Corpus) -> list[dict]:
    """Projects and places to trace back from, most mentioned first."""
    return list(_sources(data.build, data.catalog))


@functools.lru_cache(maxsize=4)
def _sources(build, catalog) -> tuple[dict, ...]:
    """The sources of one build (a published build never changes, so they are listed once)."""
    return tuple({"id": e["id"], "label": e["label"], "kind": e["type"], "kind_label": kind_label(e["type"])}
                 for e in catalog.top_entities(("project", "place"), 200))
