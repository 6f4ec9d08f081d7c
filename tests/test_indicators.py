"""The indicators table from the catalog: same rows as walking every plan's targets, paged, and its plan box."""

from __future__ import annotations

import dataclasses
import itertools
import sqlite3
from collections import Counter

import pytest

from ingest.model import Target
from web import catalog as catalog_module
from web.app import create_app
from web.catalog import FILE, Catalog, TargetFilter, write_catalog
from web.present import anchor, citation, short_title

#: (indicator, text, status) of a plan written to try the word index's edges beside the corpus plans.
EDGE_TARGETS = [
    ("绿化覆盖率", "到2025年，建成区绿化覆盖率达到40%。", "target"),
    ("GDP", "人均gdp年均增长6.5%左右。", "target"),  # the same letters in both cases, one case in each field
    ("养老床位", "每千名老人拥有养老床位数达到45张。", "achieved"),
    ("AB", "CD", "target"),  # BC only across the two fields: no match
    ("𠀀字", '引号"与 g 和 1g：letters', "achieved"),  # beyond the BMP, a quote, characters like the index's spelling
    ("率", "率", "target"),  # one character, at both ends of the value
    ("", "只有原文提到养老", "target"),
    ("老年", "养老、老年床位", "achieved"),  # every pair of 养老年 but not the word
]
#: Words of one, two, three and more characters, in the indicator, the text or neither, in either case.
EDGE_WORDS = ["率", "%", "g", '"', "𠀀", "养", "养老", "绿化", "BC", "gd", "GD", "GDP", "gdp", "Gdp", "覆盖率", "1g",
              "67g", "s", "养老床位数", "绿化覆盖率达到40%", "letters", "AB", "CD", "人口", "没有这样的指标词",
              "养老 床位", "养老年"]


@pytest.fixture(scope="module")
def plans(corpus_plans):
    return sorted(corpus_plans.values(), key=lambda p: p.id)


def written(build, plans):
    """Write a catalog of ``plans`` into ``build``, yield it opened, then close it."""
    write_catalog(build, plans)
    opened = Catalog.open(build)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def catalog(plans, tmp_path_factory):
    yield from written(tmp_path_factory.mktemp("build"), plans)


@pytest.fixture(scope="module")
def word_plans(plans):
    """The corpus plans and one written for the word filter's edge cases."""
    targets = [Target(id=f"edge-{n}", node_id=f"edge/no-node-{n}", text=text, indicator=indicator, value=float(n),
                      status=status) for n, (indicator, text, status) in enumerate(EDGE_TARGETS)]
    edge = dataclasses.replace(plans[0], id="word-edges", title="检索边界测试规划", outline=[], tables=[],
                               entities=[], targets=targets)
    return [*plans, edge]


@pytest.fixture(scope="module")
def word_catalog(word_plans, tmp_path_factory):
    yield from written(tmp_path_factory.mktemp("words"), word_plans)


@pytest.fixture(scope="module")
def client(built_data):
    return create_app({"DATA_DIR": str(built_data), "TESTING": True}).test_client()


def walked(plans, plan_id: str, status: str, words: str, sort: str) -> list[dict]:
    """The rows as the page made them before the catalog held targets: every plan's targets, sorted stably."""
    nodes = {node.id: (plan, node, path) for plan in plans for node, path in plan.walk_with_path()}
    rows = []
    for plan in plans:
        for target in plan.targets:
            if (plan_id and plan.id != plan_id) or (status and target.status != status) \
                    or (words and words not in target.indicator and words not in target.text):
                continue
            row = {**target.__dict__, "plan": short_title(plan), "plan_id": plan.id}
            if target.node_id in nodes:
                _, node, path = nodes[target.node_id]
                row.update(url=f"/plan/{plan.id}#{anchor(node.id)}", citation=citation(plan, node, path))
            rows.append(row)
    column = {"plan": "plan"}.get(sort, sort)

    def key(row):
        value = row.get(column)
        return value is None or value == "", value if isinstance(value, int | float) else str(value or "")

    return sorted(rows, key=key)


def test_catalog_rows_match_walking_the_plans(plans, catalog):
    assert catalog.count_targets(TargetFilter()) == sum(len(p.targets) for p in plans) > 50
    cases = itertools.product(["", plans[1].id], ["", "target", "achieved"], ["", "率", "%", "人口"],
                              ["plan", "indicator", "value", "year", "baseline"])
    for plan_id, status, words, sort in cases:
        where = TargetFilter(catalog.plan_ord(plan_id) if plan_id else None, status, words)
        expected = walked(plans, plan_id, status, words, sort)
        assert catalog.targets(where, sort) == expected, (plan_id, status, words, sort)
        assert catalog.count_targets(where) == len(expected)
        assert catalog.targets(where, sort, 5, 10) == expected[5:15]


#: Costs that make each of a page's routes the cheapest (``Catalog._route``), so each is checked on every case.
ROUTES = {"scan": {"COST_SET": 1e9, "COST_JOIN": 1e9}, "set": {"COST_READ": 1e9, "COST_JOIN": 1e9},
          "hits": {"COST_READ": 1e9, "COST_SET": 1e9}}


@pytest.mark.parametrize("route", ROUTES)
def test_word_filter_equals_pythons_in(word_plans, word_catalog, route, monkeypatch):
    for name, cost in ROUTES[route].items():
        monkeypatch.setattr(catalog_module, name, cost)
    for words in EDGE_WORDS:
        for status, plan_id in itertools.product(["", "target", "achieved"], ["", "word-edges", word_plans[1].id]):
            where = TargetFilter(word_catalog.plan_ord(plan_id) if plan_id else None, status, words)
            expected = walked(word_plans, plan_id, status, words, "value")
            case = (words, status, plan_id)
            assert word_catalog.targets(where, "value") == expected, case
            for offset, limit in [(0, 1), (0, 3), (2, 5), (4, 100)]:
                assert word_catalog.targets(where, "value", offset, limit) == expected[offset: offset + limit], case
            per_plan = Counter(row["plan_id"] for row in expected)
            assert word_catalog.target_counts(where) == {
                n: per_plan[p.id] for n, p in enumerate(word_plans) if per_plan[p.id]}, case


def test_word_cases_find_what_they_mean(word_plans, word_catalog):
    """The edge words find rows where intended, so the comparison above is not between empty lists."""
    def found(words):
        return [(row["indicator"], row["text"]) for row in word_catalog.targets(TargetFilter(words=words))]

    assert ("GDP", "人均gdp年均增长6.5%左右。") in found("GDP") == found("gdp")
    assert found("Gdp") == found("BC") == found("没有这样的指标词") == found("67g") == found("养老年") == []
    assert ("率", "率") in found("率") and len(found("率")) > 10 and len(found("%")) > 10
    assert [row for row in found("养老") if row[0] == ""] == [("", "只有原文提到养老")]
    assert found("𠀀") == found('"') == found("1g") == [("𠀀字", '引号"与 g 和 1g：letters')]
    assert len(found("g")) == 2 and found("绿化覆盖率达到40%") == [EDGE_TARGETS[0][:2]]
    assert ("AB", "CD") in found("AB") == found("CD")


def test_target_plans_rank_by_matching_targets(plans, catalog):
    counts = sorted(((-sum(t.status == "target" for t in p.targets), i, p.id) for i, p in enumerate(plans)))
    ranked = catalog.target_plans(catalog.target_counts(TargetFilter(status="target")), 10)
    assert [(pid, n) for pid, _, n in ranked] == [(pid, -n) for n, _, pid in counts if n]


def test_an_older_catalog_is_catalogued_again_with_targets(plans, tmp_path):
    write_catalog(tmp_path, plans)
    db = sqlite3.connect(tmp_path / FILE)
    db.execute("DROP TABLE targets")
    db.execute("UPDATE meta SET value = '1' WHERE key = 'version'")
    db.commit()
    db.close()
    opened = Catalog.open(tmp_path, lambda: plans)
    assert opened.count_targets(TargetFilter()) == sum(len(p.targets) for p in plans)
    assert opened.count_targets(TargetFilter(words="率")) == len(walked(plans, "", "", "率", "plan")) > 0
    opened.close()


def test_pages_join_into_the_whole_table(client):
    whole = client.get("/indicators.json?per_page=1000&sort=value").get_json()
    assert whole["page"] == whole["pages"] == 1 and whole["total"] == len(whole["targets"]) > 20
    first = client.get("/indicators.json?per_page=7&sort=value").get_json()
    assert (first["page"], first["pages"], first["total"]) == (1, -(-whole["total"] // 7), whole["total"])
    rows = [r for n in range(1, first["pages"] + 1)
            for r in client.get(f"/indicators.json?per_page=7&sort=value&page={n}").get_json()["targets"]]
    assert rows == whole["targets"]
    csv = client.get("/indicators.csv?per_page=7&page=2").get_data(as_text=True)
    assert len(csv.splitlines()) == whole["total"] + 1


def test_default_page_and_pager(client):
    data = client.get("/indicators.json").get_json()
    assert len(data["targets"]) == min(100, data["total"]) and data["per_page"] == 100
    html = client.get("/indicators?per_page=10&page=2").get_data(as_text=True)
    assert 'rel="prev"' in html and "第 2 / " in html and "<select name=\"plan\"" not in html


def test_plan_box_takes_a_title_and_suggests_plans(client):
    data = client.get("/indicators.json").get_json()
    chosen = data["plans"][0]
    assert chosen["count"] == max(p["count"] for p in data["plans"])
    by_id = client.get(f"/indicators.json?plan={chosen['id']}").get_json()
    by_title = client.get(f"/indicators.json?plan={chosen['title']}").get_json()
    assert by_id == by_title and by_id["total"] == chosen["count"] and by_id["filters"]["plan"] == chosen["id"]
    html = client.get(f"/indicators?plan={chosen['id']}").get_data(as_text=True)
    assert f'value="{chosen["title"]}" list="indicator-plans"' in html and "<datalist" in html


def test_search_plan_box_suggests_the_result_plans(client):
    data = client.get("/search.json?q=养老").get_json()
    facet = next(f for f in data["facets"] if f["name"] == "plan")
    assert [p["id"] for p in data["plan_choices"]] == [v["value"] for v in facet["values"]]
    html = client.get("/search?q=养老").get_data(as_text=True)
    assert '<datalist id="search-plans">' in html and '<select name="plan"' not in html
    title = data["plan_choices"][0]["title"]
    narrowed = client.get(f"/search.json?q=养老&plan={title}").get_json()
    assert narrowed["filters"]["plan"] == data["plan_choices"][0]["id"]
    assert f'value="{title}" list="search-plans"' in client.get(f"/search?q=养老&plan={title}").get_data(as_text=True)


def test_no_matching_target_is_one_empty_page(client):
    data = client.get("/indicators.json?q=没有这样的指标词").get_json()
    assert (data["total"], data["page"], data["pages"], data["targets"], data["plans"]) == (0, 1, 1, [], [])
    assert "没有符合条件的指标" in client.get("/indicators?q=没有这样的指标词").get_data(as_text=True)
