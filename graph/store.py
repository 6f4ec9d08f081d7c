"""The one place that touches the triple store (Oxigraph on disk, through pyoxigraph and oxrdflib).

Everything else asks this module for SPARQL results as plain Python values, so
a SPARQL 1.1 server could replace the embedded store without touching callers.
Readers open the store read-only, so the web server and CLI commands can share
a finished build.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import XSD

from graph.errors import QueryError, StoreMissing
from graph.namespace import PREFIXES

STORE_DIR = "oxigraph"
META_FILE = "meta.json"
INT_TYPES = {str(XSD.integer), str(XSD.int), str(XSD.long)}
FLOAT_TYPES = {str(XSD.decimal), str(XSD.double), str(XSD.float)}


def to_ox(term: URIRef | Literal | BNode) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """Convert an rdflib term to its pyoxigraph twin."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def from_ox(term: object) -> object:
    """Convert a pyoxigraph term to a plain Python value (IRI → str, typed literal → number)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Literal):
        dtype = term.datatype.value
        if dtype in INT_TYPES:
            return int(term.value)
        if dtype in FLOAT_TYPES:
            return float(term.value)
        if dtype == str(XSD.boolean):
            return term.value == "true"
        return term.value
    return str(term)


def write_store(path: Path, triples: Iterable[tuple], meta: dict) -> None:
    """Create a new store at ``path`` holding ``triples``, the ontology and the thesaurus (bulk load)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    store = ox.Store(str(path / STORE_DIR))
    store.bulk_extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph()) for s, p, o in triples)
    for name in ("ontology.ttl", "themes.ttl"):
        data = resources.files("graph").joinpath(name).read_bytes()
        store.bulk_load(data, format=ox.RdfFormat.TURTLE)
    store.flush()
    store.optimize()
    del store
    (path / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")


def _prologue() -> str:
    """Return PREFIX declarations for every prefix we bind."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


class GraphStore:
    """A read-only handle on a built graph store; cheap to open, close it when done."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if not (self.path / STORE_DIR).is_dir():
            raise StoreMissing(f"{self.path}: 没有图数据 no graph store here; run `plangraph build` first")
        self._store: ox.Store | None = ox.Store.read_only(str(self.path / STORE_DIR))
        self._cache: dict[str, object] = {}

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the store."""
        self._store = None

    @property
    def ox(self) -> ox.Store:
        if self._store is None:
            raise StoreMissing(f"{self.path}: store is closed")
        return self._store

    def meta(self) -> dict:
        """Return what the build recorded (counts, plans)."""
        meta = self.path / META_FILE
        return json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else {}

    def cached(self, key: str, make):
        """Return ``make()``, computed once per open store (the store never changes while open)."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def raw_query(self, query: str):
        """Run a SPARQL query with our prefixes; return pyoxigraph's result object."""
        try:
            return self.ox.query(_prologue() + query)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL 语法错误 syntax error: {exc}") from exc

    def select(self, query: str, limit: int | None = None, timeout_s: float | None = None) -> list[dict]:
        """Run a SELECT query; return rows as dicts of plain values (unbound variables are None)."""
        result = self.raw_query(query)
        names = [v.value for v in result.variables]
        deadline = time.monotonic() + timeout_s if timeout_s else None
        rows = []
        for solution in result:
            if limit is not None and len(rows) >= limit:
                break
            if deadline and time.monotonic() > deadline:
                raise QueryError(f"查询超时 query took longer than {timeout_s} s")
            rows.append({n: from_ox(solution[n]) for n in names})
        return rows

    def ask(self, query: str) -> bool:
        """Run an ASK query."""
        return bool(self.raw_query(query))

    def triples_of(self, query: str, limit: int | None = None) -> list[tuple[str, str, object]]:
        """Run a CONSTRUCT or DESCRIBE query; return (subject, predicate, object) rows."""
        out = []
        for triple in self.raw_query(query):
            if limit is not None and len(out) >= limit:
                break
            out.append((from_ox(triple.subject), from_ox(triple.predicate), from_ox(triple.object)))
        return out

    def dump(self, fmt: ox.RdfFormat) -> bytes:
        """Serialise the whole default graph in an Oxigraph-native format."""
        return self.ox.dump(format=fmt, from_graph=ox.DefaultGraph(), prefixes=PREFIXES)

    def rdflib_graph(self) -> Graph:
        """Return the store as an rdflib graph (oxrdflib store), for rdflib serialisers and pyshacl."""
        from oxrdflib import OxigraphStore

        graph = Graph(store=OxigraphStore(store=self.ox), identifier=DATASET_DEFAULT_GRAPH_ID)
        for prefix, iri in PREFIXES.items():
            graph.bind(prefix, iri, override=True)
        return graph


def open_store(path: Path) -> GraphStore:
    """Open the graph store under ``path`` (a build's ``graph`` directory) read-only."""
    return GraphStore(path)
