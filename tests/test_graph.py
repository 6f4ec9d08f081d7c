"""The knowledge graph built from the corpus: shapes, links, trace, compare, export, SPARQL."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pyshacl
import pytest
import rdflib
from openpyxl import load_workbook

import graph
from web.datadir import DataDir


@pytest.fixture(scope="module")
def store(built_data):
    with graph.open_store(DataDir(built_data).require() / "graph") as opened:
        yield opened


def walk(node):
    yield node
    for child in node.get("children", []):
        yield from walk(child)


def test_exported_graph_loads_and_passes_shapes(store):
    data = rdflib.Graph().parse(data=graph.export(store, "nt").decode("utf-8"), format="nt")
    shapes = rdflib.Graph().parse(source=str(Path(graph.__file__).parent / "shapes.ttl"))
    conforms, _, report = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    assert conforms, report[:2000]


# rdflib's own JSON-LD parser still builds a ConjunctiveGraph internally.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize("fmt", ["turtle", "json-ld", "nt"])
def test_export_formats_parse(store, fmt):
    data = rdflib.Graph().parse(data=graph.export(store, fmt), format={"nt": "nt"}.get(fmt, fmt))
    assert len(data) > 5000


def test_every_fact_has_provenance(store):
    rows = graph.sparql(store, """SELECT (COUNT(?s) AS ?n) WHERE {
        VALUES ?c { pg:Target pg:Mention pg:ThemeTag pg:Link }
        ?s a ?c . FILTER NOT EXISTS { ?s pg:sourceNode ?n ; pg:charStart ?a ; pg:charEnd ?b } }""")
    assert rows["rows"] == [{"n": 0}]


@pytest.mark.parametrize("goal,plan,projects", [
    ("民生福祉对标", "杭州道", ["日间照料中心", "智慧养老平台", "九年一贯制学校"]),
    ("盐光互补新能源产业", "大沽", ["光伏发电", "制盐废液综合利用"]),
])
def test_trace_goal_reaches_projects(store, goal, plan, projects):
    result = graph.trace(store, goal, plan)
    assert result["goal"]["label"] == goal and plan in result["goal"]["plan"]
    assert result["tree"]["kind"] == "goal"
    labels = [n["label"] for n in walk(result["tree"]) if n["kind"] == "project"]
    for want in projects:
        assert any(want in label for label in labels), (want, labels)
    assert {n["kind"] for n in walk(result["tree"])} <= {"goal", "task", "project", "place", "organisation", "target"}


def test_goal_items_link_to_differently_worded_headings(store):
    tree = graph.trace(store, "都市安全与健康", "杭州道")["tree"]
    heading = tree["children"][0]
    assert heading["label"].startswith("实施都市安全健康工程") and heading["score"] >= 0.8


@pytest.mark.parametrize("goal", ["西部智慧微城区", "汽车销售服务产业"])
def test_dagu_goals_reach_chapters_three_and_four(store, goal):
    tree = graph.trace(store, goal, "大沽")["tree"]
    assert tree["children"], tree


def test_trace_errors(store):
    with pytest.raises(graph.NotFound, match="no goal"):
        graph.trace(store, "完全不存在的目标词")


def test_trace_from_project(store):
    result = graph.trace_from(store, "智慧养老平台")
    assert result["from"]["kind"] == "project"
    assert any(g["label"] == "民生福祉对标" for g in result["goals"])


@pytest.mark.parametrize("theme,hzd,dagu", [("养老", True, True), ("夜间经济", True, False), ("二手车", False, True)])
def test_compare_claims_only_plans_addressing_a_theme(store, theme, hzd, dagu):
    result = graph.compare(store, [theme])
    per = {p: any(t["plans"][p] for t in result["themes"]) for p in result["plans"]}
    assert [v for p, v in per.items() if "杭州道" in p] == [hzd]
    assert [v for p, v in per.items() if "大沽" in p] == [dagu]


def test_compare_all_themes_and_workbook(store, tmp_path):
    result = graph.compare(store, [])
    assert len(result["themes"]) > 20
    path = tmp_path / "c.xlsx"
    graph.write_xlsx(result, path)
    book = load_workbook(path)
    assert book.sheetnames[0] == "总览" and "指标对比" in book.sheetnames
    assert len(book.sheetnames) == len(result["themes"]) + 2


def test_themes_overview(store):
    overview = graph.themes_overview(store)
    row = next(t for t in overview["themes"] if t["label"] == "养老")
    assert all(n > 0 for n in row["counts"].values())


@pytest.mark.parametrize("query,message", [
    ("DELETE WHERE { ?s ?p ?o }", "DELETE is refused"),
    ("INSERT DATA { <a:b> <a:c> <a:d> }", "INSERT is refused"),
    ("LOAD <http://example.org/x>", "LOAD is refused"),
    ("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }", "SERVICE is refused"),
    ("DROP ALL", "DROP is refused"),
    ("hello", "must be SELECT"),
    ("SELECT WHERE {", "syntax"),
])
def test_sparql_refuses_writes_and_bad_queries(store, query, message):
    with pytest.raises(graph.QueryError, match=message):
        graph.sparql(store, query)


def test_sparql_select_ask_construct(store):
    sel = graph.sparql(store, 'SELECT ?t WHERE { ?p a pg:Plan ; dcterms:title ?t } ORDER BY ?t', limit=1)
    assert sel["type"] == "select" and sel["truncated"] and len(sel["rows"]) == 1
    assert graph.sparql(store, "ASK { ?s a pg:Project }") == {"type": "ask", "value": True}
    con = graph.sparql(store, "CONSTRUCT { ?p a pg:Plan } WHERE { ?p a pg:Plan }")
    assert con["type"] == "graph" and len(con["triples"]) == 2
    text = graph.sparql(store, 'SELECT ?s WHERE { ?s rdfs:label "DELETE me" }')
    assert text["rows"] == []


def test_entity_and_neighbourhood(store):
    ent = graph.entity(store, "智慧养老平台")
    assert ent["kind"] == "project" and ent["mentions"] and "智慧养老平台" in ent["mentions"][0]["context"]
    around = graph.neighbourhood(store, ent["id"], depth=2, limit=30)
    ids = {n["id"] for n in around["nodes"]}
    assert ent["id"] in ids and len(ids) <= 30
    assert all(e["source"] in ids and e["target"] in ids for e in around["edges"])
    json.dumps(around, ensure_ascii=False)


def test_similar_items_across_plans(store):
    rows = graph.sparql(store, """SELECT ?a ?b ?score WHERE {
        ?l a pg:Link ; pg:linkType pg:similarTo ; pg:linkFrom ?a ; pg:linkTo ?b ; pg:score ?score .
        ?a pg:inPlan ?pa . ?b pg:inPlan ?pb . FILTER(?pa != ?pb) }""")["rows"]
    assert rows and all(0 < r["score"] <= 1 for r in rows)


def test_two_processes_read_the_store_at_once(store):
    code = "import graph,sys; s=graph.open_store(sys.argv[1]); print(graph.sparql(s,'ASK { ?s ?p ?o }')['value'])"
    out = subprocess.run([sys.executable, "-c", code, str(store.path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_missing_store(tmp_path):
    with pytest.raises(graph.StoreMissing, match="plangraph build"):
        graph.open_store(tmp_path)


def test_literals_match_rdflib_typing():
    from graph.build import literal
    from graph.store import to_ox

    for value in (True, False, 0, 2035, -3, "文本", "a\nb"):
        assert literal(value) == to_ox(rdflib.Literal(value))
    for value in (0.5, 1.0, 1e20, 0.1 + 0.2, -2.5):
        assert literal(value) == to_ox(rdflib.Literal(value, datatype=rdflib.XSD.decimal))


def test_build_is_deterministic(corpus_plans, tmp_path):
    """Two builds of the corpus under different string hash seeds export the same set of triples."""
    import pickle

    plans = tmp_path / "plans.pkl"
    plans.write_bytes(pickle.dumps(list(corpus_plans.values())))
    code = ("import pickle,sys,graph; from pathlib import Path; p=Path(sys.argv[2]); "
            "graph.build_store(pickle.loads(Path(sys.argv[1]).read_bytes()), p); "
            "s=graph.open_store(p); p.with_suffix('.nt').write_bytes(graph.export(s,'nt'))")
    dumps = []
    for seed in ("1", "2"):
        out = tmp_path / f"g{seed}"
        subprocess.run([sys.executable, "-c", code, str(plans), str(out)], check=True,
                       env={**__import__("os").environ, "PYTHONHASHSEED": seed})
        dumps.append(set(out.with_suffix(".nt").read_bytes().splitlines()))
    assert len(dumps[0]) > 5000 and dumps[0] == dumps[1]


def test_summary_rows_equal_the_stores_answers(store):
    """The rows the build keeps per plan are, over all plans, exactly what SPARQL gives on the whole store."""
    import importlib

    rows, summary = importlib.import_module("graph.rows"), importlib.import_module("graph.summary").summary(store)
    plans = [p["plan"] for p in summary.plans()]
    kept: dict[str, list] = {name: [] for name in rows.queries()}
    fields = {}
    for plan in plans:
        outline, compare = summary.outline_rows(plan), summary.compare_rows([plan])[plan]
        for name in ("resources", "mentions", "targets", "links"):
            kept[name] += outline[name]
        kept["tags"] += compare["tags"]
        kept["texts"] += compare["texts"]
        fields.update(compare["fields"])
    kept["goals"] = summary.get("goals")
    kept["entities"] = [row for found in summary.entity_rows(sorted(summary.query_entities())).values()
                        for row in found]
    for name, query in rows.queries().items():
        answer = store.select(query)
        if name == "target-fields":
            assert fields == {r["t"]: r for r in answer}
        else:
            assert sorted(map(repr, kept[name])) == sorted(map(repr, answer)), name


def test_rows_answer_as_sparql_does(store):
    """Each answer function of graph.rows gives exactly the store's SPARQL answer over the whole graph."""
    import importlib

    import pyoxigraph as ox

    rows = importlib.import_module("graph.rows")
    facts = rows.facts(tuple(q)[:3] for q in ox.parse(graph.export(store, "nt"), format=ox.RdfFormat.N_TRIPLES))
    for name, query in rows.queries().items():
        assert rows.ANSWERS[name](facts) == store.select(query), name


def test_summary_made_in_memory_without_the_file(store, tmp_path):
    """A build without the summary file is read through a summary made in memory from the store."""
    import shutil

    copy = tmp_path / "graph"
    shutil.copytree(store.path, copy)
    (copy / "summary.sqlite").unlink()
    with graph.open_store(copy) as bare:
        assert graph.themes_overview(bare) == graph.themes_overview(store)
        assert graph.trace(bare, "民生福祉对标") == graph.trace(store, "民生福祉对标")
        assert graph.compare(bare, ["养老"]) == graph.compare(store, ["养老"])


def test_compare_picks_plans_by_id_even_when_titles_are_shared(corpus_plan_list, tmp_path):
    first, second = corpus_plan_list
    twin = dataclasses.replace(first, id="twin-of-first", source="twin.txt")  # same title, another plan
    graph.build_store([first, twin, second], tmp_path / "graph", cache=tmp_path / "cache")
    with graph.open_store(tmp_path / "graph") as opened:
        assert sorted(graph.compare(opened, ["养老"], [first.id, second.id])["plans"]) == sorted(
            [first.title, second.title])
        assert len(graph.compare(opened, ["养老"], [first.title])["plans"]) == 2  # a title names both twins
        assert len(graph.compare(opened, ["养老"], [first.title[:6]])["plans"]) >= 2  # a title part, every match


def test_themes_overview_counts_each_plan_even_when_titles_are_shared(corpus_plan_list, tmp_path):
    first, second = corpus_plan_list
    twin = dataclasses.replace(second, id="second-titled-as-first", title=first.title, source="twin.txt")
    alone = {}
    for plan in (first, twin):
        graph.build_store([plan], tmp_path / plan.id)
        with graph.open_store(tmp_path / plan.id) as opened:
            alone[plan.id] = {t["id"]: t["counts"][plan.id] for t in graph.themes_overview(opened)["themes"]}
    graph.build_store([first, twin], tmp_path / "both")
    with graph.open_store(tmp_path / "both") as opened:
        both = graph.themes_overview(opened)["themes"]
    assert alone[first.id] != alone[twin.id]
    for plan in (first, twin):
        assert {t["id"]: t["counts"][plan.id] for t in both if t["id"] in alone[plan.id]} == alone[plan.id]


def test_compare_keeps_apart_plans_that_share_a_title(corpus_plan_list, tmp_path):
    first, second = corpus_plan_list
    twin = dataclasses.replace(second, id="second-titled-as-first", title=first.title, source="twin.txt")
    graph.build_store([first, twin], tmp_path / "graph")
    with graph.open_store(tmp_path / "graph") as opened:
        result = graph.compare(opened, ["养老"], [first.id, twin.id])
    keys = result["plans"]
    assert len(set(keys)) == 2 and result["plan_ids"] == [first.id, twin.id]
    assert all(first.title in key for key in keys)
    items = [{i["id"] for t in result["themes"] for i in t["plans"][key]} for key in keys]
    assert items[0] and items[1] and not items[0] & items[1]
