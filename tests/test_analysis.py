"""Our Chinese analysis: sequential positions, true offsets, sub-words, n-grams, query words."""

from __future__ import annotations

import pytest
from whoosh import index as windex
from whoosh.fields import ID, TEXT, Schema
from whoosh.query import Phrase, Term

from search.analysis import chinese_analyzer, ngrams, query_words, word_analyzer
from search.query import phrase_query
from search.substring import SubstringIndex

TEXT_ = "积极推动小区公共充电桩建设，到2027年建成5家老年人日间照料中心和TOD综合体。"


def tokens(analyzer, text):
    return [(t.text, t.pos, t.startchar, t.endchar) for t in analyzer(text, positions=True, chars=True)]


def test_word_positions_are_sequential_and_offsets_exact():
    toks = tokens(word_analyzer(), TEXT_)
    assert [pos for _, pos, _, _ in toks] == sorted({pos for _, pos, _, _ in toks})
    assert len({pos for _, pos, _, _ in toks}) == len(toks)
    for text, _, start, end in toks:
        assert TEXT_[start:end].lower() == text


def test_subwords_share_the_position_of_their_word():
    toks = tokens(chinese_analyzer(), "建设老年人日间照料中心")
    by_text = {text: pos for text, pos, _, _ in toks}
    assert "老年" in by_text and by_text["老年"] == by_text.get("老年人", by_text["老年"])
    for text, _, start, end in toks:
        assert "建设老年人日间照料中心"[start:end] == text


def test_punctuation_and_stopwords_are_dropped():
    words = [t for t, *_ in tokens(word_analyzer(), "养老、医疗和教育的发展")]
    assert "、" not in words and "和" not in words and "的" not in words
    assert "养老" in words and "教育" in words


def test_latin_is_lowercased_and_numbers_kept():
    words = [t for t, *_ in tokens(word_analyzer(), TEXT_)]
    assert "tod" in words and "2027" in words


def test_ngrams_cover_substrings_the_segmenter_hides():
    table = SubstringIndex.from_texts(["老年人充电桩"])
    assert {"老", "充电", "电桩"} <= set(table.postings)
    assert ngrams("充电桩") == ["充电", "电桩"]


@pytest.mark.parametrize(("needle", "expected"), [
    ("充电桩", [0]), ("老", [0, 1]), ("TOD", [0]), ("2027年", [0]), ("桩建设", [0]), ("日间 照料", [0, 1]),
    ("设，到", []), ("心和T", [0]), ("", []), ("，。", []), ("新能源汽车推广", [2]), ("汽车推广新", []),
])
def test_substrings_are_exact(needle, expected):
    texts = [TEXT_, "照料中心日间开放，老年人可以去日间照料", "新能源汽车推广"]
    assert SubstringIndex.from_texts(texts).docs(needle) == expected


def test_substring_table_round_trips(tmp_path):
    table = SubstringIndex.from_texts([TEXT_, "新能源汽车推广"])
    table.save(tmp_path)
    again = SubstringIndex.load(tmp_path)
    assert again.docs("充电桩") == [0] and again.docs("汽车") == [1] and again.texts == table.texts


@pytest.mark.parametrize(("query", "expected"), [
    ("垃圾分类", ["垃圾分类"]),
    ("  ", []),
    ("，。！", []),
    ("TOD", ["tod"]),
])
def test_query_words(query, expected):
    assert query_words(query) == expected


TINY = [TEXT_, "照料中心日间开放，老年人可以去", "新能源汽车推广"]


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory):
    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=chinese_analyzer()),
                    title=TEXT(analyzer=chinese_analyzer()), path=TEXT(analyzer=chinese_analyzer()))
    ix = windex.create_in(str(tmp_path_factory.mktemp("tiny")), schema)
    with ix.writer() as w:
        for i, text in enumerate(TINY):
            w.add_document(id=str(i), body=text)
    return ix


def ids(ix, q):
    with ix.searcher() as s:
        return sorted(hit["id"] for hit in s.search(q, limit=None))


def test_phrase_queries_need_the_words_in_order(tiny_index):
    words = query_words("公共充电桩建设")
    assert len(words) > 1
    assert ids(tiny_index, Phrase("body", words)) == ["0"]
    assert ids(tiny_index, Phrase("body", words[::-1])) == []


def test_subword_and_ngram_recall(tiny_index):
    table = SubstringIndex.from_texts(TINY)
    assert ids(tiny_index, Term("body", "能源")) == ["2"]
    assert ids(tiny_index, phrase_query("充电", index=table)) == ["0"]
    assert ids(tiny_index, phrase_query("老", index=table)) == ["0", "1"]
