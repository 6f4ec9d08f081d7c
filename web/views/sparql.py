"""SPARQL: the query page, the SPARQL 1.1 Protocol endpoint at /sparql, and IRI dereferencing under /id/.

The endpoint is read-only (the graph layer refuses updates, LOAD and SERVICE),
time-limited (``SPARQL_TIMEOUT`` seconds, then the query's worker process is
killed and the answer is 503) and bounded in size (web.sandbox).  Result formats follow
the Accept header: SPARQL JSON (default), XML, CSV, TSV; Turtle or N-Triples
for CONSTRUCT and DESCRIBE.
"""

from __future__ import annotations

import io
import threading

from flask import Blueprint, Response, current_app, redirect, request

from web.errors import BadParameter, NotAcceptable, NotFound, TooLarge, Unavailable
from web.render import page, requested_format
from web.sandbox import QueryBusy, QueryFailed, QueryMemory, QueryPool, QueryTimeout
from web.state import corpus, graph_call

bp = Blueprint("sparql", __name__)

TABLE_LIMIT = 500
MAX_QUERY = 20_000
POOL_KEY = "plangraph.sparql_pool"
POOL_LOCK = threading.Lock()

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


def pool() -> QueryPool:
    """The app's pool of query worker processes, started on the first query."""
    with POOL_LOCK:
        found = current_app.extensions.get(POOL_KEY)
        if found is None:
            found = current_app.extensions[POOL_KEY] = QueryPool(current_app.config["SPARQL_WORKERS"],
                                                                 current_app.config["SPARQL_MEMORY_MB"])
    return found


def limited(job: str, *args):
    """Run a sandbox job; after SPARQL_TIMEOUT seconds its worker is killed and the answer is 503."""
    timeout = current_app.config["SPARQL_TIMEOUT"]
    try:
        return pool().run((job, *args), timeout)
    except QueryTimeout:
        raise Unavailable(f"查询超过 {timeout:g} 秒，已停止；请缩小查询范围或加 LIMIT。") from None
    except QueryMemory:
        limit = current_app.config["SPARQL_MEMORY_MB"]
        raise Unavailable(f"查询所需内存超过上限（{limit} MB），已停止；请缩小查询范围或加 LIMIT。") from None
    except QueryBusy:
        raise Unavailable("查询繁忙，请稍后再试。") from None
    except QueryFailed as exc:
        raise as_web_error(exc) from None


def as_web_error(exc: QueryFailed) -> Exception:
    """The web error for a failure reported by a query worker."""
    if exc.status == 400:
        return BadParameter(exc.message)
    if exc.status == 413:
        return TooLarge("查询结果过大；请加 LIMIT 或缩小查询范围。")
    if exc.status == 404:
        return Unavailable("数据正在更新，请重试。")
    return RuntimeError(f"{exc.kind}: {exc.message}")


@bp.route("/sparql", methods=["GET", "POST"])
def sparql():
    """The query page for browsers; the SPARQL 1.1 Protocol for everything else."""
    text = query_text()
    if len(text) > MAX_QUERY:
        raise BadParameter(f"查询过长（上限 {MAX_QUERY} 字符）。")
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
        path, seconds = str(store().path), current_app.config["SPARQL_TIMEOUT"]
        try:
            result = limited("table", path, text, seconds, TABLE_LIMIT)
        except (BadParameter, TooLarge, Unavailable) as exc:  # shown beside the editor: the user's to fix
            error = exc.message
    return {"query": text or EXAMPLES[0][1], "examples": [{"label": a, "query": b} for a, b in EXAMPLES],
            "result": result, "error": error, "asked": bool(text)}


def protocol(text: str) -> Response:
    """Answer a protocol request with pyoxigraph's own serialisers (exact term types), in a worker."""
    from graph.errors import QueryError
    from graph.export import check_read_only

    try:
        form = check_read_only(text)
    except QueryError as exc:
        raise BadParameter(str(exc)) from None
    graph_store = store()
    accept = protocol_accept() or ("text/turtle" if form in ("construct", "describe")
                                   else "application/sparql-results+json")
    if form in ("construct", "describe"):
        mime = accept if accept in GRAPH_TYPES else "text/turtle"
    elif accept in RESULT_TYPES:
        mime = "application/sparql-results+json" if RESULT_TYPES[accept] == "JSON" else accept
    else:
        raise NotAcceptable("SELECT/ASK 结果可用 JSON、XML、CSV 或 TSV 格式。")
    body = limited("protocol", str(graph_store.path), text, form, RESULT_TYPES.get(accept, "JSON"),
                   GRAPH_TYPES.get(mime, "TURTLE"), current_app.config["SPARQL_MAX_BYTES"])
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

    graph_store = store()
    try:
        node = ox.NamedNode(iri)  # validates: a '>' or space in the path must not reach the query text
    except ValueError:
        raise NotFound(f"“{iri}”不是有效的 IRI。") from None
    triples = list(graph_store.raw_query(f"DESCRIBE {node}"))
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
