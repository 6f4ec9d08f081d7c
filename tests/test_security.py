"""Hostile requests: stored and reflected XSS, security headers, read-only bounded SPARQL, strict parameters,
oversized requests, no stack traces, and uploads that change nothing when they fail."""

from __future__ import annotations

import io
import re
import shutil
import socket
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import CORPUS
from web.app import create_app
from web.build import build
from web.datadir import DataDir

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
HOSTILE_PLAN = f"""某某街道{SCRIPT}行动方案
一、总体要求{IMG}
到2025年，建成<b onmouseover=alert(3)>示范社区</b>5个，新增养老床位200张。
二、重点任务
（一）推进“<svg onload=alert(4)>”工程建设
1.实施</textarea><script>alert(5)</script>更新改造项目，完善养老服务设施。
2.建设{IMG}智慧社区平台。
"""
RAW = (SCRIPT, "<img src=x", "<b onmouseover", "<svg onload", "</textarea><script>")


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory) -> Path:
    """A data directory with the corpus and one plan full of markup and script payloads."""
    folder = tmp_path_factory.mktemp("hostile-src")
    for path in CORPUS.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    (folder / "hostile-plan.txt").write_text(HOSTILE_PLAN, encoding="utf-8")
    root = tmp_path_factory.mktemp("hostile-data")
    build([folder], DataDir(root))
    return root


@pytest.fixture(scope="module")
def app(hostile_data):
    app = create_app({"DATA_DIR": str(hostile_data), "SPARQL_TIMEOUT": 2.0})
    yield app
    pool = app.extensions.get("plangraph.sparql_pool")
    if pool is not None:
        pool.close()


@pytest.fixture()
def client(app):
    return app.test_client()


def hostile_urls(client) -> list[str]:
    """Every page that can show the hostile plan's text."""
    plans = client.get("/index.json").get_json()["plans"]
    hostile = next(p for p in plans if p["id"] == "hostile-plan")
    other = next(p for p in plans if p["id"] != "hostile-plan")
    model = client.get("/plan/hostile-plan.json").get_json()
    entities = {s["ref"] for n in model["nodes"] for s in n["segments"] if s.get("kind") == "entity"}
    urls = ["/", f"/plan/{hostile['id']}", "/search?q=script", "/search?q=onerror", "/search?q=示范社区",
            "/search?q=养老", f"/compare?a={hostile['id']}&b={other['id']}", "/indicators", "/trace",
            "/indicators?plan=hostile-plan"]
    urls += [f"/entity/{e}" for e in sorted(entities)[:10]]
    urls += [f"/entity/node/{n['id']}" for n in model["nodes"][:8]]
    return urls


def test_stored_markup_is_escaped_on_every_page(client):
    urls = hostile_urls(client)
    assert len(urls) > 12
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, (url, r.data[:300])
        html = r.get_data(as_text=True)
        for raw in RAW:
            assert raw not in html, (url, raw)
    reader = client.get("/plan/hostile-plan").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reader, "the text is shown, escaped, not dropped"


def test_json_twins_are_json_not_html(client):
    for url in hostile_urls(client):
        path, _, query = url.partition("?")
        r = client.get((path.rstrip("/") or "/index") + ".json" + (f"?{query}" if query else ""))
        assert r.status_code == 200, url
        assert r.mimetype == "application/json"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        r.get_json()


REFLECT = '"><script>alert(9)</script><img src=x onerror=alert(9)>'
REFLECTED = ["/search?q={p}", "/search?q=养老&plan={p}", "/search?q=养老&kind={p}", "/search?q=养老&theme={p}",
             "/trace?goal={p}", "/trace?from={p}", "/trace?plan={p}", "/compare?a={p}", "/compare?theme={p}",
             "/indicators?q={p}", "/indicators?plan={p}", "/indicators?status={p}", "/indicators?sort={p}",
             "/plan/{p}", "/entity/{p}", "/node/{p}", "/sparql?query={p}", "/search?q=养老&page={p}",
             "/nowhere/{p}", "/id/{p}"]


@pytest.mark.parametrize("template", REFLECTED)
def test_reflected_parameters_are_escaped(client, template):
    from urllib.parse import quote

    r = client.get(template.format(p=quote(REFLECT)))
    assert r.status_code < 500, r.data[:300]
    body = r.get_data(as_text=True)
    assert "<script>alert(9)" not in body and "<img src=x onerror" not in body


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


class Handlers(HTMLParser):
    """Collect the event-handler attributes (onclick=…) and javascript: links of a page."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append((tag, name, value))


def handlers(html: str) -> list:
    parser = Handlers()
    parser.feed(html)
    return parser.found


def test_pages_have_no_inline_script_and_csp_forbids_it(client):
    for url in ["/", "/plan/hostile-plan", "/search?q=养老", "/compare", "/indicators", "/trace", "/sparql",
                "/nowhere"]:
        r = client.get(url)
        html = r.get_data(as_text=True)
        assert not INLINE_SCRIPT.search(html), url
        assert not handlers(html), url
        csp = r.headers["Content-Security-Policy"]
        script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp


@pytest.mark.parametrize("url", ["/", "/index.json", "/nowhere", "/nowhere.json", "/search?page=dog",
                                 "/static/css/app.css", "/sparql"])
def test_security_headers_on_every_response(client, url):
    r = client.get(url)
    r.close()
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]


# --- SPARQL: read-only, no federation, bounded ----------------------------------------------------------------

WRITES = [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "insert data { <urn:a> <urn:b> <urn:c> }",
    "DELETE DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:1/data.ttl>",
    "LOAD SILENT <file:///etc/passwd> INTO GRAPH <urn:x>",
    "CLEAR ALL", "CLEAR DEFAULT", "DROP ALL", "DROP GRAPH <urn:g>", "CREATE GRAPH <urn:g>",
    "COPY DEFAULT TO <urn:g>", "MOVE DEFAULT TO <urn:g>", "ADD DEFAULT TO <urn:g>",
    "SELECT * WHERE { ?s ?p ?o } ; DROP ALL",
    "# a comment first\nSELECT ?s WHERE { ?s ?p ?o } LIMIT 1 ;\nCLEAR ALL",
]


@pytest.mark.parametrize("query", WRITES)
@pytest.mark.parametrize("how", ["get", "post-form", "post-body"])
def test_sparql_writes_are_refused(client, query, how):
    if how == "get":
        r = client.get("/sparql.json", query_string={"query": query})
    elif how == "post-form":
        r = client.post("/sparql.json", data={"query": query})
    else:
        r = client.post("/sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query",
                                                                  "Accept": "application/sparql-results+json"})
    assert r.status_code == 400, r.data[:200]
    body = r.get_data(as_text=True)
    assert "read-only" in body or "SELECT" in body


def test_sparql_update_parameter_is_not_an_update(client):
    r = client.post("/sparql", data={"update": "DROP ALL"}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200  # no query: the page; updates are not part of this endpoint at all
    count = client.get("/sparql.json", query_string={"query": "ASK { ?s a pg:Plan }"}).get_json()
    assert count["boolean"] is True


@pytest.fixture()
def listener():
    """A TCP port on loopback that records whether anything connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    hits = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            hits.append(1)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join()
    server.close()


SERVICES = [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }",
    "SELECT * WHERE {{ service <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?x a pg:Plan . SERVICE<http://127.0.0.1:{port}/>{{ ?s ?p ?o }} }}",
    "PREFIX e: <http://127.0.0.1:{port}/>\nSELECT * WHERE {{ SERVICE e:sparql {{ ?s ?p ?o }} }}",
    "SELECT * FROM <http://127.0.0.1:{port}/data.ttl> WHERE {{ ?s ?p ?o }} LIMIT 1",
    "DESCRIBE <http://127.0.0.1:{port}/thing>",
]


@pytest.mark.parametrize("template", SERVICES)
def test_sparql_never_reaches_other_hosts(client, listener, template):
    port, hits = listener
    query = template.replace("{{", "{").replace("}}", "}").replace("{port}", str(port))
    for accept in ("application/sparql-results+json", "text/html"):
        r = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
        assert r.status_code < 500, r.data[:300]
    time.sleep(0.3)
    assert not hits, "the server connected to another host"


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_runaway_query_is_stopped_not_just_abandoned(app, client):
    began = time.monotonic()
    r = client.get("/sparql", query_string={"query": RUNAWAY}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 503 and "秒" in r.get_json()["error"]["message"]
    assert time.monotonic() - began < 2.0 + 3
    pool = app.extensions["plangraph.sparql_pool"]
    assert all(w.process.poll() is None for w in pool._all), "killed workers leave the pool"
    page = client.get("/sparql", query_string={"query": RUNAWAY}).get_data(as_text=True)
    assert "秒" in page, "the page shows the time-out beside the editor"
    ok = client.get("/sparql.json", query_string={"query": "ASK { ?s a pg:Plan }"})
    assert ok.status_code == 200 and ok.get_json()["boolean"] is True


def test_many_runaway_queries_do_not_block_the_site(app):
    clients = [app.test_client() for _ in range(4)]
    statuses = []

    def run(c):
        statuses.append(c.get("/sparql.json", query_string={"query": RUNAWAY}).status_code)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    assert app.test_client().get("/search.json?q=养老").status_code == 200
    for t in threads:
        t.join(30)
    assert statuses == [503] * 4


def test_sparql_results_are_bounded(hostile_data):
    app = create_app({"DATA_DIR": str(hostile_data), "SPARQL_MAX_BYTES": 100_000})
    client = app.test_client()
    try:
        big = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"},
                         headers={"Accept": "application/sparql-results+json"})
        assert big.status_code == 413 and "LIMIT" in big.get_json()["error"]["message"]
        small = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"},
                           headers={"Accept": "text/csv"})
        assert small.status_code == 200 and small.data.count(b"\n") == 6
        table = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"}).get_data(as_text=True)
        assert "500 行（已截断）" in table
    finally:
        app.extensions["plangraph.sparql_pool"].close()


# --- parameters and sizes ---------------------------------------------------------------------------------------

BAD_PARAMS = [
    ("/search.json?q=养老&page=dog", 400), ("/search.json?q=养老&page=0", 400), ("/search.json?q=养老&page=-1", 400),
    ("/search.json?q=养老&page=99999999999999999999", 400), ("/search.json?q=养老&limit=1000", 400),
    ("/search.json?q=养老&limit=1.5", 400), ("/search.json?q=养老&page=%00", 400),
    ("/search.json?q=养老&plan=nope", 404), ("/search.json?q=养老&kind=nope", 200),
    ("/search.json?q=养老&page=500", 200), ("/entity/place/x/graph.json?depth=9", 400),
    ("/entity/place/x/graph.json?limit=0", 400), ("/plan/nope.json", 404), ("/plan/..%2F..%2Fetc%2Fpasswd", 404),
    ("/node/%00.json", 404), ("/entity/" + "长" * 3000 + ".json", 404), ("/compare.json?a=nope", 404),
    ("/indicators.json?status=nope", 400), ("/trace.json?plan=nope", 404), ("/upload", 403),
    ("/id/a%3E%20%7D%20SERVICE", 404), ("/search.json?q=" + "%FF" * 100, 200),
]


@pytest.mark.parametrize(("url", "status"), BAD_PARAMS, ids=[u[:50] for u, _ in BAD_PARAMS])
def test_bad_parameters_give_a_sentence_not_a_crash(client, url, status):
    r = client.get(url, headers={"Accept": "text/turtle"} if url.startswith("/id/") else {})
    assert r.status_code == status, r.data[:300]
    if status >= 400 and r.is_json:
        error = r.get_json()["error"]
        assert error["status"] == status and error["message"]


def test_oversized_requests_are_refused(client):
    assert client.get("/search?q=" + "规" * 5000).status_code == 414
    assert client.get("/search.json?q=" + "a" * 9000).status_code == 414
    big = client.post("/sparql", data=b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * 300_000,
                      headers={"Content-Type": "application/sparql-query"})
    assert big.status_code == 413
    long_query = client.post("/sparql.json", data={"query": "ASK { ?s ?p ?o } #" + "x" * 30_000})
    assert long_query.status_code == 400


def test_oversized_upload_is_refused(hostile_data, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(hostile_data, data)
    client = create_app({"DATA_DIR": str(data), "ALLOW_UPLOAD": True}).test_client()
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path="/upload.json", method="POST",
                             data={"file": (io.BytesIO(b"x" * (21 * 1024 * 1024)), "big.txt")})
    environ = builder.get_environ()
    try:
        r = client.open(environ)
    finally:
        builder.close()
        environ["wsgi.input"].close()
    assert r.status_code == 413
    assert not (data / "uploads" / "big.txt").exists()


def test_no_stack_trace_when_the_data_is_broken(hostile_data, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(hostile_data, data)
    current = DataDir(data).current()
    (current / "plans" / "hostile-plan.json").write_text("{ not json", encoding="utf-8")
    app = create_app({"DATA_DIR": str(data)})
    assert not app.debug and not app.testing
    # Pages load a plan's model when they show it (the home page lists plans from the build's catalog).
    for url, mime in (("/plan/hostile-plan", "text/html"), ("/plan/hostile-plan.json", "application/json")):
        r = app.test_client().get(url)
        assert r.status_code == 500 and r.mimetype == mime
        body = r.get_data(as_text=True)
        assert "Traceback" not in body and "JSONDecodeError" not in body and str(data) not in body
        assert "服务器内部出错" in body


def test_debug_server_only_on_loopback(tmp_path):
    from web.cli import main

    result = CliRunner().invoke(main, ["serve", "--debug", "--host", "0.0.0.0", "--data-dir", str(tmp_path)])
    assert result.exit_code != 0 and "127.0.0.1" in result.output


# --- uploads: a failure changes nothing ---------------------------------------------------------------------

def test_failed_upload_rebuild_changes_nothing_and_frees_the_name(hostile_data, tmp_path):
    import importlib

    upload_view = importlib.import_module("web.views.upload")

    data = tmp_path / "data"
    shutil.copytree(hostile_data, data)
    client = create_app({"DATA_DIR": str(data), "ALLOW_UPLOAD": True}).test_client()
    before = client.get("/index.json").get_json()["plans"]
    body = "某某街道养老服务行动方案\n一、总体要求\n到2025年，新增养老床位100张。\n".encode()
    plans_dir = DataDir(data).current() / "plans"
    with upload_view.REBUILD_LOCK:  # the rebuild waits here while its input is taken away
        r = client.post("/upload.json", data={"file": (io.BytesIO(body), "new-plan.txt")},
                        content_type="multipart/form-data")
        assert r.status_code == 303
        plans_dir.rename(plans_dir.with_name("plans-away"))
    job_url = r.headers["Location"] + ".json"
    for _ in range(100):
        job = client.get(job_url).get_json()["job"]
        if job["state"] != "running":
            break
        time.sleep(0.1)
    assert job["state"] == "failed"
    assert not (data / "uploads" / "new-plan.txt").exists()
    plans_dir.with_name("plans-away").rename(plans_dir)
    assert client.get("/index.json").get_json()["plans"] == before
    again = client.post("/upload.json", data={"file": (io.BytesIO(body), "new-plan.txt")},
                        content_type="multipart/form-data")
    assert again.status_code == 303, again.data
    for _ in range(200):  # let the background rebuild finish before the directory goes away
        if client.get(again.headers["Location"] + ".json").get_json()["job"]["state"] != "running":
            break
        time.sleep(0.1)
