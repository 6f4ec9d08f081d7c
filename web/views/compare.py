"""Compare two plans: theme matrix, items side by side, targets side by side, indicator chart, XLSX/CSV."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, Response, request

from ingest.model import Plan
from web.errors import BadParameter
from web.present import anchor, short_title
from web.render import csv_download, download, page
from web.state import Corpus, PlanRef, corpus, graph_call

#: Plans the plan boxes suggest (any other is typed: its full title or its id).
PLAN_CHOICES = 50

bp = Blueprint("compare", __name__)


def export_csv(data: dict) -> Response:
    """The theme matrix and every item as CSV rows: theme, status, plan, item."""
    rows = ([theme["label"], theme["status_label"], side["title"], item.get("id", ""), item.get("kind", ""),
             item.get("title") or item.get("text", "")]
            for theme in data["matrix"] for side in data["sides"] for item in theme["items"][side["key"]])
    return csv_download(["主题", "对比", "规划", "条目编号", "类型", "条目"], rows, "compare.csv")


def export_xlsx(data: dict) -> Response:
    """The graph's workbook of the comparison (one sheet per theme matrix, one of targets)."""
    write = graph_call("write_xlsx")
    if write is None or data.get("raw") is None:
        raise BadParameter("知识图谱尚未构建完成，暂时无法导出 Excel。")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "compare.xlsx"
        write(data["raw"], path)
        body = path.read_bytes()
    return download(body, "compare.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/compare")
@page("compare.html", exports={"csv": export_csv, "xlsx": export_xlsx})
def compare() -> dict:
    """Two plans side by side, theme by theme."""
    data = corpus()
    a, b = pick_plans(data)
    themes = [t for t in request.args.getlist("theme") if t.strip()][:20]
    raw = None
    run = graph_call("compare")
    if run is not None and data.store is not None and a is not b:
        raw = run(data.store, themes, [a.id, b.id])  # ids: two plans may share a title
    sides = [side(data, "a", a), side(data, "b", b)]
    view = {
        "plan_choices": plan_choices(data, (a, b)),
        "sides": sides, "themes_asked": themes, "ready": raw is not None,
        "matrix": matrix(data, raw, sides) if raw else [],
        "targets": {s["key"]: targets(data, p) for s, p in zip(sides, (a, b))},
        "chart": chart(a, b),
    }
    view["counts"] = {k: sum(t["status"] == k for t in view["matrix"]) for k in ("both", "a", "b")}
    if request.environ.get("plangraph.format") == "xlsx":
        view["raw"] = raw
    return view


def pick_plans(data: Corpus) -> tuple[PlanRef, PlanRef]:
    """The two plans asked for (a=…&b=…: an id or a full title), defaulting to the first two."""
    refs = [request.args.get("a", "").strip(), request.args.get("b", "").strip()]
    plans = data.plans
    a = data.plan_by_ref(refs[0]) if refs[0] else plans[0]
    b = data.plan_by_ref(refs[1]) if refs[1] else next((p for p in plans if p is not a), a)
    if a is b and len(plans) > 1:
        raise BadParameter("请选择两份不同的规划进行对比。")
    return a, b


def side(data: Corpus, key: str, plan: PlanRef) -> dict:
    """One side of the comparison, with the text its plan box shows."""
    return {"key": key, "id": plan.id, "title": plan.title, "short_title": short_title(plan),
            "ref": box_ref(data, plan)}


def box_ref(data: Corpus, plan: PlanRef) -> str:
    """What a plan box shows for ``plan``: its title, or its id when an earlier plan has the same title."""
    return plan.title if data.by_title.get(plan.title) is plan else plan.id


def plan_choices(data: Corpus, chosen: tuple[PlanRef, PlanRef]) -> list[dict]:
    """The plans the boxes suggest: the two chosen, then the first ones (a box takes any id or full title)."""
    shown = list(dict.fromkeys([*chosen, *data.plans[:PLAN_CHOICES]]))
    return [{"id": p.id, "title": p.title, "ref": box_ref(data, p)} for p in shown]


STATUS_LABELS = {"both": "两者都有", "a": "仅甲方", "b": "仅乙方", "none": "均未涉及"}


def matrix(data: Corpus, raw: dict, sides: list[dict]) -> list[dict]:
    """One row per theme: counts on each side, the both/only-A/only-B status and the items."""
    rows = []
    column = dict(zip(raw.get("plan_ids", []), raw.get("plans", [])))  # a plan's key in the result
    shown = [(theme, {s["key"]: theme.get("plans", {}).get(column.get(s["id"], s["title"]), []) for s in sides})
             for theme in raw.get("themes", [])]
    homes = data.catalog.node_plans(i.get("id", "") for _, per_side in shown for found in per_side.values()
                                    for i in found)
    for theme, per_side in shown:
        items = {key: [link(homes, i) for i in found] for key, found in per_side.items()}
        has_a, has_b = bool(items["a"]), bool(items["b"])
        status = "both" if has_a and has_b else "a" if has_a else "b" if has_b else "none"
        label = STATUS_LABELS[status].replace("甲方", sides[0]["short_title"]).replace("乙方", sides[1]["short_title"])
        rows.append({"id": theme.get("id", ""), "label": theme.get("label", ""), "status": status,
                     "status_label": label, "count_a": len(items["a"]), "count_b": len(items["b"]),
                     "items": items, "targets": theme.get("targets", {})})
    order = {"both": 0, "a": 1, "b": 2, "none": 3}
    rows.sort(key=lambda r: (order[r["status"]], -(r["count_a"] + r["count_b"])))
    return rows


def link(homes: dict[str, str], item: dict) -> dict:
    """Add the reader link to an item of the comparison (``homes``: node id → plan id)."""
    plan_id = homes.get(item.get("id", ""))
    return {**item, "url": f"/plan/{plan_id}#{anchor(item['id'])}"} if plan_id else item


def targets(data: Corpus, plan: Plan) -> list[dict]:
    """The plan's targets (not past results) for the side-by-side table."""
    rows = []
    chosen = [t for t in plan.targets if t.status == "target"]
    homes = data.catalog.node_plans(t.node_id for t in chosen)
    for t in chosen:
        row = {k: getattr(t, k) for k in ("id", "indicator", "comparator", "value", "value_max", "unit",
                                           "year", "baseline", "baseline_year", "text")}
        row["url"] = f"/plan/{plan.id}#{anchor(t.node_id)}" if t.node_id in homes else ""
        rows.append(row)
    return rows


def chart(a: Plan, b: Plan) -> dict:
    """Baseline vs target values of the indicators that have both, for the ECharts bar chart."""
    bars = []
    for plan in (a, b):
        for t in plan.targets:
            if t.status == "target" and t.value is not None and t.baseline is not None:
                bars.append({"name": f"{t.indicator}（{short_title(plan)}）", "unit": t.unit,
                             "baseline": t.baseline, "target": t.value, "plan": short_title(plan)})
    return {"bars": bars[:30]}
