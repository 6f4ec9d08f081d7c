"""The one place that touches the triple store (Oxigraph on disk, through pyoxigraph and oxrdflib).

Everything else asks this module for SPARQL results as plain Python values, so
a SPARQL 1.1 server could replace the embedded store without touching callers.
Readers open the store read-only, so the web server and CLI commands can share
a finished build.

With ``PLANGRAPH_SPARQL_ENDPOINT`` set at build time (a SPARQL 1.1 query URL;
``PLANGRAPH_SPARQL_STORE`` gives the Graph Store Protocol URL when it is not the
query URL's sibling ``store``, as on Oxigraph's server), the build writes its
triples into a fresh named graph on that server instead, records where in
``meta.json``, and readers query it there: results come back as the same
pyoxigraph objects, so no caller changes.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from graph.errors import QueryError, StoreMissing
from graph.namespace import PREFIXES

STORE_DIR = "oxigraph"
META_FILE = "meta.json"
XSD = PREFIXES["xsd"]
INT_TYPES = {XSD + "integer", XSD + "int", XSD + "long"}
FLOAT_TYPES = {XSD + "decimal", XSD + "double", XSD + "float"}
BOOLEAN = XSD + "boolean"
OX_TERMS = (ox.NamedNode, ox.BlankNode, ox.Literal)
#: Bytes of N-Triples per bulk load: one load of everything keeps ~1.7 GB of Oxigraph's batches in memory at
#: 5 M triples; 64 MB pieces keep it under ~0.6 GB for the same load time (20 MB pieces: 0.2 GB, 30 % slower).
LOAD_CHUNK = 64 << 20


def to_ox(term: object) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """Convert an rdflib term to its pyoxigraph twin (pyoxigraph terms pass through)."""
    from rdflib import BNode, URIRef

    if isinstance(term, OX_TERMS):
        return term
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def ox_quads(triples: Iterable[tuple]):
    """Yield default-graph quads of (subject, predicate, object) triples of pyoxigraph terms."""
    graph = ox.DefaultGraph()
    for s, p, o in triples:
        yield ox.Quad(s, p, o, graph)


def rdflib_triples(triples: Iterable[tuple]):
    """Yield rdflib twins of pyoxigraph triples (for rdflib's own stores, e.g. in benchmarks)."""
    from rdflib import BNode, Literal, URIRef

    def convert(term):
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))

    for s, p, o in triples:
        yield convert(s), convert(p), convert(o)


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
        if dtype == BOOLEAN:
            return term.value == "true"
        return term.value
    return str(term)


ENDPOINT_VAR = "PLANGRAPH_SPARQL_ENDPOINT"
STORE_VAR = "PLANGRAPH_SPARQL_STORE"
RESULT_TYPES = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
                "application/sparql-results+xml": ox.QueryResultsFormat.XML}
RDF_TYPES = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/turtle": ox.RdfFormat.TURTLE}
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
ACCEPT_RDF = "application/n-triples, text/turtle;q=0.8"
PROLOGUE = re.compile(r"(?:\s+|#[^\n]*|PREFIX\s+[^:\s]*:\s*<[^>]*>|BASE\s*<[^>]*>)*", re.IGNORECASE)
GRAPH_FORM = re.compile(r"(?:CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def wants_triples(query: str) -> bool:
    r"""Tell whether a query is a CONSTRUCT or DESCRIBE (its answer is triples, not solutions).

    >>> wants_triples("PREFIX pg: <https://w3id.org/x#>\n# all\nconstruct { ?s ?p ?o } WHERE { ?s ?p ?o }")
    True
    >>> wants_triples("SELECT ?s WHERE { ?s ?p ?o }")
    False
    """
    return bool(GRAPH_FORM.match(query, PROLOGUE.match(query).end()))


class RemoteStore:
    """A SPARQL 1.1 server seen through the two pyoxigraph ``Store`` methods readers use (query, dump)."""

    def __init__(self, endpoint: str, store: str, graph: str, timeout: float = 60):
        self.endpoint, self.store, self.graph, self.timeout = endpoint, store, graph, timeout

    def _send(self, url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
        request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.headers, response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300]
            if exc.code == 400:
                raise SyntaxError(detail) from exc
            raise StoreMissing(f"{url}: SPARQL 服务器错误 server answered {exc.code}: {detail}") from exc
        except OSError as exc:
            raise StoreMissing(f"{url}: 无法连接 SPARQL 服务器 cannot reach the server: {exc}") from exc

    def _ask_server(self, text: str):
        """POST a query for this build's graph; return the response headers and body."""
        body = urllib.parse.urlencode({"query": text, "default-graph-uri": self.graph}).encode()
        accept = ACCEPT_RDF if wants_triples(text) else ACCEPT  # Virtuoso would send CONSTRUCT triples as ?s ?p ?o rows
        return self._send(self.endpoint, body, {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})

    def query(self, text: str):
        """Run a query on this build's graph; return pyoxigraph solutions, a boolean or triples."""
        headers, data = self._ask_server(text)
        if headers.get("X-SPARQL-MaxRows"):
            raise StoreMissing(f"{self.endpoint}: 服务器截断了结果 the server cut the answer at "
                               f"{headers['X-SPARQL-MaxRows']} rows; raise its limit (Virtuoso: ResultSetMaxRows)")
        kind = headers.get_content_type()
        if kind in RESULT_TYPES:
            return ox.parse_query_results(data, format=RESULT_TYPES[kind])
        return ox.parse(data, format=RDF_TYPES.get(kind, ox.RdfFormat.N_TRIPLES))

    def dump(self, format: ox.RdfFormat, from_graph: object = None, prefixes: dict | None = None) -> bytes:
        """Return this build's graph serialised in ``format``, paging if the server caps the download (Virtuoso)."""
        _, data = self._send(self._graph_url(), headers={"Accept": "application/n-triples"})
        triples = [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
        total = next(iter(self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"]
        if triples and len(triples) < int(total.value):
            triples = self._pages(len(triples), int(total.value))
        return ox.serialize(triples, format=format, prefixes=prefixes)

    def _pages(self, size: int, total: int) -> list:
        """Return every triple of the graph, read ``size`` at a time through ordered CONSTRUCT queries."""
        triples = []
        for offset in range(0, total, size):
            _, data = self._ask_server("CONSTRUCT { ?s ?p ?o } WHERE { { SELECT ?s ?p ?o WHERE { ?s ?p ?o } "
                                       f"ORDER BY ?s ?p ?o }} }} LIMIT {size} OFFSET {offset}")
            triples.extend(q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
        return triples

    def put(self, data, content_type: str, replace: bool, length: int | None = None) -> None:
        """Write RDF (bytes, or a binary reader of ``length`` bytes) into this build's graph (PUT replaces the
        graph, POST adds to it)."""
        headers = {"Content-Type": content_type}
        if length is not None:
            headers["Content-Length"] = str(length)
        self._send(self._graph_url(), data, headers, "PUT" if replace else "POST")

    def drop(self) -> None:
        """Delete this build's graph from the server (Graph Store Protocol DELETE); a graph already gone is fine."""
        try:
            self._send(self._graph_url(), method="DELETE")
        except StoreMissing as exc:
            if " 404:" not in str(exc):
                raise

    def _graph_url(self) -> str:
        return f"{self.store}?{urllib.parse.urlencode({'graph': self.graph})}"


def remote_from_env() -> RemoteStore | None:
    """Return a fresh remote graph on the server the environment names, or None for the embedded store."""
    endpoint = os.environ.get(ENDPOINT_VAR, "").strip()
    if not endpoint:
        return None
    store = os.environ.get(STORE_VAR, "").strip() or endpoint.rstrip("/").rsplit("/", 1)[0] + "/store"
    return RemoteStore(endpoint, store, f"urn:plangraph:build:{uuid.uuid4().hex}")


def drop_remote(path: Path) -> bool:
    """Delete the server-side graph of the build whose graph directory is ``path``; tell whether it had one.

    Each build loads a fresh named graph, so the builds a data directory prunes must take theirs with them.
    """
    meta = Path(path) / META_FILE
    server = json.loads(meta.read_text(encoding="utf-8")).get("sparql") if meta.exists() else None
    if not server:
        return False
    RemoteStore(server["endpoint"], server["store"], server["graph"]).drop()
    return True


def _size(file: Path) -> int:
    """Return the size of a file's content: a gzip file's own record of it (modulo 4 GiB), else its size."""
    if file.suffix != ".gz":
        return file.stat().st_size
    with open(file, "rb") as data:
        data.seek(-4, os.SEEK_END)
        return int.from_bytes(data.read(4), "little")


class Chained:
    """The concatenation of files (``.gz`` ones decompressed) as one binary reader, for Oxigraph's parser and
    HTTP bodies, without copying them."""

    def __init__(self, files: Iterable[Path]):
        self.files = [Path(f) for f in files]
        self.size = sum(_size(f) for f in self.files)
        self._open = None
        self._next = 0

    def __enter__(self) -> Chained:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, size: int = -1) -> bytes:
        """Return up to ``size`` bytes (all that is left when negative); empty at the end."""
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        while True:
            if self._open is None:
                if self._next == len(self.files):
                    return b""
                file = self.files[self._next]
                self._open = gzip.open(file, "rb") if file.suffix == ".gz" else open(file, "rb")  # noqa: SIM115
                self._next += 1
            data = self._open.read(size)
            if data:
                return data
            self._open.close()
            self._open = None

    def chunks(self, size: int) -> Iterator[bytes]:
        """Yield the data in pieces of about ``size`` bytes, each ending at a line end (whole N-Triples lines)."""
        rest = b""
        while block := self.read(size):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                rest = block
                continue
            rest = block[cut:]
            yield block[:cut]
        if rest:
            yield rest

    def close(self) -> None:
        """Close the file being read."""
        if self._open is not None:
            self._open.close()
            self._open = None


def write_remote(remote: RemoteStore, parts: list[Path]) -> None:
    """Load the N-Triples ``parts``, the ontology and the thesaurus into the remote graph (Graph Store Protocol),
    streaming the files as one request body."""
    with Chained(parts) as body:
        remote.put(body, "application/n-triples", replace=True, length=body.size)
    for name in ("ontology.ttl", "themes.ttl"):
        remote.put(resources.files("graph").joinpath(name).read_bytes(), "text/turtle", replace=False)


def write_store(path: Path, parts: list[Path], meta: dict) -> None:
    """Create a new store at ``path`` holding the N-Triples files ``parts`` (read in turn, never all in memory),
    the ontology and the thesaurus (bulk load)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    remote = remote_from_env()
    if remote is not None:
        write_remote(remote, parts)
        meta = {**meta, "sparql": {"endpoint": remote.endpoint, "store": remote.store, "graph": remote.graph}}
        (path / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        return
    store = ox.Store(str(path / STORE_DIR))
    with Chained(parts) as data:
        for chunk in data.chunks(LOAD_CHUNK):
            store.bulk_load(chunk, format=ox.RdfFormat.N_TRIPLES, lenient=True)  # graph.build checked the IRIs
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
        server = self.meta().get("sparql")
        if server:
            self._store: ox.Store | RemoteStore | None = RemoteStore(server["endpoint"], server["store"],
                                                                     server["graph"])
        elif (self.path / STORE_DIR).is_dir():
            self._store = ox.Store.read_only(str(self.path / STORE_DIR))
        else:
            raise StoreMissing(f"{self.path}: 没有图数据 no graph store here; run `plangraph build` first")
        self._cache: dict[str, object] = {}

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the store."""
        self._store = None

    @property
    def remote(self) -> bool:
        """Tell whether the graph lives on a SPARQL server rather than in the embedded store."""
        return isinstance(self._store, RemoteStore)

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

    def rdflib_graph(self):
        """Return the store as an rdflib graph (oxrdflib store), for rdflib serialisers and pyshacl."""
        from oxrdflib import OxigraphStore
        from rdflib import Graph
        from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

        if self.remote:
            graph = Graph().parse(data=self.dump(ox.RdfFormat.N_TRIPLES), format="nt")
        else:
            graph = Graph(store=OxigraphStore(store=self.ox), identifier=DATASET_DEFAULT_GRAPH_ID)
        for prefix, iri in PREFIXES.items():
            graph.bind(prefix, iri, override=True)
        return graph


def open_store(path: Path) -> GraphStore:
    """Open the graph store under ``path`` (a build's ``graph`` directory) read-only."""
    return GraphStore(path)
