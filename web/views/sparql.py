"""SPARQL: the query page, the SPARQL 1.1 Protocol endpoint at /sparql, and IRI dereferencing under /id/.

The endpoint is read-only (the graph layer refuses updates, LOAD and SERVICE)
and time-limited (``SPARQL_TIMEOUT`` seconds, then 503).  Result formats follow
the Accept header: SPARQL JSON (default), XML, CSV, TSV; Turtle or N-Triples
for CONSTRUCT and DESCRIBE.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from flask import Blueprint, Response, current_app, redirect, request

from web.errors import BadParameter, NotAcceptable, Unavailable
from web.render import page, requested_format
from web.state import corpus, graph_call

bp = Blueprint("sparql", __name__)

POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sparql")
TABLE_LIMIT = 500

RESULT_TYPES = {
    "application/sparql-results+json": "JSON", "application/json": "JSON",
    "application/sparql-results+xml": "XML", "application/xml": "XML",
    "text/csv": "CSV", "text/tab-separated-values": "TSV",
}
GRAPH_TYPES = {"text/turtle": "TURTLE", "application/n-triples": "N_TRIPLES", "text/plain": "N_TRIPLES"}
SUFFIX_TYPES = {"json": "application/sparql-results+json", "csv": "text/csv", "turtle": "text/turtle"}

EXAMPLES = [
    ("各规划的条目数", """SELECT ?plan ?title (COUNT(?node) AS ?items) WHERE {
  ?plan a pg:Plan ; dcterms:title ?title .
  ?node pg:inPlan ?plan .
} GROUP BY ?plan ?title"""),
    ("所有任务", """SELECT ?task ?label WHERE {
  ?task a pg:Task ; rdfs:label ?label .
} LIMIT 50"""),
    ("指标与目标值", """SELECT ?t ?indicator ?value ?unit ?year WHERE {
  ?t a pg:Target ; pg:value ?value .
  OPTIONAL { ?t pg:indicator ?i . ?i rdfs:label ?indicator }
  OPTIONAL { ?t pg:unit ?unit } OPTIONAL { ?t pg:year ?year }
} LIMIT 100"""),
    ("项目及其所在地点", """SELECT ?project ?place WHERE {
  ?p a pg:Project ; rdfs:label ?project ; pg:locatedIn ?l .
  ?l rdfs:label ?place .
} LIMIT 100"""),
    ("主题词表（顶层）", """SELECT ?theme ?label WHERE {
  ?theme skos:topConceptOf ?scheme ; skos:prefLabel ?label .
}"""),
]


def store():
    """This build's graph store, or 503 while there is none."""
    found = corpus().store
    if found is None or graph_call("sparql") is None:
        raise Unavailable("知识图谱尚未构建完成，SPARQL 暂不可用。")
    return found


def query_text() -> str:
    """The query of a protocol request: ?query=, a form field, or an application/sparql-query body."""
    if request.method == "POST" and request.mimetype == "application/sparql-query":
        return request.get_data(as_text=True)
    return (request.values.get("query") or "").strip()


def limited(func, *args):
    """Run ``func`` (which must not touch the request) in a worker; give up after SPARQL_TIMEOUT seconds."""
    timeout = current_app.config["SPARQL_TIMEOUT"]
    future = POOL.submit(func, *args)
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        raise Unavailable(f"查询超过 {timeout:g} 秒，已停止等待；请缩小查询范围或加 LIMIT。") from None


@bp.route("/sparql", methods=["GET", "POST"])
def sparql():
    """The query page for browsers; the SPARQL 1.1 Protocol for everything else."""
    text = query_text()
    if len(text) > 20_000:
        raise BadParameter("查询过长（上限 20000 字符）。")
    if not text or (requested_format() == "html" and not protocol_accept()):
        return query_page(text)
    return protocol(text)


def protocol_accept() -> str | None:
    """The SPARQL media type the client asked for, or None when it asked for none."""
    fmt = request.environ.get("plangraph.format")
    if fmt in SUFFIX_TYPES:
        return SUFFIX_TYPES[fmt]
    offered = [*RESULT_TYPES, *GRAPH_TYPES]
    best = request.accept_mimetypes.best_match(offered)
    if best and request.accept_mimetypes[best] >= request.accept_mimetypes["text/html"]:
        return best
    return None


@page("sparql.html")
def query_page(text: str) -> dict:
    """The query editor with examples and, when a query was given, its results as a table."""
    result, error = None, ""
    if text:
        run, graph_store, seconds = graph_call("sparql"), store(), current_app.config["SPARQL_TIMEOUT"]
        try:
            result = limited(lambda: run(graph_store, text, timeout_s=seconds, limit=TABLE_LIMIT))
        except Exception as exc:  # shown beside the editor: a bad query is the user's to fix, not a crash
            if not hasattr(exc, "status") or getattr(exc, "status", 500) >= 500:
                raise
            error = str(exc)
    return {"query": text or EXAMPLES[0][1], "examples": [{"label": a, "query": b} for a, b in EXAMPLES],
            "result": result, "error": error, "asked": bool(text)}


def protocol(text: str) -> Response:
    """Answer a protocol request with pyoxigraph's own serialisers (exact term types)."""
    import pyoxigraph as ox

    from graph.export import check_read_only

    form = check_read_only(text)
    graph_store = store()
    accept = protocol_accept() or ("text/turtle" if form in ("construct", "describe")
                                   else "application/sparql-results+json")

    def run() -> tuple[bytes, str]:
        result = graph_store.raw_query(text)
        out = io.BytesIO()
        if form in ("construct", "describe"):
            mime = accept if accept in GRAPH_TYPES else "text/turtle"
            result.serialize(out, format=getattr(ox.RdfFormat, GRAPH_TYPES[mime]))
            return out.getvalue(), mime
        if accept not in RESULT_TYPES:
            raise NotAcceptable("SELECT/ASK 结果可用 JSON、XML、CSV 或 TSV 格式。")
        result.serialize(out, format=getattr(ox.QueryResultsFormat, RESULT_TYPES[accept]))
        mime = "application/sparql-results+json" if RESULT_TYPES[accept] == "JSON" else accept
        return out.getvalue(), mime

    body, mime = limited(run)
    response = Response(body, mimetype=mime)
    response.vary.add("Accept")
    return response


@bp.route("/id/<path:rest>")
def dereference(rest: str):
    """An entity IRI (https://w3id.org/plangraph/id/…): HTML page, Turtle or JSON-LD by content negotiation."""
    from graph.namespace import PGID

    iri = str(PGID) + rest
    fmt = request.environ.get("plangraph.format")
    kinds = ["text/html", "text/turtle", "application/ld+json", "application/n-triples"]
    best = {"turtle": "text/turtle", "json-ld": "application/ld+json"}.get(fmt) or (
        request.accept_mimetypes.best_match(kinds) or "text/html")
    if best == "text/html" and fmt is None:
        return redirect(f"/entity/{rest}", code=303)
    return describe(iri, best)


def describe(iri: str, mime: str) -> Response:
    """The triples about one IRI in Turtle, N-Triples or JSON-LD; 404 when there are none."""
    import pyoxigraph as ox
    from rdflib import Graph

    from web.errors import NotFound

    graph_store = store()
    triples = list(graph_store.raw_query(f"DESCRIBE <{iri}>"))
    if not triples:
        raise NotFound(f"图谱中没有 <{iri}>。")
    out = io.BytesIO()
    ox.serialize(triples, out, format=ox.RdfFormat.TURTLE)
    if mime == "application/ld+json":
        body = Graph().parse(data=out.getvalue(), format="turtle").serialize(format="json-ld", encoding="utf-8")
        return Response(body, mimetype="application/ld+json")
    if mime == "application/n-triples":
        out = io.BytesIO()
        ox.serialize(triples, out, format=ox.RdfFormat.N_TRIPLES)
    response = Response(out.getvalue(), mimetype=mime if mime != "text/html" else "text/turtle")
    response.vary.add("Accept")
    return response
