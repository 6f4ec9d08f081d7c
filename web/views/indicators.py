"""Indicators: every target of every plan in one sortable, filterable, paged table, with CSV export.

The rows come from the build's catalog (``web.catalog``), filtered, sorted and paged in SQL, so the page
loads no plan model and holds one page of rows however many plans the build has; words are looked up in the
catalog's index of characters and character pairs rather than tested on every target.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from web.catalog import TARGET_SORTS, TargetFilter
from web.render import choice_param, csv_download, int_param, page, requested_format
from web.state import Corpus, corpus

bp = Blueprint("indicators", __name__)

FIELDS = ("plan", "indicator", "comparator", "value", "value_max", "unit", "year", "baseline", "baseline_year",
          "attribute", "status", "source", "text", "citation")
HEADERS = ("规划", "指标", "比较", "目标值", "目标上限", "单位", "年份", "基期值", "基期年", "属性", "状态", "来源",
           "原文", "出处")
#: Rows per page (app config INDICATORS_PER_PAGE); ``per_page`` asks for up to MAX_PER_PAGE.
PER_PAGE = 100
MAX_PER_PAGE = 1000
#: Plans offered in the plan box: those with the most matching targets (the box also takes any plan id or title).
PLAN_CHOICES = 50


def export_csv(data: dict) -> Response:
    """The filtered targets as CSV (every matching row, not one page)."""
    rows = (["" if row.get(f) is None else row.get(f) for f in FIELDS] for row in data["targets"])
    return csv_download(HEADERS, rows, "indicators.csv")


@bp.route("/indicators")
@page("indicators.html", exports={"csv": export_csv})
def indicators() -> dict:
    """Targets filtered by plan, status and words, sorted by a column, a page at a time (CSV: all of them)."""
    data = corpus()
    plan_id = plan_param(data)
    status = choice_param("status", ("target", "achieved"))
    words = request.args.get("q", "").strip()[:100]
    sort = choice_param("sort", tuple(TARGET_SORTS), "plan")
    where = TargetFilter(data.catalog.plan_ord(plan_id) if plan_id else None, status, words)
    # One count per plan serves the total, the plan box and the page's choice of query plan (the catalog keeps it).
    counts = data.catalog.target_counts(TargetFilter(None, status, words))
    total = counts.get(where.plan, 0) if plan_id else sum(counts.values())
    size = int_param("per_page", current_app.config.get("INDICATORS_PER_PAGE", PER_PAGE), 1, MAX_PER_PAGE)
    pages = max(1, -(-total // size))
    number = int_param("page", 1, 1, pages)
    if requested_format() == "csv":
        rows = data.catalog.targets(where, sort)
    else:
        rows = data.catalog.targets(where, sort, (number - 1) * size, size)
    return {"targets": rows, "total": total, "page": number, "pages": pages, "per_page": size,
            "filters": {"plan": plan_id, "status": status, "q": words, "sort": sort},
            "plan_title": data.plan(plan_id).title if plan_id else "",
            "plans": plan_choices(data, counts)}


def plan_param(data: Corpus) -> str:
    """The ``plan`` parameter as a plan id: an id or a full title (what the plan box shows); 404 for neither."""
    ref = request.args.get("plan", "").strip()
    return data.plan_by_ref(ref).id if ref else ""


def plan_choices(data: Corpus, counts: dict[int, int]) -> list[dict]:
    """The plans with the most targets matching the other filters, for the plan box's suggestions."""
    return [{"id": pid, "title": title, "count": count}
            for pid, title, count in data.catalog.target_plans(counts, PLAN_CHOICES)]
