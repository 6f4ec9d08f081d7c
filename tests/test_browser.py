"""Browser tests: Playwright drives Debian's Chromium against a real server on the built corpus.

Screenshots of the main pages go to tests/artifacts/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                "(apt-get install chromium fonts-noto-cjk; `make browser-deps` does it)")


@pytest.fixture(scope="module")
def server(built_data):
    """A waitress server on a free loopback port, stopped after the module."""
    from waitress.server import create_server

    from web.app import create_app

    app = create_app({"DATA_DIR": str(built_data)})
    srv = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.effective_port}"
    srv.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.errors = errors
    yield tab
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_search_hit_entity_graph(server, page):
    page.goto(server + "/")
    shot(page, "home")
    page.fill(".big-search input[name=q]", "养老")
    page.press(".big-search input[name=q]", "Enter")
    page.wait_for_selector(".hit")
    shot(page, "search")
    page.click(".hit h3 a")
    page.wait_for_selector(".node:target")
    shot(page, "reader")
    mention = page.query_selector(".node a.mention")
    if mention is None:
        pytest.skip("no entity mention in the corpus yet")
    mention.click()
    page.wait_for_selector("#graph[data-rendered]", timeout=10_000)
    assert int(page.get_attribute("#graph", "data-rendered")) >= 1
    assert page.query_selector("#graph canvas") is not None
    shot(page, "entity")
    assert not page.errors, page.errors


def test_script_typed_into_search_is_text(server, page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server + "/search")
    page.fill(".big-search input[name=q]", "<script>alert(1)</script>")
    page.press(".big-search input[name=q]", "Enter")
    page.wait_for_load_state("load")
    assert page.input_value(".big-search input[name=q]") == "<script>alert(1)</script>"
    assert not dialogs
    assert page.evaluate("document.querySelectorAll('main script, main img').length") == 0
    assert "<script>alert(1)</script>" in page.title()


def test_trace_tree_expands(server, page):
    page.goto(server + "/trace")
    link = page.query_selector(".goal-list a")
    if link is None or page.query_selector(".notice"):
        pytest.skip("no goal to trace or no graph yet")
    link.click()
    page.wait_for_selector(".tree")
    closed = page.query_selector_all(".tree details:not([open])")
    page.click(".tree-toggle[data-open='1']")
    assert all(d.get_attribute("open") is not None for d in page.query_selector_all(".tree details"))
    shot(page, "trace")
    assert closed is not None and not page.errors, page.errors


def test_compare_shows_matrix_and_chart(server, page):
    page.goto(server + "/compare")
    shot(page, "compare")
    if page.query_selector("#matrix") is None:
        pytest.skip("the graph offers no theme matrix yet")
    assert page.query_selector_all("#matrix tbody tr")
    if page.query_selector("#indicator-chart"):
        page.wait_for_selector("#indicator-chart[data-rendered] canvas", timeout=10_000)
    assert not page.errors, page.errors


def test_indicators_sort_and_sparql_page(server, page):
    page.goto(server + "/indicators")
    shot(page, "indicators")
    if page.query_selector("table.sortable"):
        page.click("table.sortable thead th:nth-child(3)")
        assert page.get_attribute("table.sortable thead th:nth-child(3)", "aria-sort") == "ascending"
    page.goto(server + "/sparql")
    shot(page, "sparql")
    assert not page.errors, page.errors


def test_mobile_layout(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    tab = context.new_page()
    tab.goto(server + "/")
    shot(tab, "home-mobile")
    width = tab.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 400, "no horizontal scrolling on a phone"
