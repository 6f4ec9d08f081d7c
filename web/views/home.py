"""Home: the plans with their counts, the search box and the themes per plan."""

from __future__ import annotations

from flask import Blueprint

from web.present import plan_counts
from web.render import page
from web.state import corpus, graph_call

bp = Blueprint("home", __name__)


@bp.route("/")
@bp.route("/index")
@page("home.html")
def index() -> dict:
    """The plans with street, kind, period and counts; the themes with item counts per plan."""
    data = corpus()
    return {
        "built_at": data.manifest.get("built_at"),
        "plans": [plan_counts(p) for p in data.plans],
        "themes": themes_overview(data),
    }


def themes_overview(data) -> list[dict]:
    """Return the themes with per-plan item counts, or [] before the graph offers them."""
    overview = graph_call("themes_overview")
    if overview is None or data.store is None:
        return []
    result = overview(data.store)
    themes = result.get("themes", []) if isinstance(result, dict) else list(result)
    themes = [{**t, "plans": t.get("counts") or t.get("plans") or {}} for t in themes]
    return [t for t in themes if any(count_of(v) for v in t["plans"].values())]


def count_of(value) -> int:
    """A theme's per-plan entry may be a count or a list of items."""
    return value if isinstance(value, int) else len(value or [])
