"""SPARQL workers have a memory limit: a query that needs more stops its worker with a clear message."""

from __future__ import annotations

import pytest

from web.app import create_app

#: Sorting every pair of triples: Oxigraph holds all of them in memory before the first answer.
HUNGRY = "SELECT ?a ?b ?o ?r WHERE { ?a ?p ?o . ?b ?q ?r } ORDER BY ?a"
LIMIT_MB = 450


@pytest.fixture()
def app(built_data):
    app = create_app({"DATA_DIR": str(built_data), "SPARQL_MEMORY_MB": LIMIT_MB, "SPARQL_WORKERS": 1,
                      "SPARQL_TIMEOUT": 30.0})
    yield app
    pool = app.extensions.get("plangraph.sparql_pool")
    if pool is not None:
        pool.close()


def address_limit(pid: int) -> str:
    """The "Max address space" soft limit of a process, as /proc shows it."""
    with open(f"/proc/{pid}/limits", encoding="ascii") as limits:
        line = next(line for line in limits if line.startswith("Max address space"))
    return line.split()[3]


def test_workers_run_under_the_configured_memory_limit(app):
    client = app.test_client()
    assert client.get("/sparql.json", query_string={"query": "ASK { ?s a pg:Plan }"}).get_json()["boolean"] is True
    workers = app.extensions["plangraph.sparql_pool"]._all
    assert [address_limit(w.process.pid) for w in workers] == [str(LIMIT_MB * 1024 * 1024)]


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/html"])
def test_a_query_over_the_memory_limit_gets_a_clear_message(app, accept):
    client = app.test_client()
    r = client.get("/sparql", query_string={"query": HUNGRY}, headers={"Accept": accept})
    text = r.get_json()["error"]["message"] if accept.endswith("json") else r.get_data(as_text=True)
    assert f"查询所需内存超过上限（{LIMIT_MB} MB）" in text
    if accept.endswith("json"):
        assert r.status_code == 503
    ok = client.get("/sparql.json", query_string={"query": "ASK { ?s a pg:Plan }"})
    assert ok.status_code == 200 and ok.get_json()["boolean"] is True, "a fresh worker takes the next query"
    assert all(w.process.poll() is None for w in app.extensions["plangraph.sparql_pool"]._all)


def test_no_limit_when_configured_off(built_data):
    app = create_app({"DATA_DIR": str(built_data), "SPARQL_MEMORY_MB": 0, "SPARQL_WORKERS": 1})
    try:
        assert app.test_client().get("/sparql.json", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200
        worker = next(iter(app.extensions["plangraph.sparql_pool"]._all))
        assert address_limit(worker.process.pid) == "unlimited"
    finally:
        app.extensions["plangraph.sparql_pool"].close()
