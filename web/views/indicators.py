"""Indicators: every target of every plan in one sortable, filterable table, with CSV export."""

from __future__ import annotations

from flask import Blueprint, Response, request

from web.present import anchor, citation, short_title
from web.render import choice_param, csv_download, page
from web.state import corpus

bp = Blueprint("indicators", __name__)

FIELDS = ("plan", "indicator", "comparator", "value", "value_max", "unit", "year", "baseline", "baseline_year",
          "attribute", "status", "source", "text", "citation")
HEADERS = ("规划", "指标", "比较", "目标值", "目标上限", "单位", "年份", "基期值", "基期年", "属性", "状态", "来源",
           "原文", "出处")


def export_csv(data: dict) -> Response:
    """The filtered targets as CSV."""
    rows = (["" if row.get(f) is None else row.get(f) for f in FIELDS] for row in data["targets"])
    return csv_download(HEADERS, rows, "indicators.csv")


@bp.route("/indicators")
@page("indicators.html", exports={"csv": export_csv})
def indicators() -> dict:
    """All targets, filtered by plan, status and words, sorted by a column."""
    data = corpus()
    plan_id = request.args.get("plan", "").strip()
    if plan_id:
        data.plan(plan_id)
    status = choice_param("status", ("target", "achieved"))
    words = request.args.get("q", "").strip()[:100]
    sort = choice_param("sort", ("plan", "indicator", "value", "year", "baseline"), "plan")
    rows = []
    for plan in data.plans:
        if plan_id and plan.id != plan_id:
            continue
        for target in plan.targets:
            if status and target.status != status:
                continue
            if words and words not in target.indicator and words not in target.text:
                continue
            rows.append(target_row(data, plan, target))
    rows.sort(key=sort_key(sort))
    return {"targets": rows, "total": len(rows),
            "filters": {"plan": plan_id, "status": status, "q": words, "sort": sort},
            "plans": [{"id": p.id, "title": p.title} for p in data.plans]}


def target_row(data, plan, target) -> dict:
    """One target with its plan, source link and citation."""
    row = dict(target.__dict__)
    row.update(plan=short_title(plan), plan_id=plan.id)
    if target.node_id in data.nodes:
        _, node, path = data.nodes[target.node_id]
        row.update(url=f"/plan/{plan.id}#{anchor(node.id)}", citation=citation(plan, node, path))
    return row


def sort_key(column: str):
    """Sort rows by a column, empty values last."""
    def key(row: dict):
        value = row.get(column)
        return (value is None or value == "", value if isinstance(value, int | float) else str(value or ""))
    return key
