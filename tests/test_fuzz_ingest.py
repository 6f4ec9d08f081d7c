"""Property tests of the outline parser and the target extractor: any text gives a valid tree whose spans lie
inside the text and cover it in order, targets inside the text, and no exception."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import IngestError, parse_file
from ingest.model import Node, Plan

#: Examples per property: modest in `make test`; PLANGRAPH_FUZZ_EXAMPLES=2000 for a deep run.
EXAMPLES = int(os.environ.get("PLANGRAPH_FUZZ_EXAMPLES", "120"))
#: Markdown marks a heading's span may leave out ("# 标题" → the node starts at 标题).
MARKUP = set("#*>-+|`~=_")

HEADINGS = ["第{n}章 {w}", "第{n}节 {w}", "{c}、{w}", "（{c}）{w}", "({c}){w}", "{n}.{w}", "{n}、{w}", "（{n}）{w}",
            "{n}.{n}{w}", "{n}.{n}.{n} {w}", "①{w}", "第{c}条 {w}", "# {w}", "## {w}", "专栏{n} {w}", "附件{n}"]
SENTENCES = ["到{y}年，{w}达到{n}%。", "{w}不低于{n}万元。", "新增{w}{n}个，{w}{n}万平方米。", "{w}由{n}提高到{n}。",
             "{w}（{y}-{y}年）", "| {w} | {n} | {n}% |", "{w}：{n}亿元，年均增长{n}%以上。", "{w}"]
WORDS = st.text(alphabet=st.sampled_from(list("推进建设社区养老服务街道城市更新项目中心改造完善体系产业发展公园"
                                              "，。、；：“”（）()% 1234567890一二三十")), min_size=0, max_size=30)
CHINESE_NUMERALS = st.sampled_from(["一", "二", "三", "十", "十一", "二十", "零", "〇", ""])
NUMBERS = st.one_of(st.integers(0, 120).map(str), st.sampled_from(["0", "007", "1.5", "99999999999", "-3", "１２"]))


@st.composite
def template_line(draw) -> str:
    template = draw(st.sampled_from(HEADINGS + SENTENCES))
    out = template
    for key, strategy in (("{n}", NUMBERS), ("{c}", CHINESE_NUMERALS), ("{w}", WORDS),
                          ("{y}", st.integers(1990, 2060).map(str))):
        while key in out:
            out = out.replace(key, draw(strategy), 1)
    return out


ANY_LINE = st.one_of(template_line(), template_line(), st.text(max_size=60),
                     st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
DOCUMENTS = st.lists(ANY_LINE, min_size=0, max_size=60).map(lambda lines: "\n".join(["某某街道行动方案", *lines]))


def parse_text(text: str) -> Plan | None:
    """Parse ``text`` as a .txt plan file; None when the reader refuses it (with an IngestError)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz-plan.txt"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            return parse_file(path)
        except IngestError as exc:
            assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc)
            return None


def check_nodes(plan: Plan, nodes: list[Node], low: int, high: int) -> None:
    """Siblings lie in order inside their parent's span; each node's own text sits at its start."""
    last = low
    for node in nodes:
        assert low <= node.start <= node.end <= high, (node.id, node.start, node.end, low, high)
        assert node.start >= last, f"{node.id} overlaps the node before it"
        assert plan.text[node.start:node.start + len(node.text)] == node.text, node.id
        last = node.end
        check_nodes(plan, node.children, node.start, node.end)


def check_plan(plan: Plan) -> None:
    """The outline is a valid tree covering every non-blank character after the title; targets lie inside."""
    check_nodes(plan, plan.outline, 0, len(plan.text))
    ids = [n.id for n in plan.walk()]
    assert len(ids) == len(set(ids)), "node ids are unique"
    covered = [False] * len(plan.text)
    for node in plan.outline:
        covered[node.start:node.end] = [True] * (node.end - node.start)
    body = len(plan.title) + 1
    stray = [i for i in range(body, len(plan.text))
             if not covered[i] and not plan.text[i].isspace() and plan.text[i] not in MARKUP]
    assert not stray, f"text outside the outline: {plan.text[stray[0]:stray[0] + 20]!r}"
    known = set(ids)
    for target in plan.targets:
        assert 0 <= target.start <= target.end <= len(plan.text), target
        assert target.node_id in known


FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                derandomize=True)


@FUZZ
@given(DOCUMENTS)
def test_any_document_gives_a_valid_outline_and_targets(text):
    plan = parse_text(text)
    if plan is not None:
        check_plan(plan)


@FUZZ
@given(st.lists(template_line(), min_size=1, max_size=80))
def test_heading_soup_gives_a_valid_tree(lines):
    plan = parse_text("\n".join(["某某区“十四五”规划", *lines]))
    if plan is not None:
        check_plan(plan)


@settings(max_examples=EXAMPLES // 2, deadline=None, derandomize=True)
@given(st.binary(max_size=400))
def test_any_bytes_ingest_or_fail_with_one_line(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bytes.txt"
        path.write_bytes(data)
        try:
            check_plan(parse_file(path))
        except IngestError as exc:
            assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc)


@pytest.mark.parametrize("name", ["dagu-14th-five-year-plan.txt", "hangzhoudao-action-plan.txt"])
def test_the_corpus_satisfies_the_same_properties(name):
    from tests.conftest import CORPUS

    check_plan(parse_file(CORPUS / name))
