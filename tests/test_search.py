"""Search over the real corpus: quality, highlights, filters, facets, de-duplication, explain, bad input."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

import search
from search.analysis import query_words
from search.evaluate import evaluate
from search.units import norm

HERE = Path(__file__).resolve().parent
DEV_GOLD = HERE.parent.parent / "shared" / "eval" / "dev.json"


def thesaurus():
    """The graph layer's thesaurus, or None while it cannot be imported."""
    try:
        from graph.themes import load_thesaurus
    except ImportError:
        return None
    return load_thesaurus()


@pytest.fixture(scope="module")
def searcher(corpus_plans, tmp_path_factory):
    th = thesaurus()
    path = tmp_path_factory.mktemp("index")
    search.build_index(list(corpus_plans.values()), path, tagger=th.tag if th else None)
    return search.open_index(path, expander=th.expand if th else None)


@pytest.fixture(scope="module")
def plain(corpus_plans, tmp_path_factory):
    """The same corpus without themes or expansion."""
    path = tmp_path_factory.mktemp("plain")
    search.build_index(list(corpus_plans.values()), path)
    return search.open_index(path)


def test_own_query_set_quality(plain):
    cases = json.loads((HERE / "search_queries.json").read_text(encoding="utf-8"))["queries"]
    assert len(cases) >= 30
    result = evaluate(plain, cases)
    assert result["misses"] == []
    assert result["mrr"] >= 0.85


@pytest.mark.skipif(not DEV_GOLD.exists(), reason="shared gold not beside the checkout")
def test_dev_gold_search(searcher):
    gold = json.loads(DEV_GOLD.read_text(encoding="utf-8"))
    cases = gold["search"] + (gold["search_semantic"] if searcher.expander else [])
    result = evaluate(searcher, cases)
    assert result["misses"] == []


def test_result_shape(searcher):
    res = searcher.search("养老", limit=3)
    assert set(res) >= {"query", "total", "expanded", "hits", "facets", "page", "pages"}
    assert set(res["facets"]) == {"plan", "kind", "theme", "chapter"}
    hit = res["hits"][0]
    assert set(hit) >= {"id", "plan", "plan_id", "kind", "title", "path", "text", "score", "highlight", "themes"}
    assert len(res["hits"]) == 3 and res["pages"] == -(-res["total"] // 3)
    assert sum(res["facets"]["plan"].values()) == res["total"]


def test_hits_are_units_not_chapters(searcher):
    for q in ("发展", "建设", "社区"):
        for hit in searcher.search(q, limit=50)["hits"]:
            assert len(hit["text"]) <= 800
            assert hit["kind"] != "chapter" or len(hit["text"]) < 80


def test_no_text_repeated_at_several_levels(searcher):
    for q in ("养老", "垃圾分类", "法治", "实施载体内拓与产业升级工程"):
        keys = [(h["plan_id"], norm(h["text"])) for h in searcher.search(q, limit=100)["hits"]]
        assert len(keys) == len(set(keys)), q


def test_quoted_phrase_is_exact(plain):
    hits = plain.search('"日间照料中心"', limit=50)["hits"]
    assert hits and all("日间照料中心" in h["title"] + h["text"] for h in hits)


def test_phrase_ranks_whole_phrase_first(plain):
    hit = plain.search("生活垃圾分类")["hits"][0]
    assert "生活垃圾分类" in hit["text"]


@pytest.mark.parametrize("query", ["光伏", "充电", "老年人", "TOD", "Acne"])
def test_highlights_mark_whole_words(plain, query):
    for hit in plain.search(query)["hits"]:
        for marked in re.findall(r"<b>(.*?)</b>", hit["highlight"]):
            assert query.lower() in marked.lower()


def test_highlight_never_marks_a_lone_year_character(plain):
    for hit in plain.search("2027年", limit=20)["hits"]:
        assert "<b>年</b>" not in hit["highlight"]


def test_highlight_escapes_html(plain):
    hits = plain.search("Acne")["hits"]
    assert hits
    from search.highlight import highlight

    assert highlight("<script>养老</script>", ["养老"]) == "&lt;script&gt;<b>养老</b>&lt;/script&gt;"


@pytest.mark.parametrize("query", ['"', '""', "AND", "(", "***", "plan:", ":::", "foo:bar 养老", "养老 -", "“未闭合",
                                   "\\", "kind:", "theme:不存在的主题", "plan:不存在", "~^*", "a" * 500])
def test_garbled_queries_degrade_and_never_raise(searcher, query):
    res = searcher.search(query)
    assert isinstance(res["hits"], list)


def test_inline_and_parameter_filters(searcher):
    dagu = searcher.search("养老 plan:大沽", limit=50)
    assert dagu["hits"] and all("大沽" in h["plan"] for h in dagu["hits"])
    tasks = searcher.search("养老", kind="task", limit=50)
    assert tasks["hits"] and all(h["kind"] == "task" for h in tasks["hits"])
    assert searcher.search("养老 kind:任务")["total"] == tasks["total"]


def test_theme_filter(searcher):
    if not searcher.theme_labels:
        pytest.skip("no thesaurus")
    label, count = next(iter(searcher.search("养老")["facets"]["theme"].items()))
    res = searcher.search("养老", theme=label, limit=100)
    assert res["total"] == count and all(label in h["themes"] for h in res["hits"])


def test_expansions_are_reported_and_weigh_less(searcher):
    if searcher.expander is None:
        pytest.skip("no thesaurus")
    res = searcher.search("养老")
    assert res["expanded"] and "养老" not in res["expanded"]
    assert "养老" in res["hits"][0]["text"]


def test_explain_shows_segmentation_and_matches(searcher):
    res = searcher.search("垃圾分类宣传", explain=True)
    assert res["explain"]["segmentation"]
    assert res["hits"][0]["matched"]["words"]


def test_explain_zero_results_diagnoses(plain):
    res = plain.search("量子纠缠", explain=True)
    assert res["total"] == 0
    assert res["explain"]["diagnosis"]
    filtered = plain.search("养老 plan:不存在的规划", explain=True)
    assert filtered["total"] == 0 and any("plan:" in d for d in filtered["explain"]["diagnosis"])


@pytest.mark.parametrize(("params", "message"), [
    ({"limit": 0}, "limit 必须在 1 到 100 之间 must be between 1 and 100, not 0"),
    ({"limit": "dog"}, "limit 必须是整数 must be an integer, not 'dog'"),
    ({"page": -1}, "page 必须在 1 到 10000 之间 must be between 1 and 10000, not -1"),
])
def test_bad_parameters(plain, params, message):
    with pytest.raises(search.BadParameter) as err:
        plain.search("养老", **params)
    assert str(err.value) == message


def test_pages_do_not_overlap(plain):
    first = [h["id"] for h in plain.search("建设", limit=5, page=1)["hits"]]
    second = [h["id"] for h in plain.search("建设", limit=5, page=2)["hits"]]
    assert first and second and not set(first) & set(second)


def test_missing_index(tmp_path):
    with pytest.raises(search.IndexMissing):
        search.open_index(tmp_path / "nowhere")


def test_searcher_is_shared_between_threads(plain):
    expected = plain.search("养老")["total"]
    totals, errors = [], []

    def work():
        try:
            totals.extend(plain.search(q)["total"] for q in ("养老", "养老", "养老"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and totals == [expected] * 18


def test_words_added_at_build_time_cut_queries_the_same_way(corpus_plans, tmp_path):
    word = "沽河新月湾片区"  # not in any dictionary: the segmenter would split it
    search.build_index([corpus_plans["大沽"]], tmp_path, words=[word, word])
    assert (tmp_path / "words.txt").read_text(encoding="utf-8").split() == [word]
    search.open_index(tmp_path)
    assert query_words(f"建设{word}") == ["建设", word]


@pytest.mark.parametrize("text", ["养老服务 日间照料", "\"垃圾分类\" 宣传", "老", "新能源汽车充电桩"])
def test_fast_scores_equal_whoosh_scores(plain, text):
    from search import query as Q

    q = Q.build(Q.parse(text), ["养老"], index=plain.substrings)
    hits = plain.scorer().scores(q)
    ours = dict(zip(hits.docs.tolist(), hits.scores.tolist()))
    theirs = {hit.docnum: hit.score for hit in plain.whoosh().search(q, limit=None)}
    assert ours and set(ours) == set(theirs)
    assert all(abs(ours[d] - theirs[d]) <= 1e-4 * max(1.0, theirs[d]) for d in ours)


def test_flat_postings_score_as_whoosh_blocks(corpus_plans, tmp_path, monkeypatch):
    """Terms written again as flat arrays score exactly as read from whoosh's pickled blocks."""
    from search import postings
    from search.scoring import Scorer

    monkeypatch.setattr(postings, "MIN_POSTINGS", 3)  # the two corpus plans have no term with 512 units
    search.build_index(list(corpus_plans.values()), tmp_path)
    s = search.open_index(tmp_path)
    assert s.postings is not None and len(s.postings.keys) > 100
    whoosh = s.whoosh()
    flat, blocks = Scorer(whoosh, s.substrings, s.postings), Scorer(whoosh, s.substrings)
    reader = whoosh.reader()
    terms = [(f, t) for f in ("body", "title") for t, info in reader.iter_field(f) if info.doc_frequency() >= 3]
    assert len(terms) > 100
    for field, text in terms:
        text = text.decode("utf-8") if isinstance(text, bytes) else text
        assert s.postings.get(field, whoosh.schema[field].to_bytes(text), reader.doc_frequency(field, text))
        a, b = flat.term(field, text), blocks.term(field, text)
        assert a.docs.tolist() == b.docs.tolist() and a.scores.tolist() == b.scores.tolist(), (field, text)
    assert s.postings.get("body", "不在索引里的词".encode(), 3) is None


def test_facets_list_the_most_frequent_values_by_plan_id(searcher, monkeypatch):
    from search import searcher as module

    result = searcher.search("社区")
    whole = result["facets"]
    assert set(whole["plan"]) <= set(searcher.plan_titles) and sum(whole["plan"].values()) == result["total"]
    monkeypatch.setattr(module, "FACET_VALUES", 2)
    cut = searcher.search("社区")["facets"]
    for name, values in whole.items():
        ranked = sorted(values.items(), key=lambda kv: -kv[1])
        assert len(cut[name]) == min(2, len(values))
        assert sorted(cut[name].values(), reverse=True) == [n for _, n in ranked[:2]]
