"""Building the graph one plan at a time: N-Triples spelling, the per-plan cache, lists and PlanSets alike."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

import graph
from graph.build import build_triples, literal, nt_literal
from ingest.model import Plan
from ingest.planset import PlanSet
from tests.conftest import edited


@pytest.mark.parametrize("value", [True, False, 0, 2035, -3, 0.5, 1e20, 0.1 + 0.2, "文本", "a\nb", 'q"u\\o\r\tte',
                                   "<not an iri>", " leading space", "emoji 🙂 and \x01"])
def test_literal_spelling_parses_back_to_the_same_term(value):
    spelt = f"<http://example.org/s> <http://example.org/p> {nt_literal(value)} .\n"
    (triple,) = [q.triple for q in ox.parse(spelt, format=ox.RdfFormat.N_TRIPLES)]
    assert triple.object == literal(value)


def exported(path) -> set[bytes]:
    with graph.open_store(path) as store:
        return set(graph.export(store, "nt").splitlines())



@pytest.fixture(scope="module")
def plans(corpus_plan_list) -> list[Plan]:
    return corpus_plan_list


def test_build_store_accepts_a_list_or_a_planset(plans, tmp_path):
    graph.build_store(plans, tmp_path / "list")
    graph.build_store(PlanSet.of(plans), tmp_path / "set")
    assert exported(tmp_path / "list") == exported(tmp_path / "set")
    meta = json.loads((tmp_path / "set" / "meta.json").read_text(encoding="utf-8"))
    assert meta["plans"] == [p.id for p in plans] and meta["triples"] > 5000
    left = {p.name for p in (tmp_path / "set").iterdir()}
    assert {"meta.json", "oxigraph"} <= left and not any(name.endswith(".nt") for name in left)


def test_build_triples_are_the_stores_facts(plans, tmp_path):
    graph.build_store(plans, tmp_path / "g")
    memory = ox.Store()
    memory.extend(ox.Quad(*t) for t in build_triples(plans))
    built = set(memory.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).splitlines())
    assert built and built <= exported(tmp_path / "g")


def test_a_rebuild_serialises_only_the_changed_plan_and_builds_the_same_graph(plans, tmp_path):
    cache = tmp_path / "cache"
    graph.build_store(plans, tmp_path / "first", cache=cache)
    before = {f.name: f.stat().st_mtime_ns for f in cache.iterdir()}
    assert len(before) == 3 * len(plans)  # N-Triples, items and summary contribution per plan
    revised = [edited(plans[0]), *plans[1:]]
    graph.build_store(revised, tmp_path / "second", cache=cache)
    after = {f.name: f.stat().st_mtime_ns for f in cache.iterdir()}
    new = set(after) - set(before)
    assert len(new) == 3 and all(f.startswith(PlanSet.of(revised).keys[0]) for f in new)
    assert all(after[name] == stamp for name, stamp in before.items())
    graph.build_store(revised, tmp_path / "fresh")
    assert exported(tmp_path / "second") == exported(tmp_path / "fresh") != exported(tmp_path / "first")


def test_similar_items_link_other_plans_only_and_at_most_top_each(plans):
    from graph.build import ITEM_KINDS
    from graph.links import similar_items
    from ingest.segment import cut

    items = [(f"{p.id}#{n.id}", p.id, n.text) for p in plans for n in p.walk()
             if n.kind in ITEM_KINDS and len(n.text) >= 15]
    found = similar_items(items, cut, top=2)
    group = {key: g for key, g, _ in items}
    assert found and all(group[a] != group[b] and 0.25 <= m.score <= 1 for m in found for a, b in [m.target])
    per_item = {}
    for m in found:
        per_item[m.target[0]] = per_item.get(m.target[0], 0) + 1
    assert max(per_item.values()) <= 2
    assert all(m.evidence.startswith("共同词: ") and len(m.evidence.split("、")) <= 5 for m in found)
