"""The outline: numbering styles, glitchy sequences, enumerations, lead titles, kinds, spans and ids."""

from __future__ import annotations

import pytest

from ingest.model import Node
from ingest.numbering import match_number
from ingest.outline import parse_outline
from ingest.read import SourceLine

BODY = "这是一段足够长的正文内容，用来说明上面的标题之下的具体安排和要求，并且包含多个分句。"


def parse(text: str, plan_id: str = "demo", styled: dict[int, SourceLine] | None = None):
    """Parse ``text`` (title first line) the way the pipeline does; return (roots, plan text)."""
    title, *rows = text.strip("\n").split("\n")
    lines = [(styled or {}).get(i, SourceLine(row)) for i, row in enumerate(rows)]
    offsets, full = [], title
    for line in lines:
        full += "\n"
        offsets.append(len(full))
        full += line.text
    return parse_outline(lines, offsets, plan_id), full


def doc(*lines: str) -> str:
    """Join document lines."""
    return "\n".join(lines)


def walk(nodes: list[Node]):
    """Yield every node in document order."""
    for node in nodes:
        yield from node.walk()


def shape(nodes: list[Node]) -> list:
    """Return the headings as nested (number, title, [children]) lists, content left out."""
    return [(n.number, n.title, shape(n.children)) for n in nodes
            if n.kind in ("part", "chapter", "section", "subsection")]


@pytest.mark.parametrize(("line", "style", "value", "title"), [
    ("第三部分 保障措施", "part", 3, "保障措施"),
    ("第十二章  构建现代产业体系", "chapter", 12, "构建现代产业体系"),
    ("第二节 发展环境", "section", 2, "发展环境"),
    ("十一、组织实施", "cn", 11, "组织实施"),
    ("（四）推进应急标准建设", "paren_cn", 4, "推进应急标准建设"),
    ("(二)基本原则", "paren_cn", 2, "基本原则"),
    ("3.发展目标", "arabic_dot", 3, "发展目标"),
    ("2、 重点任务", "arabic_dun", 2, "重点任务"),
    ("1．应急救援指挥中心建设。", "arabic_dot", 1, "应急救援指挥中心建设。"),
    ("2﹒推进企业内网改造升级", "arabic_dot", 2, "推进企业内网改造升级"),
    ("（12）强化高校合作", "paren_arabic", 12, "强化高校合作"),
    ("③加强宣传", "circled", 3, "加强宣传"),
])
def test_each_numbering_style(line, style, value, title):
    number = match_number(line)
    assert (number.style, number.value, number.rest) == (style, value, title)


@pytest.mark.parametrize("line", ["2022年4月14日", "1.5亿元投资", "5G网络", "1", "一是加强领导"])
def test_numbers_that_are_not_headings(line):
    assert match_number(line) is None


def test_chapters_and_sections():
    roots, _ = parse(doc("规划", "第一章 发展基础", "第一节 基础", BODY, "第二节 环境", BODY,
                         "第二章 任务", "第一节 产业", BODY))
    assert shape(roots) == [("第一章", "发展基础", [("第一节", "基础", []), ("第二节", "环境", [])]),
                            ("第二章", "任务", [("第一节", "产业", [])])]
    assert [n.kind for n in roots] == ["chapter", "chapter"]
    assert {n.kind for n in roots[0].children} == {"section"}


def test_parts_chapters_sections_by_depth():
    roots, _ = parse(doc("规划", "第一部分：发展基础", "一、执行情况", "（一）多维建绿", BODY,
                         "第二部分：主要任务", "一、绿化建设", BODY))
    assert roots[0].kind == "part"
    assert roots[0].children[0].kind == "chapter"
    assert roots[0].children[0].children[0].kind == "section"


def test_plain_numbering_nests_in_order_of_appearance():
    text = doc("方案", "一、总体要求", "（一）指导思想", BODY, "（二）主要目标", BODY,
               "二、主要任务", "（一）健全体系", "1.完善管理", BODY, "三、保障措施", BODY)
    roots, _ = parse(text)
    assert shape(roots) == [
        ("一、", "总体要求", [("（一）", "指导思想", []), ("（二）", "主要目标", [])]),
        ("二、", "主要任务", [("（一）", "健全体系", [("1.", "完善管理", [])])]),
        ("三、", "保障措施", []),
    ]
    assert [n.kind for n in roots] == ["chapter"] * 3
    assert roots[1].children[0].children[0].kind == "subsection"


def test_glitchy_sequences_of_the_hangzhoudao_plan():
    text = doc("行动方案", BODY, "1、 总体要求", "1.指导思想", BODY, "2.基本原则", f"——坚持党建引领。{BODY}",
               "3.发展目标", BODY, "2、 重点任务",
               "（一）实施甲工程。", f"一是甲。{BODY}", "（2） 实施乙工程。", f"一是乙。{BODY}",
               "（3） 实施丙工程。", f"一是丙。{BODY}", "（四）实施丁工程。", f"一是丁。{BODY}",
               "（五）实施戊工程。", f"一是戊。{BODY}", "三、保障措施。", f"一是强化组织领导。{BODY}")
    roots, _ = parse(text)
    tops = [n for n in roots if n.kind == "chapter"]
    assert [t.title for t in tops] == ["总体要求", "重点任务", "保障措施"]
    assert [c.title for c in tops[0].children] == ["指导思想", "基本原则", "发展目标"]
    groups = tops[1].children
    assert [g.number for g in groups] == ["（一）", "（2）", "（3）", "（四）", "（五）"]
    assert all(g.children[0].kind == "task" for g in groups)


def test_long_numbered_paragraphs_are_items_with_lead_titles():
    text = f"方案\n一、重点任务\n（一）健全体系\n1.加强组织领导。{BODY}\n2.落实责任分工。{BODY}"
    roots, _ = parse(text)
    group = roots[0].children[0]
    assert [(c.kind, c.number, c.title) for c in group.children] == [
        ("task", "1.", "加强组织领导"), ("task", "2.", "落实责任分工")]


def test_enumerations_become_items_with_exact_spans():
    text = f"方案\n一、重点任务\n（一）实施示范工程。\n一是打造聚集区。{BODY}二是强化联动。{BODY}三是推动建设。{BODY}"
    roots, full = parse(text)
    group = roots[0].children[0]
    assert [(c.kind, c.number, c.title) for c in group.children] == [
        ("task", "一是", "打造聚集区"), ("task", "二是", "强化联动"), ("task", "三是", "推动建设")]
    assert full[group.children[1].start:group.children[1].end] == f"二是强化联动。{BODY}"


def test_enumeration_after_a_lead_stays_under_its_paragraph():
    text = f"方案\n一、重点工作\n{BODY}\n（一）扩大内需\n要做到以下几点：第一，扩大消费。第二，扩大投资。"
    roots, _ = parse(text)
    para = roots[0].children[1].children[0]
    assert para.text == "要做到以下几点："
    assert [c.number for c in para.children] == ["第一", "第二"]


def test_inline_parenthesised_enumeration():
    text = "方案\n一、主要任务\n推进改革：（1）完善制度；（2）健全机制；（3）强化监督。"
    roots, _ = parse(text)
    assert [c.number for c in roots[0].children[0].children] == ["（1）", "（2）", "（3）"]


def test_kinds_from_context():
    text = (f"方案\n一、发展基础\n经济稳中提质。{BODY}\n二、总体要求\n（一）基本原则\n——坚持党的领导。{BODY}\n"
            f"（二）发展目标\n到2027年，指标达到要求。{BODY}\n三、重点任务\n{BODY}\n（一）健全体系\n推动街区活力提升。{BODY}")
    roots, _ = parse(text)
    kinds = {n.title: n.kind for n in walk(roots)}
    assert kinds["经济稳中提质"] == "paragraph"
    assert kinds["——坚持党的领导"] == "principle"
    assert kinds["到2027年，指标达到要求"] == "goal"
    assert kinds["推动街区活力提升"] == "task"
    assert roots[2].children[0].kind == "paragraph"  # the intro of a heading with sub-headings


def test_items_that_hold_content_become_headings():
    text = (f"报告\n三、重点工作\n（一）着力扩大内需，开新局。{BODY}\n一是扩大消费。{BODY}\n二是扩大投资。{BODY}\n"
            f"（二）着力深化改革，开新局。{BODY}\n一是改革。{BODY}\n二是开放。{BODY}")
    roots, _ = parse(text)
    groups = roots[0].children
    assert [g.kind for g in groups] == ["section", "section"]
    assert [g.title for g in groups] == ["着力扩大内需，开新局", "着力深化改革，开新局"]
    assert [c.title for c in groups[0].children] == ["扩大消费", "扩大投资"]


def test_styled_lines_are_headings_but_a_lone_subtitle_is_not():
    text = f"方案\n方案正文标题\n{BODY}\n总体要求\n{BODY}\n重点任务\n{BODY}"
    styled = {0: SourceLine("方案正文标题", bold=True), 2: SourceLine("总体要求", level=1),
              4: SourceLine("重点任务", level=1)}
    roots, _ = parse(text, styled=styled)
    assert [n.title for n in roots if n.kind == "chapter"] == ["总体要求", "重点任务"]
    assert roots[0].kind == "paragraph"


def test_artefacts_are_skipped_in_matching_and_spans():
    text = f"规划\n[bookmark: _Toc1][bookmark: _Toc2]第一章  发展基础\n**一、主要目标**\n{BODY}"
    roots, full = parse(text)
    assert roots[0].kind == "chapter" and roots[0].title == "发展基础"
    assert full[roots[0].start:].startswith("第一章")
    assert roots[0].children[0].title == "主要目标"


def test_spans_cover_children_in_order(corpus_plans):
    for plan in corpus_plans.values():
        check_spans(plan.outline, plan.text, 0, len(plan.text))


def check_spans(nodes: list[Node], text: str, lo: int, hi: int) -> None:
    """Every node lies inside its parent, after its previous sibling, and its span starts with its text."""
    previous = lo
    for node in nodes:
        assert previous <= node.start <= node.end <= hi, node.id
        assert text[node.start:node.end].startswith(node.text), node.id
        check_spans(node.children, text, node.start, node.end)
        previous = node.end


def test_ids_are_stable_and_unique():
    text = f"方案\n一、重点任务\n（一）甲\n一是甲。{BODY}二是乙。{BODY}\n二、保障措施\n{BODY}"
    first, _ = parse(text, "plan-x")
    second, _ = parse(text, "plan-x")
    ids = [n.id for n in walk(first)]
    assert ids == [n.id for n in walk(second)]
    assert len(set(ids)) == len(ids)
    assert ids[:3] == ["plan-x/1", "plan-x/1.1", "plan-x/1.1.1"]


def test_corpus_outlines(corpus_plans):
    dagu = list(corpus_plans["大沽"].walk())
    assert sum(n.kind == "chapter" for n in dagu) == 9
    assert sum(n.kind == "section" for n in dagu) == 37
    hzd = list(corpus_plans["杭州道"].walk())
    groups = [n for n in hzd if n.number in ("（一）", "（2）", "（3）", "（四）", "（五）")]
    assert [sum(c.kind == "task" for c in g.children) for g in groups] == [3, 4, 4, 3, 4]


def test_a_style_in_use_keeps_its_level_across_groups():
    """3﹒ after （二） continues 1﹒ 2﹒ inside the groups; it is not a glitch of 二、 (三、 would be)."""
    body = "支持基础电信企业加强网络基础设施建设，优化升级网络，提升服务能力和水平。"
    nodes, _ = parse(doc(
        "某省行动计划", "一、总体要求", body, "二、行动步骤",
        "（一）网络体系强基行动。", "1﹒推进外网建设。" + body,
        "2﹒推进内网改造。" + body, "专栏1 网络互联工程", "优化网络基础设施。" + body,
        "（二）基础支撑增强行动。", "3﹒加快标识解析体系建设。" + body, "专栏2 标识解析工程",
        "三、保障措施", body))
    assert [n.number for n in nodes] == ["一、", "二、", "三、"]
    groups = nodes[1].children
    assert [g.number for g in groups] == ["（一）", "（二）"]
    assert [(c.number, c.kind) for c in groups[0].children][:1] == [("1﹒", "task")]
    assert "3﹒" in [c.number for c in groups[1].children]
