"""Plan reader: the whole plan with its table of contents, anchors, citations, entities and targets."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from flask import Blueprint, redirect, url_for

from ingest.model import Node, Plan
from web.present import HEADING_KINDS, anchor, citation, kind_label, node_offset, plan_counts, segments
from web.render import page, requested_format
from web.state import corpus

bp = Blueprint("reader", __name__)


@bp.route("/plan/<plan_id>")
@page("reader.html")
def plan(plan_id: str) -> dict:
    """The whole plan: metadata, table of contents, and every node with its marked-up text."""
    data = corpus()
    ref, item = data.plan(plan_id), data.model(plan_id)
    marks = Marks(mention_marks(item))
    targets_by_node: dict[str, list] = {}
    for target in item.targets:
        targets_by_node.setdefault(target.node_id, []).append(target)
    tables_by_node: dict[str, list] = {}
    for table in item.tables:
        tables_by_node.setdefault(table.node_id, []).append(table)
    nodes = [node_view(item, node, path, marks, targets_by_node, tables_by_node)
             for node, path in item.walk_with_path()]
    return {
        "plan": plan_counts(ref),
        "toc": [n for n in nodes if n["heading"]],
        "nodes": nodes,
    }


def mention_marks(plan: Plan) -> list[tuple[int, int, str, str]]:
    """Return (start, end, "entity", entity id) for every entity mention and target span."""
    marks = [(m.start, m.end, "entity", e.id) for e in plan.entities for m in e.mentions]
    marks += [(t.start, t.end, "target", t.id) for t in plan.targets if t.end > t.start]
    return marks


class Marks:
    """A plan's marks sorted by start, so each node finds its own by bisection instead of testing them all."""

    def __init__(self, marks: list[tuple[int, int, str, str]]):
        self.marks = sorted(marks)
        self.starts = [m[0] for m in self.marks]

    def within(self, start: int, end: int) -> list[tuple[int, int, str, str]]:
        """The marks that lie inside [start, end]; none for a node not found in the text (start < 0)."""
        if start < 0:
            return []
        first, last = bisect_left(self.starts, start), bisect_right(self.starts, end)
        return [m for m in self.marks[first:last] if m[1] <= end]


def node_view(plan: Plan, node: Node, path: list[Node], marks: Marks, targets_by_node, tables_by_node) -> dict:
    """Return one node ready for the template and the JSON twin."""
    offset = node_offset(plan, node)
    mine = marks.within(offset, offset + len(node.text))
    return {
        "id": node.id,
        "anchor": anchor(node.id),
        "kind": node.kind,
        "kind_label": kind_label(node.kind),
        "number": node.number,
        "title": node.title,
        "text": node.text,
        "depth": len(path),
        "heading": node.kind in HEADING_KINDS or (bool(node.children) and node.kind != "paragraph"),
        "citation": citation(plan, node, path),
        "segments": segments(node.text, offset, mine),
        "targets": [t.__dict__ for t in targets_by_node.get(node.id, [])],
        "tables": [t.__dict__ for t in tables_by_node.get(node.id, [])],
        "span": [node.start, node.end],
    }


@bp.route("/node/<path:node_id>")
def node(node_id: str):
    """A node's permalink: JSON with its citation, or a redirect to its anchor in the reader."""
    plan_item, item, path = corpus().node(node_id)
    if requested_format() == "html":
        return redirect(url_for("reader.plan", plan_id=plan_item.id, _anchor=anchor(item.id)))
    return node_json(plan_item, item, path)


@page("reader.html")
def node_json(plan_item: Plan, item: Node, path: list[Node]) -> dict:
    """The JSON of one node: its text, citation, ancestors and link."""
    return {
        "plan": plan_item.summary(),
        "node": {k: v for k, v in item.to_dict().items() if k != "children"},
        "citation": citation(plan_item, item, path),
        "ancestors": [{"id": a.id, "kind": a.kind, "number": a.number, "title": a.title} for a in path],
        "url": url_for("reader.plan", plan_id=plan_item.id, _anchor=anchor(item.id)),
    }
