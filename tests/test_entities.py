"""Entity extraction: names from sentences, negatives, variant merging, mention spans, real plans."""

from __future__ import annotations

import pytest

from ingest.entities import entity_id, extract_entities
from ingest.model import Node, Plan
from tests.conftest import requires_shared


def _plan(text: str) -> Plan:
    return Plan(id="p", title="测试", source="t.txt", text=text)


def _found(text: str) -> set[tuple[str, str]]:
    return {(e.type, e.label) for e in extract_entities(_plan(text))}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("打造以文化产业为主题的广州道TOD艺术商圈。", {("place", "广州道"), ("project", "广州道TOD艺术商圈")}),
        ("全力打造金隅嘉品Mall大型商业综合体项目。", {("project", "金隅嘉品Mall")}),
        ("引入润泽康养中心、泰康之家等高端养老机构。",
         {("organisation", "润泽康养中心"), ("organisation", "泰康之家")}),
        ("以中海油为龙头引领，延展石油产业链条。", {("organisation", "中海油")}),
        ("依托海晶集团、华电集团等国企资源优势。", {("organisation", "海晶集团"), ("organisation", "华电集团")}),
        ("中部片区以河南路以东、中央大道以西为界。", {("place", "河南路"), ("place", "中央大道")}),
        ("推动延安里、吉宁里社区日间照料中心建设。",
         {("place", "延安里"), ("place", "吉宁里社区"), ("project", "吉宁里社区日间照料中心")}),
        ("依托原有智慧社区，打造智慧养老平台。", {("project", "智慧养老平台")}),
        ("推进光伏发电项目顺利实施。", {("project", "光伏发电项目")}),
        ("大力推进滨海职业学校改造。", {("project", "滨海职业学校")}),
        ("与滨海中医院开展合作。", {("organisation", "滨海中医院")}),
        ("签约落地了盛源化工科技有限公司。", {("organisation", "盛源化工科技有限公司")}),
        ("全力引入LN-CC、Acne Studios等潮流店铺。", {("project", "LN-CC"), ("project", "Acne Studios")}),
        ("以“大沽龙灯”主题广场为依托。", {("place", "大沽龙灯主题广场")}),
        ("苏州路扬州道现状美食街。", {("place", "苏州路"), ("place", "扬州道")}),
        ("启动谋划以航空小镇为主导的建设。", {("project", "航空小镇")}),
        ("推进同济大学与杨浦区合作。", {("organisation", "同济大学"), ("place", "杨浦区")}),
        ("延伸汽车销售产业链，打造区域二手车市场。", {("project", "区域二手车市场")}),
        ("搭建二手汽车电商交易平台，主要包括竞拍模式。", {("project", "汽车电商交易平台")}),
        ("建设集交易、结算、金融服务于一体的重点进口商品交易平台。", {("project", "进口商品交易平台")}),
        ("升级建设综合智能指挥中心。", {("project", "综合智能指挥中心")}),
        ("积极打造秀谷商业广场、洋货步行街等2-3个示范街区。", {("project", "秀谷商业广场"), ("project", "洋货步行街")}),
        ("利用美食街打造“环球国际美食汇”，吸引客流。", {("project", "环球国际美食汇")}),
        ("将原布头市场改造为艺术展览交流中心。", {("place", "布头市场"), ("project", "艺术展览交流中心")}),
        ("在成功打造“大沽龙灯”主题广场的基础上。", {("place", "大沽龙灯主题广场")}),
        ("整体推进街道公共法律服务中心、居村公共法律服务站建设。",
         {("project", "街道公共法律服务中心"), ("project", "居村公共法律服务站")}),
        ("在古美、新虹、虹桥等街镇新增完整社区。", {("place", "古美"), ("place", "新虹"), ("place", "虹桥")}),
        ("加强与北京、天津知名医院合作。", {("place", "北京"), ("place", "天津")}),
        ("利用西江道、韶山道现状。", {("place", "西江道"), ("place", "韶山道")}),
        ("签约天津北创民众医院有限公司。天津北创民众医院开业。", {("organisation", "天津北创民众医院有限公司")}),
        ("推动大沽街道发展，大沽街商会和大沽街共同推进。", {("organisation", "大沽街商会"), ("place", "大沽街道")}),
    ],
)
def test_names_in_sentences(text, expected):
    assert _found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "加强社区建设，提升城市品质。",
        "搭建服务平台，完善服务中心功能。",
        "推动重点项目建设，打造示范区。",
        "本街道要协调相关部门，我区全市各区共同推进。",
        "拓宽销售渠道，走好群众路线，坚持绿色发展之路。",
        "加快推进新时代高质量发展，构建新发展格局。",
        "逐步形成“一带三区”的产业发展新格局。",
        "完成新区下达的PM 2.5考核指标任务和VOCs排放控制。",
        "调整公立学校分布，鼓励兴办民办幼儿园。",
        "在传统交易平台基础上，搭建二手车市场。",
        "搭建议事平台，推进地下工程，严控燃煤项目。",
        "推进大江大河治理，拓展多渠道，建设上海城市。",
        "鼓励企业积极申报“试点平台”和“试点企业”。",
        "打造集商务办公及企业总部基地于一体的集聚区，新开工重大项目5个。",
    ],
)
def test_generic_words_are_not_entities(text):
    assert _found(text) == set()


def test_variants_merge_under_the_full_name():
    text = "继续扩建、修缮大沽口炮台。以大沽炮台为载体。死守大沽炮台。大沽口炮台作为遗物。"
    [fort] = extract_entities(_plan(text))
    assert fort.label == "大沽口炮台" and fort.aliases == ["大沽炮台"]
    assert len(fort.mentions) == 4


def test_mentions_span_the_surface_and_point_to_the_deepest_node():
    text = "总则\n以海晶集团制盐场区为载体。\n依托海晶集团资源优势。"
    inner = Node(id="p-1-1", kind="paragraph", title="", start=3, end=len(text))
    plan = _plan(text)
    plan.outline = [Node(id="p-1", kind="chapter", title="总则", start=0, end=len(text), children=[inner])]
    [group] = [e for e in extract_entities(plan) if e.label == "海晶集团"]
    assert [m.node_id for m in group.mentions] == ["p-1-1", "p-1-1"]
    assert all(plan.text[m.start:m.end] == m.surface for m in group.mentions)


def test_entity_ids_are_stable_and_url_safe():
    assert entity_id("project", "金隅嘉品Mall") == entity_id("project", "金隅嘉品Mall")
    assert entity_id("place", "河北路").startswith("place-")
    assert entity_id("place", "河北路").isascii()


def test_corpus_plans_yield_the_gold_names(corpus_plans):
    gold = {
        "杭州道": [("place", "洋货市场"), ("place", "河北路"), ("organisation", "泰康之家"),
                 ("project", "金隅嘉品Mall"), ("project", "智慧养老平台"), ("project", "日间照料中心")],
        "大沽": [("place", "河南路"), ("place", "大沽口炮台"), ("organisation", "中海油"),
               ("organisation", "海晶集团"), ("project", "航空小镇"), ("project", "光伏发电"),
               ("project", "制盐废液综合利用")],
    }
    for name, wanted in gold.items():
        plan = corpus_plans[name]
        for etype, label in wanted:
            assert any(e.type == etype and label in e.label and len(e.label) <= len(label) + 8
                       for e in plan.entities), (name, etype, label)
        for e in plan.entities:
            assert all(plan.text[m.start:m.end] == m.surface for m in e.mentions)


@requires_shared
def test_gold_precision_and_recall_do_not_fall():
    from tests.gold_report import score_entities

    hit, gold, predicted, right = score_entities(lenient=True)["total"]
    assert hit / gold >= 0.70 and right / predicted >= 0.58, (hit, gold, right, predicted)


def test_trace_finds_the_projects_a_planner_expects():
    from tests.gold_report import score_trace

    hit, expected = score_trace()["total"]
    assert hit / expected >= 0.80, (hit, expected)
