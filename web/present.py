"""Presentation helpers shared by the views: short titles, citations, anchors, marked-up text."""

from __future__ import annotations

import re

from ingest.model import Node, Plan

CN_DIGITS = "〇一二三四五六七八九"
FIVE_YEAR = re.compile(r"第(十[一二三四五六七八九]?|[一二三四五六七八九])个五年规划")
STREET = re.compile(r"([\u4e00-\u9fff]{2,8}?(?:街道|镇|乡))")
HEADING_KINDS = ("part", "chapter", "section", "subsection")


def short_title(plan: Plan) -> str:
    """Return a short name for citations: 大沽街道“十四五”规划 for a long five-year-plan title.

    >>> short_title(Plan(id="x", title="滨海新区大沽街道第十四个五年规划纲要", source="", text=""))
    '大沽街道“十四五”规划'
    >>> short_title(Plan(id="x", title="杭州道街道高质量发展行动方案", source="", text=""))
    '杭州道街道高质量发展行动方案'
    """
    five = FIVE_YEAR.search(plan.title)
    if not five:
        return plan.title
    streets = STREET.findall(plan.title[: five.start()])
    place = streets[-1] if streets else ""
    place = re.sub(r"^.*(?:市|区|县)", "", place) or place
    return f"{place}“{five.group(1)}五”规划"


def clean_number(number: str) -> str:
    """Return a heading number fit for a citation: no trailing 、 or spaces.

    >>> clean_number("1、 ")
    '1.'
    >>> clean_number("第四章")
    '第四章'
    """
    number = number.strip().rstrip("、．. \u3000")
    if number.isdigit():
        return number + "."
    return number


def citation(plan: Plan, node: Node, ancestors: list[Node]) -> str:
    """Return the node's citation, 《大沽街道“十四五”规划》第四章第二节, from its ancestors' numbers."""
    parts = []
    for item in [*ancestors, node]:
        number = clean_number(item.number)
        if number:
            parts.append(number)
        elif item.kind in HEADING_KINDS and item.title:
            parts.append(f"“{item.title.strip()}”")
    return f"《{short_title(plan)}》" + "".join(parts)


def anchor(node_id: str) -> str:
    """Return the HTML anchor of a node: its id without the plan prefix.

    >>> anchor("dagu-plan/4.2.1")
    'n-4.2.1'
    """
    return "n-" + node_id.split("/", 1)[-1]


def node_offset(plan: Plan, node: Node) -> int:
    """Return where ``node.text`` starts in ``plan.text`` (its span start when it is found there)."""
    window = plan.text[node.start: max(node.end, node.start + len(node.text))]
    found = window.find(node.text) if node.text else -1
    return node.start + found if found >= 0 else -1


def segments(text: str, offset: int, marks: list[tuple[int, int, str, str]]) -> list[dict]:
    """Split ``text`` (starting at plan offset ``offset``) into plain and marked pieces.

    ``marks`` are (start, end, kind, ref) in plan offsets; overlapping marks
    keep the first.  The template escapes every piece.

    >>> segments("建设大沽公园", 10, [(12, 16, "entity", "e1")])
    [{'text': '建设'}, {'text': '大沽公园', 'kind': 'entity', 'ref': 'e1'}]
    """
    if offset < 0 or not marks:
        return [{"text": text}]
    out, pos = [], 0
    for start, end, kind, ref in sorted(marks):
        a, b = start - offset, end - offset
        if a < pos or b > len(text) or a >= b:
            continue
        if a > pos:
            out.append({"text": text[pos:a]})
        out.append({"text": text[a:b], "kind": kind, "ref": ref})
        pos = b
    if pos < len(text):
        out.append({"text": text[pos:]})
    return out


def plan_counts(plan: Plan) -> dict:
    """Return the plan's metadata with counts of nodes, tasks, goals, targets, entities.

    A plan of a served build (``web.state.PlanRef``) carries these counts from build time, so listing
    many plans loads none of them.
    """
    listing = getattr(plan, "listing", None)
    if isinstance(listing, dict):
        return dict(listing)
    nodes = list(plan.walk())
    return {
        **plan.summary(),
        "short_title": short_title(plan),
        "nodes": len(nodes),
        "tasks": sum(n.kind == "task" for n in nodes),
        "goals": sum(n.kind == "goal" for n in nodes),
        "targets": sum(t.status == "target" for t in plan.targets),
        "tables": len(plan.tables),
        "entities": len(plan.entities),
        "chars": len(plan.text),
    }


KIND_LABELS = {
    "part": "篇", "chapter": "章", "section": "节", "subsection": "小节", "task": "任务", "goal": "目标",
    "principle": "原则", "paragraph": "段落", "table": "表格", "place": "地点", "organisation": "机构",
    "project": "项目", "theme": "主题", "target": "指标", "plan": "规划", "indicator": "指标项", "entity": "实体",
}


def kind_label(kind: str) -> str:
    """Return the Chinese label of a node or entity kind."""
    return KIND_LABELS.get(kind, kind)
