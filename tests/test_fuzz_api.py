"""Fuzz the JSON API and pages with random paths, parameters and formats: no 500, no stack trace, always an
answer in the shape the client asked for."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from web.app import create_app

EXAMPLES = int(os.environ.get("PLANGRAPH_FUZZ_EXAMPLES", "150"))

ROUTES = ["/", "/index", "/search", "/plan/{id}", "/node/{id}", "/entity/{id}", "/entity/{id}/graph", "/trace",
          "/compare", "/indicators", "/sparql", "/id/{id}", "/upload", "/static/{id}", "/{id}"]
SUFFIXES = ["", ".json", ".csv", ".xlsx", ".ttl", ".jsonld"]
KEYS = ["q", "plan", "kind", "theme", "page", "limit", "explain", "goal", "from", "a", "b", "status", "sort",
        "depth", "query", "format"]
WORDS = ["养老", "社区", "大沽", "杭州道", "hangzhoudao-action-plan", "dagu-14th-five-year-plan", "task", "goal",
         "target", "place/大沽", "node/x", "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "ASK { ?s ?p ?o }", "0", "-1",
         "1", "2", "100", "1e9", "NaN", "../../etc/passwd", "%00", "*", "\\", "'", '"', "<script>", "{{7*7}}", ""]


def value() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(WORDS), st.text(max_size=40),
                     st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
                     st.integers(-10**12, 10**12).map(str))


IDS = st.one_of(st.sampled_from(WORDS[:10]), st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")),
                                                     min_size=1, max_size=60))
ACCEPT = st.sampled_from(["", "application/json", "text/html", "text/turtle", "application/ld+json", "*/*",
                          "application/sparql-results+json", "text/csv", "image/png", "garbage;;q=x"])


@pytest.fixture(scope="module")
def client(built_data):
    app = create_app({"DATA_DIR": str(built_data), "SPARQL_TIMEOUT": 3.0})
    yield app.test_client()
    pool = app.extensions.get("plangraph.sparql_pool")
    if pool is not None:
        pool.close()


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(route=st.sampled_from(ROUTES), ref=IDS, suffix=st.sampled_from(SUFFIXES),
       params=st.lists(st.tuples(st.sampled_from(KEYS), value()), max_size=6), accept=ACCEPT,
       post=st.booleans())
def test_no_request_gets_a_500(client, route, ref, suffix, params, accept, post):
    from urllib.parse import quote

    path = route.replace("{id}", quote(ref, safe="/")) + suffix
    headers = {"Accept": accept} if accept else {}
    if post and route in ("/sparql", "/upload"):
        response = client.post(path, data=dict(params), headers=headers)
    else:
        response = client.get(path, query_string=params, headers=headers)
    body = response.get_data()
    response.close()
    assert response.status_code < 500 or response.status_code == 503, (path, params, body[:300])
    assert b"Traceback" not in body and b'File "/' not in body
    if response.status_code >= 400 and response.mimetype == "application/json":
        assert response.get_json()["error"]["message"]
