"""Home: the plans with their counts, the search box and the themes per plan, a page of plans at a time."""

from __future__ import annotations

from flask import Blueprint, current_app

from web.present import plan_counts
from web.render import int_param, page
from web.state import corpus, graph_call

bp = Blueprint("home", __name__)

#: Plans per page (app config HOME_PER_PAGE): the theme table has a column per plan; a page stays readable and quick.
PER_PAGE = 30


@bp.route("/")
@bp.route("/index")
@page("home.html")
def index() -> dict:
    """The plans with street, kind, period and counts; the themes with item counts per plan."""
    data = corpus()
    size = current_app.config.get("HOME_PER_PAGE", PER_PAGE)
    pages = max(1, -(-len(data.plans) // size))
    number = int_param("page", 1, 1, pages)
    shown = data.plans[(number - 1) * size: number * size]
    return {
        "built_at": data.manifest.get("built_at"),
        "plans": [plan_counts(p) for p in shown],
        "total": len(data.plans), "page": number, "pages": pages,
        "themes": themes_overview(data, [p.id for p in shown]),
    }


def themes_overview(data, plan_ids: list[str]) -> list[dict]:
    """Return the themes with item counts (by plan id) for the plans shown, or [] before the graph offers them."""
    overview = graph_call("themes_overview")
    if overview is None or data.store is None:
        return []
    result = overview(data.store)
    themes = result.get("themes", []) if isinstance(result, dict) else list(result)
    shown = []
    for t in themes:
        counts = t.get("counts") or t.get("plans") or {}
        counts = {plan_id: count_of(counts[plan_id]) for plan_id in plan_ids if plan_id in counts}
        if any(count_of(v) for v in counts.values()):
            shown.append({**t, "plans": counts})
    return shown


def count_of(value) -> int:
    """A theme's per-plan entry may be a count or a list of items."""
    return value if isinstance(value, int) else len(value or [])
