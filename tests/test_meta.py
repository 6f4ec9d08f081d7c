"""Plan metadata from titles and text: kind, period, issuing unit."""

from __future__ import annotations

import pytest

from ingest.meta import plan_id_for, plan_kind, plan_period, plan_street

DAGU = "天津市滨海新区大沽街道国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要"


@pytest.mark.parametrize(("title", "kind"), [
    (DAGU, "五年规划"),
    ("杭州道街道高质量发展行动方案", "行动方案"),
    ("闵行区城市更新“十五五”规划", "规划"),
    ("2026年安徽省政府工作报告", "工作报告"),
    ("包头市2022年数字政府建设考评办法", "办法"),
    ("安徽省工业互联网创新发展行动计划（2021—2023年）", "行动计划"),
    ("杨“数”浦新质秀带创新区建设方案", "建设方案"),
    ("某某通告", "其他"),
])
def test_plan_kind(title: str, kind: str):
    assert plan_kind(title) == kind


@pytest.mark.parametrize(("title", "text", "period"), [
    (DAGU, "", (2021, 2025)),
    ("“十四五”国家应急体系规划", "", (2021, 2025)),
    ("闵行区城市更新“十五五”规划", "", (2026, 2030)),
    ("某市“十三五”规划", "", (2016, 2020)),
    ("安徽省工业互联网创新发展行动计划（2021—2023年）", "", (2021, 2023)),
    ("某行动方案（2021-2023年）", "", (2021, 2023)),
    ("2026年安徽省政府工作报告", "", (2026, 2026)),
    ("杭州道街道高质量发展行动方案", "总体目标：到2025年，……。到2027年，……。", (None, 2025)),
    ("某街道行动方案", "规划期限为2021—2035年。", (2021, 2035)),
    ("某街道行动方案", "至2027年，建成……", (None, 2027)),
    ("某街道行动方案", "没有年份。", (None, None)),
])
def test_plan_period(title: str, text: str, period: tuple):
    assert plan_period(title, text) == period


@pytest.mark.parametrize(("title", "street"), [
    (DAGU, "大沽街道"),
    ("杭州道街道高质量发展行动方案", "杭州道街道"),
    ("闵行区城市更新“十五五”规划", "闵行区"),
    ("普陀区绿化建设和市容景观提升“十五五”规划", "普陀区"),
    ("柘林镇文物保护规划", "柘林镇"),
    ("上海市奉贤区柘林镇文物保护规划", "柘林镇"),
    ("2026年宁夏回族自治区政府工作报告", "宁夏回族自治区"),
    ("包头市2022年数字政府建设考评办法", "包头市"),
    ("政府工作报告——2026年1月26日在广东省第十四届人民代表大会第五次会议上", "广东省"),
    ("“十四五”国家应急体系规划", ""),
    ("杨“数”浦新质秀带创新区建设方案", ""),
    ("城市更新行动方案", ""),
    ("大王庄乡人民政府市场监管工作要点", "大王庄乡"),
])
def test_plan_street_is_the_finest_unit(title: str, street: str):
    assert plan_street(title) == street


def test_plan_id_is_stable_and_url_safe():
    assert plan_id_for("corpus/dagu-14th-five-year-plan.txt") == "dagu-14th-five-year-plan"
    chinese = plan_id_for("某某规划.txt")
    assert chinese == plan_id_for("/elsewhere/某某规划.txt")
    assert chinese.startswith("plan-") and chinese.isascii()
