"""SPARQL: a query page with examples, the SPARQL 1.1 Protocol endpoint, and IRI dereferencing."""

from __future__ import annotations

from flask import Blueprint

from web.render import page

bp = Blueprint("sparql", __name__)


@bp.route("/sparql", methods=["GET", "POST"])
@page("sparql.html")
def sparql() -> dict:
    """The query page (placeholder until the graph lands)."""
    return {"query": "", "examples": [], "result": None}
