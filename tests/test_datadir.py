"""A build's plans on disk: model files linked from a PlanSet, the manifest, and the catalog a server reads
instead of loading every plan.  The lazy corpus must answer exactly what walking every model answers."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from ingest.planset import PlanSet
from tests.conftest import holdout_files
from web.catalog import FILE, Catalog
from web.datadir import plan_set, read_manifest, read_plans, write_plans
from web.present import citation, plan_counts
from web.state import Corpus, PlanRef


@pytest.fixture(scope="module")
def plans(corpus_plans):
    """The corpus plans and the holdout documents (when ../shared is there), parsed."""
    from ingest import parse_file

    return [*corpus_plans.values(), *(parse_file(p) for p in holdout_files())]


@pytest.fixture(scope="module")
def stored(plans, tmp_path_factory):
    """The plans as JSON model files, as the build's parse cache holds them, and their PlanSet."""
    folder = tmp_path_factory.mktemp("cache")
    files = []
    for n, plan in enumerate(plans):
        path = folder / f"key{n}.json"
        path.write_text(json.dumps(plan.to_dict(), ensure_ascii=False), encoding="utf-8")
        files.append((f"key{n}", path))
    return PlanSet(files)


@pytest.fixture(scope="module")
def build(stored, tmp_path_factory):
    build = tmp_path_factory.mktemp("build")
    write_plans(build, stored)
    return build


def test_a_planset_is_linked_not_rewritten(stored, build):
    for path in stored.paths:
        plan_id = json.loads(path.read_text(encoding="utf-8"))["id"]
        assert (build / "plans" / f"{plan_id}.json").samefile(path)
    assert [p["key"] for p in read_manifest(build)["plans"]] == stored.keys


def test_a_list_and_a_planset_write_the_same_build(plans, build, tmp_path):
    write_plans(tmp_path, plans)
    mine, theirs = read_manifest(tmp_path), read_manifest(build)
    assert [{k: v for k, v in p.items() if k != "key"} for p in mine["plans"]] == \
           [{k: v for k, v in p.items() if k != "key"} for p in theirs["plans"]]
    assert [p.to_dict() for p in read_plans(tmp_path)] == [p.to_dict() for p in plans]
    assert [p.to_dict() for p in plan_set(build)] == [p.to_dict() for p in plans]
    assert plan_set(tmp_path).keys == PlanSet.of(plans).keys


def test_the_catalog_knows_every_node_and_entity(plans, build):
    catalog = Catalog.open(build)
    for plan in plans:
        for node, path in plan.walk_with_path():
            assert catalog.node(node.id) == {"plan": plan.id, "kind": node.kind,
                                             "label": node.title or node.text[:40],
                                             "citation": citation(plan, node, path),
                                             "path": [p.title for p in path]}
    assert catalog.node("no/such-node") is None
    holders: dict[str, list[str]] = {}
    for plan in plans:
        for entity in plan.entities:
            holders.setdefault(entity.id, [])
            if plan.id not in holders[entity.id]:
                holders[entity.id].append(plan.id)
    assert {e: catalog.entity_plans(e) for e in holders} == holders
    assert catalog.entity_ids() == list(holders)
    assert [c for _, _, c in catalog.plans()] == [plan_counts(p) for p in plans]


def test_catalog_queries_equal_walking_every_plan(plans, build):
    catalog = Catalog.open(build)
    # the trace page's sources: most mentioned projects and places first, one per label
    found = [(len(e.mentions), e) for plan in plans for e in plan.entities if e.type in ("project", "place")]
    found.sort(key=lambda pair: -pair[0])
    seen, expected = set(), []
    for _, entity in found:
        if entity.label not in seen:
            seen.add(entity.label)
            expected.append(entity.id)
    assert [e["id"] for e in catalog.top_entities(("project", "place"), 200)] == expected[:200]
    # co-mentions: the entities mentioned in a set of passages, with how many of them mention each
    first = plans[0]
    nodes = {n.id for n in first.outline[1].walk()} if len(first.outline) > 1 else {n.id for n in first.walk()}
    counts = Counter()
    for plan in plans:
        for entity in plan.entities:
            counts[entity.id] += sum(m.node_id in nodes for m in entity.mentions)
    assert catalog.entities_in(nodes) == {k: v for k, v in counts.items() if v}
    goals = [(n.id, n.title or n.text[:40], p.id) for p in plans for n in p.walk() if n.kind == "goal"]
    assert catalog.nodes_of_kind("goal") == goals


@pytest.mark.parametrize("cache_size", [1, 64])
def test_the_lazy_corpus_answers_as_the_models_do(plans, build, cache_size):
    corpus = Corpus(build, cache_size)
    assert [p.summary() for p in corpus.plans] == [p.summary() for p in plans]
    assert all(isinstance(p, PlanRef) for p in corpus.plans)
    assert len(corpus.models) == 0, "listing plans loads no model"
    for plan in plans:
        ref = corpus.plan(plan.id)
        assert ref.text == plan.text and ref.targets == plan.targets and plan_counts(ref) == plan_counts(plan)
        for node, path in plan.walk_with_path():
            found, item, ancestors = corpus.nodes[node.id]
            assert (found.id, item, ancestors) == (plan.id, node, path)
    assert len(corpus.models) <= cache_size
    expected: dict[str, list] = {}
    for plan in plans:
        for entity in plan.entities:
            expected.setdefault(entity.id, []).append((plan.id, entity))
    assert {e: [(p.id, item) for p, item in corpus.entities[e]] for e in expected} == expected
    assert "no-such-entity" not in corpus.entities and "no/such" not in corpus.nodes
    assert len(corpus.models) <= cache_size


def test_a_build_without_a_catalog_is_catalogued_in_memory(plans, build, tmp_path):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(build, old)
    (old / FILE).unlink()
    corpus = Corpus(old)
    assert [p.listing for p in corpus.plans] == [plan_counts(p) for p in plans]
    node = next(plans[0].walk())
    assert corpus.node_info(node.id)["citation"] == Corpus(build).node_info(node.id)["citation"]


@pytest.mark.parametrize("kept", [1, 3, 10_000])
def test_entity_contexts_are_the_first_mentions_in_plan_order(plans, tmp_path, monkeypatch, kept):
    from web import catalog as cat

    monkeypatch.setattr(cat, "MENTIONS_SHOWN", kept)
    cat.write_catalog(tmp_path, plans)
    catalog = Catalog.open(tmp_path)
    expected: dict[str, list[tuple]] = {}
    for plan in plans:
        where = {n.id: (n, path) for n, path in plan.walk_with_path()}
        for e in plan.entities:
            for m in e.mentions:
                rows = expected.setdefault(e.id, [])
                if m.node_id in where and len(rows) < kept:
                    node, path = where[m.node_id]
                    rows.append((plan.id, plan.title, node.id, citation(plan, node, path),
                                 plan.text[max(0, m.start - cat.CONTEXT):m.start], m.surface,
                                 plan.text[m.end:m.end + cat.CONTEXT]))
    assert kept > 100 or any(len(rows) == kept for rows in expected.values())  # the cap was reached
    assert {e: catalog.contexts(e) for e in expected} == expected
    first = {e.id: e for plan in reversed(plans) for e in reversed(plan.entities)}
    assert all(catalog.entity(e)["aliases"] == first[e].aliases for e in expected)


def test_builds_published_within_one_second_are_pruned_oldest_first(tmp_path, monkeypatch):
    from web.datadir import KEEP_BUILDS, DataDir

    monkeypatch.setattr("web.datadir.GRACE_SECONDS", -1)  # prune at once
    data = DataDir(tmp_path)
    published = [data.publish(data.new_build()).name for _ in range(6)]
    assert sorted(published) == published
    assert sorted(p.name for p in data.builds.iterdir()) == published[-KEEP_BUILDS:]
    assert (tmp_path / "CURRENT").read_text(encoding="utf-8") == published[-1]
