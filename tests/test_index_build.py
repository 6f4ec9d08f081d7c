"""The index writer: the same whoosh index as ``add_document`` writes, plans read one at a time, cached analyses."""

from __future__ import annotations

import json

import pytest
from whoosh import index as windex

import search
import search.index
import search.writer
from ingest.planset import PlanSet
from search.schema import build_schema
from search.substring import SubstringIndex
from search.units import plan_units

QUERIES = ["养老", "充电", "\"高质量发展\"", "老年人 日间照料", "kind:task 建设", "2025年", "GDP"]


def thesaurus():
    try:
        from graph.themes import load_thesaurus
    except ImportError:
        return None
    return load_thesaurus()


def whoosh_build(plans, path, tagger) -> None:
    """Build the index the plain whoosh way: ``add_document`` per unit (what the writer replaces)."""
    path.mkdir()
    ix = windex.create_in(str(path), build_schema())
    with ix.writer() as writer:
        for plan in plans:
            for unit in plan_units(plan, tagger):
                doc = search.writer.document(unit)
                writer.add_document(**search.writer.with_themes(doc, unit["themes"]))


def dump(path) -> dict:
    """Return everything a search reads from a whoosh index: postings with term statistics, lengths, stored fields."""
    ix = windex.open_dir(str(path))
    out = {}
    with ix.reader() as r:
        n = r.doc_count_all()
        for name in r.indexed_field_names():
            for term in r.lexicon(name):
                info = r.term_info(name, term)
                m = r.postings(name, term)
                postings = []
                while m.is_active():
                    postings.append((m.id(), m.weight(), m.value()))
                    m.next()
                out[name, term] = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                                   info.max_weight(), info.min_id(), info.max_id(), postings)
            out["#length", name] = [r.doc_field_length(d, name) for d in range(n)], r.field_length(name)
        out["#stored"] = [r.stored_fields(d) for d in range(n)]
        for name in ("group", "rank", "chapter", "theme_list"):
            out["#column", name] = list(r.column_reader(name))
    return out


@pytest.fixture(scope="module")
def plans(corpus_plans):
    return list(corpus_plans.values())


def test_same_index_as_add_document(plans, tmp_path):
    th = thesaurus()
    tagger = th.tag if th else None
    whoosh_build(plans, tmp_path / "whoosh", tagger)
    search.build_index(plans, tmp_path / "ours", tagger=tagger)
    assert dump(tmp_path / "ours") == dump(tmp_path / "whoosh")


def test_spilled_postings_merge_to_the_same_index(plans, tmp_path, monkeypatch):
    search.build_index(plans, tmp_path / "held")
    monkeypatch.setattr(search.writer, "SPILL", 500)
    search.build_index(plans, tmp_path / "spilled")
    assert dump(tmp_path / "spilled") == dump(tmp_path / "held")


def test_substring_table_built_per_plan(plans, tmp_path):
    search.build_index(plans, tmp_path)
    texts = [search.writer.substring_text(u) for p in plans for u in plan_units(p)]
    whole = SubstringIndex.from_texts(texts)
    loaded = SubstringIndex.load(tmp_path)
    assert loaded.texts == whole.texts
    for gram in ("充电", "养", "发展", "zz"):
        assert list(loaded.posting(gram)) == list(whole.posting(gram))


def test_planset_and_cache(plans, tmp_path, monkeypatch):
    files = []
    for i, plan in enumerate(plans):
        f = tmp_path / f"plan{i}.json"
        f.write_text(json.dumps(plan.to_dict(), ensure_ascii=False), encoding="utf-8")
        files.append((PlanSet.of([plan]).keys[0], f))
    planset = PlanSet(files)
    cache = tmp_path / "cache"
    search.build_index(plans, tmp_path / "list")
    analysed = []
    real = search.index.analyse
    monkeypatch.setattr(search.index, "analyse", lambda plan, schema: analysed.append(plan.id) or real(plan, schema))
    search.build_index(planset, tmp_path / "first", cache=cache)
    assert len(analysed) == len(plans)
    assert len(list(cache.iterdir())) == len(plans)
    assert dump(tmp_path / "first") == dump(tmp_path / "list")

    analysed.clear()
    search.build_index(planset, tmp_path / "again", cache=cache)
    assert analysed == []
    assert dump(tmp_path / "again") == dump(tmp_path / "list")

    changed = plans[0].from_dict({**plans[0].to_dict(), "title": plans[0].title + "（修订）"})
    files[0] = (PlanSet.of([changed]).keys[0], files[0][1])
    files[0][1].write_text(json.dumps(changed.to_dict(), ensure_ascii=False), encoding="utf-8")
    analysed.clear()
    search.build_index(PlanSet(files), tmp_path / "changed", cache=cache)
    assert analysed == [changed.id]
    assert len(list(cache.iterdir())) == len(plans)  # the old plan's analysis is gone
    fresh = search.open_index(tmp_path / "changed")
    assert [p["title"] for p in fresh.meta["plans"]][0] == changed.title
    search.build_index([changed, *plans[1:]], tmp_path / "nocache")
    assert dump(tmp_path / "changed") == dump(tmp_path / "nocache")
    plain = search.open_index(tmp_path / "nocache")
    for q in QUERIES:
        assert fresh.search(q, limit=20)["hits"] == plain.search(q, limit=20)["hits"]
