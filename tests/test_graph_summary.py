"""The summary readers start from, made per plan from the cached N-Triples: the same tables as asking the store."""

from __future__ import annotations

import copy
import pickle
import sqlite3
import zlib

import pytest

import graph
from graph import summary
from ingest.model import Plan
from ingest.planset import PlanSet
from tests.conftest import edited


def tables(path) -> dict[str, list[str]]:
    """Return every table of a build's summary, rows spelt out (pickled values unpickled) and sorted."""

    def spelt(value: object) -> str:
        if isinstance(value, bytes):
            try:
                value = pickle.loads(value)
            except pickle.UnpicklingError:
                value = pickle.loads(zlib.decompress(value))
        return repr(value)

    db = sqlite3.connect(path / summary.SUMMARY_FILE)
    try:
        names = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: sorted("|".join(map(spelt, row)) for row in db.execute(f"SELECT * FROM {name}"))
                for name in names}
    finally:
        db.close()



@pytest.fixture(scope="module")
def plans(corpus_plan_list) -> list[Plan]:
    return corpus_plan_list


def test_the_summary_from_cached_parts_has_the_tables_of_the_store(plans, tmp_path):
    cache = tmp_path / "cache"
    graph.build_store(plans, tmp_path / "parts", cache=cache)
    graph.build_store(plans, tmp_path / "store")
    made = tables(tmp_path / "parts")
    assert made == tables(tmp_path / "store")
    assert len(made["plan"]) == 2 and made["res"] and made["mention"] and made["entity"] and made["gram_df"]
    assert len(list(cache.glob("*.summary"))) == len(plans)


def test_a_rebuild_makes_only_the_changed_plans_contribution_and_the_same_tables(plans, tmp_path):
    cache = tmp_path / "cache"
    graph.build_store(plans, tmp_path / "first", cache=cache)
    kept = {f.name: f.stat().st_mtime_ns for f in cache.glob("*.summary")}
    changed = [edited(plans[0]), *plans[1:]]
    graph.build_store(changed, tmp_path / "second", cache=cache)
    after = {f.name: f.stat().st_mtime_ns for f in cache.glob("*.summary")}
    (new,) = set(after) - set(kept)
    assert new.startswith(PlanSet.of(changed).keys[0])
    assert all(after[name] == stamp for name, stamp in kept.items() if name in after)
    graph.build_store(changed, tmp_path / "fresh")
    assert tables(tmp_path / "second") == tables(tmp_path / "fresh") != tables(tmp_path / "first")


def test_an_indicator_labelled_by_two_plans_has_both_labels_in_each(plans, tmp_path):
    """An indicator's IRI drops what brackets hold, so two plans can label one indicator differently: the store
    gives each plan's targets both labels, and so must the summary made from each plan's own triples."""
    first, second = copy.deepcopy(plans[0]), copy.deepcopy(plans[1])
    shared = next(t for t in first.targets if t.indicator)
    other = next(t for t in second.targets if t.indicator)
    other.indicator = f"{shared.indicator}（单位）"
    graph.build_store([first, second], tmp_path / "parts", cache=tmp_path / "cache")
    graph.build_store([first, second], tmp_path / "store")
    made = tables(tmp_path / "parts")
    assert made == tables(tmp_path / "store")
    both = [row for row in made["plan"] if repr(shared.indicator) in row and repr(other.indicator) in row]
    assert len(both) == 2


def test_without_parts_the_summary_asks_the_store(plans, tmp_path):
    graph.build_store(plans, tmp_path / "g")
    with graph.open_store(tmp_path / "g") as store:
        (tmp_path / "g" / summary.SUMMARY_FILE).unlink()
        summary.save(tmp_path / "g", store)
    assert (tmp_path / "g" / summary.SUMMARY_FILE).is_file()
    with graph.open_store(tmp_path / "g") as store:
        assert [p["title"] for p in summary.summary(store).plans()] == sorted(
            (p.title for p in plans), key=lambda title: next(p.id for p in plans if p.title == title))
