"""The web app over the built corpus: every page, its JSON twin, errors and security headers."""

from __future__ import annotations

import pytest

from web.app import create_app


@pytest.fixture(scope="module")
def app(built_data):
    return create_app({"DATA_DIR": str(built_data), "TESTING": True})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def plans(app):
    with app.test_client() as c:
        return c.get("/index.json").get_json()["plans"]


def node_ids(client, plan_id: str) -> list[dict]:
    return client.get(f"/plan/{plan_id}.json").get_json()["nodes"]


PAGES = ["/", "/search?q=养老", "/search?q=", "/trace", "/compare", "/indicators", "/sparql"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_renders_with_its_json_twin(client, url):
    html = client.get(url)
    assert html.status_code == 200, html.data[:300]
    assert html.content_type.startswith("text/html")
    assert b"</html>" in html.data
    path, _, query = url.partition("?")
    twin = client.get((path.rstrip("/") or "/index") + ".json" + (f"?{query}" if query else ""))
    assert twin.status_code == 200
    assert isinstance(twin.get_json(), dict)
    assert 'rel="alternate"' in html.headers["Link"]


def test_accept_header_gives_json(client):
    r = client.get("/", headers={"Accept": "application/json"})
    assert r.content_type == "application/json"
    assert len(r.get_json()["plans"]) == 2


def test_home_lists_plans_with_counts(client, plans):
    titles = " ".join(p["title"] for p in plans)
    assert "杭州道" in titles and "大沽" in titles
    for p in plans:
        assert p["nodes"] > 0
        assert {"kind", "period", "street", "tasks", "targets", "entities"} <= set(p)
    page = client.get("/").get_data(as_text=True)
    assert "杭州道街道高质量发展行动方案" in page


def test_reader_has_toc_anchors_and_citations(client, plans):
    for plan in plans:
        data = client.get(f"/plan/{plan['id']}.json").get_json()
        assert data["toc"], "a table of contents from the outline"
        html = client.get(f"/plan/{plan['id']}").get_data(as_text=True)
        for node in data["nodes"][:20]:
            assert f'id="{node["anchor"]}"' in html
            assert node["citation"].startswith("《")


def test_dagu_citation_uses_short_title_and_numbers(client, plans):
    dagu = next(p for p in plans if "大沽" in p["title"])
    nodes = node_ids(client, dagu["id"])
    cited = [n["citation"] for n in nodes if n["number"]]
    assert cited and all(c.startswith("《大沽街道“十四五”规划》") for c in cited)


def test_node_permalink_redirects_to_anchor_and_has_json(client, plans):
    node = node_ids(client, plans[0]["id"])[3]
    r = client.get(f"/node/{node['id']}")
    assert r.status_code == 302 and r.headers["Location"].endswith("#" + node["anchor"])
    data = client.get(f"/node/{node['id']}.json").get_json()
    assert data["citation"] == node["citation"]


def test_search_finds_hits_with_highlights_and_links(client):
    data = client.get("/search.json?q=养老").get_json()
    assert data["total"] > 0
    hit = data["hits"][0]
    assert hit["url"].startswith("/plan/") and "#n-" in hit["url"]
    assert "<mark>" in hit["highlight"] or "<b>" in hit["highlight"]


def test_search_pagination_and_filters(client, plans):
    one = client.get("/search.json?q=发展&limit=5").get_json()
    two = client.get("/search.json?q=发展&limit=5&page=2").get_json()
    assert one["pages"] >= 2
    assert {h["id"] for h in one["hits"]}.isdisjoint({h["id"] for h in two["hits"]})
    only = client.get(f"/search.json?q=发展&plan={plans[0]['id']}").get_json()
    assert only["hits"] and all(h["plan_id"] == plans[0]["id"] for h in only["hits"])


def test_search_csv_export(client):
    r = client.get("/search.csv?q=养老")
    assert r.status_code == 200 and r.content_type.startswith("text/csv")
    text = r.get_data(as_text=True)
    assert text.startswith("\ufeffid,plan,kind")
    assert len(text.splitlines()) > 1


def test_script_in_query_is_escaped(client):
    r = client.get("/search?q=<script>alert(1)</script>")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("query", ['"unclosed', "AND OR NOT", "((()", "*?~^", "plan:", "a" * 500, "   "])
def test_garbled_query_is_not_an_error(client, query):
    assert client.get("/search.json", query_string={"q": query}).status_code == 200


@pytest.mark.parametrize(("url", "status", "words"), [
    ("/search.json?q=x&page=dog", 400, "page"),
    ("/search.json?q=x&page=0", 400, "page"),
    ("/search.json?q=x&limit=100000", 400, "limit"),
    ("/search.json?q=x&plan=nope", 404, "nope"),
    ("/plan/nope.json", 404, "nope"),
    ("/node/nope/1.json", 404, "nope/1"),
    ("/entity/nope.json", 404, "nope"),
    ("/indicators.json?status=maybe", 400, "status"),
    ("/indicators.json?page=0", 400, "page"),
    ("/indicators.json?page=9999", 400, "page"),
    ("/indicators.json?per_page=1001", 400, "per_page"),
    ("/indicators.json?per_page=x", 400, "per_page"),
    ("/indicators.json?plan=no-such-plan", 404, "no-such-plan"),
    ("/compare.json?a=nope", 404, "nope"),
    ("/no/such/page.json", 404, "没有这个页面"),
    ("/upload.json", 403, "--allow-upload"),
])
def test_errors_have_one_json_shape(client, url, status, words):
    r = client.get(url)
    assert r.status_code == status
    error = r.get_json()["error"]
    assert error["status"] == status and words in error["message"]


def test_errors_are_pages_for_browsers(client):
    r = client.get("/plan/nope")
    assert r.status_code == 404 and r.content_type.startswith("text/html")
    assert "没有编号为“nope”的规划" in r.get_data(as_text=True)
    assert "Traceback" not in r.get_data(as_text=True)


def test_security_headers(client):
    r = client.get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_no_inline_scripts_or_handlers(client, plans):
    for url in [*PAGES, f"/plan/{plans[0]['id']}"]:
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html
        for line in html.splitlines():
            if "<script" in line:
                assert 'src="/static/' in line


def test_indicators_table_and_csv(client):
    data = client.get("/indicators.json").get_json()
    assert data["total"] == len(data["targets"])
    if data["targets"]:
        assert all("plan" in t and "indicator" in t for t in data["targets"])
    r = client.get("/indicators.csv")
    assert r.status_code == 200 and "指标" in r.get_data(as_text=True).splitlines()[0]


def test_entity_page_and_graph(client, plans):
    ids = [e for p in plans for e in entity_ids(client, p["id"])]
    if not ids:
        pytest.skip("ingest extracts no entities yet")
    r = client.get(f"/entity/{ids[0]}.json")
    assert r.status_code == 200
    data = r.get_json()
    assert data["label"] and data["mentions"]
    graph = client.get(data["graph_url"]).get_json()
    assert any(n["id"] == graph["center"] for n in graph["nodes"]) and len(graph["nodes"]) > 1
    assert client.get(f"/entity/{ids[0]}").status_code == 200


def entity_ids(client, plan_id: str) -> list[str]:
    nodes = node_ids(client, plan_id)
    return [s["ref"] for n in nodes for s in n["segments"] if s.get("kind") == "entity"]


def test_compare_defaults_to_two_plans(client):
    data = client.get("/compare.json").get_json()
    assert len(data["sides"]) == 2 and data["sides"][0]["id"] != data["sides"][1]["id"]
    r = client.get("/compare.csv")
    assert r.status_code == 200 and r.get_data(as_text=True).startswith("\ufeff主题")


def test_unknown_format_is_refused(client):
    assert client.get("/trace.xlsx").status_code == 406


SELECT_PLANS = "SELECT ?plan ?title WHERE { ?plan a pg:Plan ; dcterms:title ?title }"


@pytest.mark.parametrize(("accept", "mime", "sign"), [
    ("application/sparql-results+json", "application/sparql-results+json", b'"bindings"'),
    ("application/sparql-results+xml", "application/sparql-results+xml", b"<sparql"),
    ("text/csv", "text/csv", b"plan,title"),
    ("text/tab-separated-values", "text/tab-separated-values", b"?plan\t?title"),
])
def test_sparql_protocol_formats(client, accept, mime, sign):
    r = client.get("/sparql", query_string={"query": SELECT_PLANS}, headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == mime
    assert sign in r.data


def test_sparql_post_bodies_and_construct(client):
    r = client.post("/sparql", data=SELECT_PLANS.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert len(r.get_json()["results"]["bindings"]) == 2
    r = client.post("/sparql.json", data={"query": "ASK { ?s a pg:Plan }"})
    assert r.get_json()["boolean"] is True
    r = client.get("/sparql", query_string={"query": "CONSTRUCT { ?p a pg:Plan } WHERE { ?p a pg:Plan }"},
                   headers={"Accept": "text/turtle"})
    assert r.mimetype == "text/turtle" and b"ontology#Plan" in r.data


@pytest.mark.parametrize("query", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "DROP ALL",
])
def test_sparql_is_read_only(client, query):
    r = client.get("/sparql.json", query_string={"query": query})
    assert r.status_code == 400 and "read-only" in r.get_json()["error"]["message"]


def test_sparql_page_shows_results_and_errors(client):
    html = client.get("/sparql", query_string={"query": SELECT_PLANS}).get_data(as_text=True)
    assert "杭州道街道高质量发展行动方案" in html
    bad = client.get("/sparql", query_string={"query": "SELEC nonsense"})
    assert bad.status_code == 200 and 'class="notice"' in bad.get_data(as_text=True)


def test_iri_dereferences_by_content_negotiation(client):
    rows = client.get("/sparql.json", query_string={"query": SELECT_PLANS}).get_json()["results"]["bindings"]
    rest = rows[0]["plan"]["value"].split("/id/", 1)[1]
    turtle = client.get(f"/id/{rest}", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle" and b"ontology#Plan" in turtle.data
    jsonld = client.get(f"/id/{rest}", headers={"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json" and jsonld.get_json()
    html = client.get(f"/id/{rest}", headers={"Accept": "text/html"})
    assert html.status_code == 303 and html.headers["Location"] == f"/entity/{rest}"
    assert client.get("/id/place/no-such-place", headers={"Accept": "text/turtle"}).status_code == 404


def test_trace_goal_tree_has_source_links(client):
    goals = client.get("/trace.json").get_json()["goals"]
    assert goals
    data = client.get("/trace.json", query_string={"goal": goals[0]["id"]}).get_json()
    tree = data["result"]["tree"]
    assert tree["kind"] == "goal"
    links = []

    def walk(node):
        links.append(node.get("url", ""))
        for child in node.get("children", []):
            walk(child)

    walk(tree)
    assert any(u.startswith("/plan/") for u in links)
    assert client.get("/trace", query_string={"goal": goals[0]["id"]}).status_code == 200


def test_trace_unknown_goal_is_404(client):
    r = client.get("/trace.json", query_string={"goal": "完全不存在的目标词语"})
    assert r.status_code == 404


def test_compare_matrix_and_exports(client):
    data = client.get("/compare.json").get_json()
    assert data["matrix"] and {"both", "a", "b"} >= {t["status"] for t in data["matrix"]} - {"none"}
    assert data["counts"]["both"] >= 1
    xlsx = client.get("/compare.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_home_lists_themes_with_counts(client):
    themes = client.get("/index.json").get_json()["themes"]
    assert themes and all(any(t["plans"].values()) for t in themes)


def test_graph_ids_have_entity_pages(client):
    plan_id = client.get("/index.json").get_json()["plans"][0]["id"]
    graph = client.get("/entity/node/" + node_ids(client, plan_id)[5]["id"] + "/graph.json")
    assert graph.status_code == 200
    for node in graph.get_json()["nodes"][:5]:
        assert client.get(f"/entity/{node['id']}.json").status_code == 200, node


def test_compare_boxes_take_a_title_or_an_id_and_suggest_plans(client):
    plans = client.get("/index.json").get_json()["plans"]
    by_id = client.get("/compare.json", query_string={"a": plans[1]["id"], "b": plans[0]["id"]}).get_json()
    by_title = client.get("/compare.json", query_string={"a": plans[1]["title"], "b": plans[0]["title"]}).get_json()
    assert [s["id"] for s in by_title["sides"]] == [s["id"] for s in by_id["sides"]] == [plans[1]["id"], plans[0]["id"]]
    assert [s["ref"] for s in by_id["sides"]] == [plans[1]["title"], plans[0]["title"]]
    assert {c["id"] for c in by_id["plan_choices"]} == {p["id"] for p in plans}
    assert client.get("/compare.json", query_string={"a": plans[0]["title"][:4]}).status_code == 404
    html = client.get("/compare", query_string={"a": plans[1]["id"]}).get_data(as_text=True)
    assert f'name="a" value="{plans[1]["title"]}"' in html and '<datalist id="compare-plans">' in html


def test_a_dropped_build_is_reclaimed_after_serve_froze_the_heap(tmp_path):
    import gc
    import weakref

    from tests.conftest import CORPUS
    from web.build import build
    from web.commands.serve_cmds import warm_up
    from web.datadir import DataDir
    from web.state import KEEP_OPEN, corpus

    data = DataDir(tmp_path)
    build([CORPUS], data)
    app = create_app({"DATA_DIR": str(tmp_path), "TESTING": True})
    try:
        warm_up(app)  # opens the build, searches it, then freezes the heap
        assert gc.get_freeze_count() > 0
        with app.app_context():
            first = weakref.ref(corpus())
        for _ in range(KEEP_OPEN):
            build([CORPUS], data)
            with app.app_context():
                corpus()
        gc.collect()
        assert first() is None
    finally:
        gc.unfreeze()
