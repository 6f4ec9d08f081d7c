"""The whole graph as Turtle, JSON-LD or N-Triples, and read-only SPARQL over it."""

from __future__ import annotations

import re

import pyoxigraph as ox

from graph.errors import QueryError
from graph.store import GraphStore

FORMATS = {"turtle": "turtle", "ttl": "turtle", "json-ld": "json-ld", "jsonld": "json-ld", "nt": "nt",
           "ntriples": "nt", "n-triples": "nt"}
#: Keywords that write, load or reach out of the store; refused before the query runs.
FORBIDDEN = re.compile(r"(?<![?$:\w])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|COPY|MOVE|ADD|SERVICE|WITH)\b",
                       re.IGNORECASE)
FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def export(store: GraphStore, fmt: str = "turtle") -> bytes:
    """Serialise the whole graph (data, ontology and thesaurus) as ``turtle``, ``json-ld`` or ``nt``."""
    kind = FORMATS.get((fmt or "").lower())
    if kind is None:
        raise QueryError(f"未知格式 unknown format {fmt!r}; use turtle, json-ld or nt")
    if kind == "turtle":
        return store.dump(ox.RdfFormat.TURTLE)
    if kind == "nt":
        return store.dump(ox.RdfFormat.N_TRIPLES)
    return store.rdflib_graph().serialize(format="json-ld", encoding="utf-8")


def _strip(query: str) -> str:
    """Return the query without strings, IRIs and comments, so keywords inside them are not mistaken."""
    query = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', '""', query)
    query = re.sub(r"<[^<>\s]*>", "<>", query)
    return re.sub(r"#[^\n]*", "", query)


def check_read_only(query: str) -> str:
    """Return the query form (select, ask, construct, describe), or raise QueryError for anything else."""
    bare = _strip(query)
    bad = FORBIDDEN.search(bare)
    if bad:
        raise QueryError(f"只允许只读查询 only read-only queries are allowed; {bad.group().upper()} is refused")
    form = FORM.search(bare)
    if not form:
        raise QueryError("查询需为 SELECT、ASK、CONSTRUCT 或 DESCRIBE / "
                         "the query must be SELECT, ASK, CONSTRUCT or DESCRIBE")
    return form.group().lower()


def sparql(store: GraphStore, query: str, timeout_s: float = 10.0, limit: int = 1000) -> dict:
    """Run a read-only SPARQL query (our prefixes predeclared); return plain JSON-ready results."""
    form = check_read_only(query)
    if form == "ask":
        return {"type": "ask", "value": store.ask(query)}
    if form in ("construct", "describe"):
        rows = store.triples_of(query, limit=limit + 1)
        return {"type": "graph", "triples": [list(t) for t in rows[:limit]], "truncated": len(rows) > limit}
    rows = store.select(query, limit=limit + 1, timeout_s=timeout_s)
    head = list(rows[0]) if rows else _variables(store, query)
    return {"type": "select", "vars": head, "rows": rows[:limit], "truncated": len(rows) > limit}


def _variables(store: GraphStore, query: str) -> list[str]:
    """Return the variables of a SELECT query that had no rows."""
    return [v.value for v in store.raw_query(query).variables]
