"""Graph pages at scale: the home page lists a page of plans at a time, with the theme counts of those plans."""

from __future__ import annotations

import graph
from web.app import create_app
from web.datadir import DataDir


def test_home_pages_through_the_plans_with_their_theme_counts(built_data):
    whole = create_app({"DATA_DIR": str(built_data), "TESTING": True}).test_client().get("/index.json").get_json()
    client = create_app({"DATA_DIR": str(built_data), "TESTING": True, "HOME_PER_PAGE": 1}).test_client()
    pages = [client.get("/index.json", query_string={"page": n}).get_json() for n in (1, 2)]
    assert [p["plans"] for p in pages] == [[whole["plans"][0]], [whole["plans"][1]]]
    assert all(p["total"] == 2 and p["pages"] == 2 for p in pages)
    with graph.open_store(DataDir(built_data).require() / "graph") as store:
        overview = graph.themes_overview(store)
    for p in pages:
        plan_id = p["plans"][0]["id"]
        expected = {t["id"]: t["counts"][plan_id] for t in overview["themes"] if t["counts"][plan_id]}
        assert {t["id"]: t["plans"][plan_id] for t in p["themes"]} == expected
    assert "下一页" in client.get("/").get_data(as_text=True)
    assert client.get("/index.json", query_string={"page": 3}).status_code == 400
