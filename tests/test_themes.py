"""The theme thesaurus: structure, tagging precision, expansion and resolution."""

from __future__ import annotations

import pytest

from graph.themes import load_thesaurus
from tests.conftest import holdout_files


@pytest.fixture(scope="module")
def th():
    return load_thesaurus()


def test_size_and_structure(th):
    assert 80 <= len(th.concepts) <= 150
    tops = th.top()
    assert {"城乡建设、环境保护", "民政、扶贫、救灾", "科技、教育", "卫生、体育"} <= {c.label for c in tops}
    for concept in th.concepts.values():
        assert concept.label and concept.label_en
        assert concept.broader is None or concept.broader in th.concepts
        assert all(len(term) >= 2 for term in concept.terms), concept.id


@pytest.mark.parametrize("text,theme,evidence", [
    ("至2027年再建设5家老年人日间照料中心", "养老", "老年人"),
    ("积极推动小区公共充电桩建设", "新能源汽车充电", "充电桩"),
    ("打造区域二手车市场", "二手车", "二手车市场"),
    ("扎实做好河（湖）长制工作", "河湖长制", "河（湖）长制"),
    ("加快推进辖区夜间经济繁荣发展", "夜间经济", "夜间经济"),
    ("推进碳达峰和碳中和", "双碳", "碳达峰"),
])
def test_tag_finds_theme_with_evidence(th, text, theme, evidence):
    tags = {t.label: t.evidence for t in th.tag(text)}
    assert tags.get(theme) == evidence


@pytest.mark.parametrize("text,not_theme", [
    ("把基本养老保险参保率提高到95%以上", "养老"),  # pension insurance, not elderly care
    ("结合老旧小区改造和新能源汽车需求", "汽车消费"),
    ("完善汽车专卖店模式", "二手车"),
    ("以人民为中心的发展思想", "人口"),
])
def test_tag_claims_nothing_without_evidence(th, text, not_theme):
    assert not_theme not in {t.label for t in th.tag(text)}


def test_expand_gives_synonyms_and_narrower_labels(th):
    words = th.expand("老人")
    assert words[0] == "老人"
    assert {"老年人", "养老", "银发", "居家养老"} <= set(words)
    assert th.expand("不是主题词") == ["不是主题词"]


@pytest.mark.parametrize("word,labels", [
    ("养老", ["养老"]),
    ("二手车", ["二手车"]),
    ("电动汽车", ["新能源汽车充电"]),
    ("elderly-care", ["养老"]),
    ("城市更新", ["城市更新"]),
])
def test_resolve(th, word, labels):
    assert [c.label for c in th.resolve(word)] == labels


def test_resolve_by_part_of_a_label(th):
    assert "垃圾分类" in [c.label for c in th.resolve("垃圾")]
    assert th.resolve("x") == []


@pytest.mark.skipif(not holdout_files(), reason="holdout documents not beside the checkout")
def test_holdout_documents_get_themes(th):
    for path in holdout_files():
        tags = th.tag(path.read_text(encoding="utf-8"))
        assert len(tags) >= 3, path.name
