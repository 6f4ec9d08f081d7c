"""The graph on a SPARQL 1.1 server (Oxigraph from PyPI, Virtuoso from Debian) answers like the embedded store."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import graph
from tests import virtuoso_server
from tests.conftest import CORPUS
from web.build import build
from web.datadir import DataDir

GOALS = [("民生福祉对标", "杭州道"), ("都市安全与健康", "杭州道")]


def oxigraph_binary() -> str | None:
    """Return the `oxigraph` server command (pip package `oxigraph`), if installed."""
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.exists() else shutil.which("oxigraph")


@contextmanager
def oxigraph_server(location: Path) -> Iterator[dict[str, str]]:
    """Run an Oxigraph SPARQL server on a free loopback port; yield the environment that points plangraph at it."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the oxigraph server (pip install oxigraph) is not installed")
    port = virtuoso_server.free_port()
    proc = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=2).read()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield {"PLANGRAPH_SPARQL_ENDPOINT": f"{base}/query"}
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def virtuoso(location: Path) -> Iterator[dict[str, str]]:
    """Run a private Virtuoso (Debian's virtuoso-opensource) on loopback, or skip saying why not."""
    reason = virtuoso_server.missing()
    if reason:
        pytest.skip(reason)
    with virtuoso_server.running(location) as env:
        yield env


SERVERS = {"oxigraph": oxigraph_server, "virtuoso": virtuoso}


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(request, tmp_path_factory):
    """Start one kind of SPARQL 1.1 server on loopback; yield its plangraph environment; stop it after."""
    with SERVERS[request.param](tmp_path_factory.mktemp(request.param)) as env:
        yield env


@pytest.fixture(scope="module")
def stores(server, tmp_path_factory, monkeypatch_module):
    """The corpus built twice: embedded, and onto the server; both opened."""
    local, remote = DataDir(tmp_path_factory.mktemp("local")), DataDir(tmp_path_factory.mktemp("remote"))
    build([CORPUS], local)
    for name, value in server.items():
        monkeypatch_module.setenv(name, value)
    build([CORPUS], remote)
    for name in server:
        monkeypatch_module.delenv(name)
    with graph.open_store(local.require() / "graph") as a, graph.open_store(remote.require() / "graph") as b:
        yield a, b


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_remote_build_keeps_no_local_store(stores):
    _, remote = stores
    assert remote.remote and not (remote.path / "oxigraph").exists()
    assert remote.meta()["sparql"]["graph"].startswith("urn:plangraph:build:")


@pytest.mark.parametrize(("goal", "plan"), GOALS)
def test_trace_is_the_same(stores, goal, plan):
    local, remote = stores
    assert graph.trace(remote, goal, plan) == graph.trace(local, goal, plan)


def test_compare_overview_and_sparql_are_the_same(stores):
    local, remote = stores
    assert graph.compare(remote, []) == graph.compare(local, [])
    assert graph.themes_overview(remote) == graph.themes_overview(local)
    for query in ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "ASK { ?s a pg:Task }",
                  "SELECT ?s ?l WHERE { ?s a pg:Project ; rdfs:label ?l } ORDER BY ?s LIMIT 20"):
        assert graph.sparql(remote, query) == graph.sparql(local, query)


def test_export_has_the_same_triples(stores):
    local, remote = stores
    lines = [sorted(graph.export(s, "nt").decode("utf-8").splitlines()) for s in (local, remote)]
    assert lines[0] == lines[1] and len(lines[0]) > 1000


def test_bad_query_is_a_query_error(stores):
    _, remote = stores
    with pytest.raises(graph.QueryError):
        graph.sparql(remote, "SELECT WHERE {")


def test_construct_gives_the_same_triples(stores):
    query = "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a pg:Project ; rdfs:label ?l }"
    local, remote = (graph.sparql(s, query) for s in stores)
    assert remote["type"] == "graph" and sorted(remote["triples"]) == sorted(local["triples"]) != []


def test_an_answer_the_server_cuts_short_is_an_error_not_a_wrong_answer(request, stores):
    _, remote = stores
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    if request.node.callspec.params["server"] != "virtuoso":
        assert len(remote.select(query)) > 10_000
        return
    with pytest.raises(graph.StoreMissing, match="ResultSetMaxRows"):
        remote.select(query)


def graph_count(env: dict[str, str], graph_iri: str) -> int:
    """Return how many triples the server holds in one named graph (queried as the default graph)."""
    store = graph.store.RemoteStore(env["PLANGRAPH_SPARQL_ENDPOINT"], "", graph_iri)
    rows = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    return int(next(iter(rows))["n"].value)


def test_pruned_builds_take_their_server_graph_with_them(server, tmp_path, monkeypatch):
    monkeypatch.setattr("web.datadir.GRACE_SECONDS", -1)  # prune at once instead of after the grace period
    for name, value in server.items():
        monkeypatch.setenv(name, value)
    data = DataDir(tmp_path / "data")
    graphs = []
    for _ in range(3):
        build([CORPUS], data)
        graphs.append(graph.open_store(data.require() / "graph").meta()["sparql"]["graph"])
    assert len(set(graphs)) == 3
    kept = {p.name for p in data.builds.iterdir()}
    assert len(kept) == 2
    assert graph_count(server, graphs[0]) == 0
    assert graph_count(server, graphs[2]) > 10_000
