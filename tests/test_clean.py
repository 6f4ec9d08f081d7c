"""Cleaning: what is not the document goes, the title is found, headings stay as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.clean import clean_document
from ingest.read import SourceLine, read_lines

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
HOLDOUT = SHARED / "holdout"


def clean(text: str):
    """Clean a document given as text, one line per line."""
    return clean_document([SourceLine(line) for line in text.split("\n")])


def body(text: str) -> list[str]:
    return [line.text for line in clean(text).lines]


def test_title_is_first_line_and_blank_lines_go():
    doc = clean("\n\t某某街道高质量发展行动方案\n\n为深入贯彻党的二十大精神，制定本方案。\n1、 总体要求\n")
    assert doc.title == "某某街道高质量发展行动方案"
    assert [x.text for x in doc.lines] == ["为深入贯彻党的二十大精神，制定本方案。", "1、 总体要求"]


def test_headings_keep_their_exact_text():
    lines = ["1、 总体要求", "（2） 实施载体内拓行动", "第一章  发展基础", "2﹒提升创新能力", "1．指导思想",
             "(一)总体思路",
             "——坚持党建引领。", "专栏1  主要指标"]
    assert body("某某方案\n" + "\n".join(lines)) == [*lines[:5], "（一）总体思路", *lines[6:]]


def test_conversion_artefacts_are_removed_anywhere_in_a_line():
    text = "某某规划\n[bookmark: _Toc11539][bookmark: _Toc66306691]前言\n正文[image: 图1.png]。"
    assert body(text) == ["前言", "正文。"]


def test_yaml_front_matter_and_markdown_rules_go():
    text = "---\n标题: 某通知\n文号: 某〔2026〕1号\n---\n某某区城市更新规划\n---\n一、发展目标"
    doc = clean(text)
    assert doc.title == "某某区城市更新规划"
    assert [x.text for x in doc.lines] == ["一、发展目标"]


def test_spaces_and_widths_are_normalised():
    assert body("某方案\n推进\u3000城市\u00a0更新，建设ＡＢＣ１２３园区\nOpen\u00a0Data平台\n产业,人才(试行)政策") == [
        "推进城市更新，建设ABC123园区", "Open Data平台", "产业，人才（试行）政策"]


def test_chinese_punctuation_is_kept():
    line = "（一）加强领导，落实责任；完善机制：“一网通办”。"
    assert body("某方案\n" + line) == [line]


def test_web_chrome_and_scraper_headers_go():
    text = ("当前位置：\n首页\n>\n政务信息\n>\n要闻\n2026年某某省政府工作报告\n发表时间：\n"
            "2026-02-09 09:45:30\n来源：\n某某日报\n【字体：\n小\n中\n大\n】\n政府工作报告\n"
            "——2026年1月26日在某某省第十四届人民代表大会第四次会议上\n省长 张三\n"
            "张三作政府工作报告。本报记者 李四 摄\n各位代表：\n"
            "现在，我代表省人民政府向大会报告工作。\n一、2025年工作回顾\n"
            "正文。\n扫一扫在手机打开当前页\n【打印本页】【关闭窗口】\n责任编辑：王五")
    doc = clean(text)
    assert doc.title == "2026年某某省政府工作报告"
    assert [x.text for x in doc.lines] == [
        "各位代表：", "现在，我代表省人民政府向大会报告工作。", "一、2025年工作回顾", "正文。"]


def test_generic_report_title_takes_its_dateline():
    doc = clean("下载\n打印\n政府工作报告\n——2026年1月26日在某某省第十四届\n人民代表大会第五次会议上\n"
                "某某省省长 张三\n各位代表：\n正文。")
    assert doc.title == "政府工作报告——2026年1月26日在某某省第十四届人民代表大会第五次会议上"
    assert [x.text for x in doc.lines] == ["各位代表：", "正文。"]


def test_pkulaw_header_and_duplicated_notice_title():
    text = ("    【法宝引证码】 CLI.12.5115678\n原文链接：https://www.pkulaw.com/lar/x.html\n"
            "某市人民政府办公室关于印发《某市2022年数字政府建设考评办法》的通知\n"
            "某市人民政府办公室关于印发《某市2022年数字政府建设考评办法》的通知\n某府办发〔2022〕43号\n各旗、县、区人民政府：\n"
            "　　经市人民政府同意，将《某市2022年数字政府建设考评办法》印发给你们，请认真抓好落实。\n2022年4月14日\n"
            "　　某市2022年数字政府建设考评办法\n　　一、考评对象\n　　各部门。")
    doc = clean(text)
    assert doc.title == "某市2022年数字政府建设考评办法"
    assert [x.text for x in doc.lines] == ["一、考评对象", "各部门。"]


def test_cover_notice_wrapped_over_two_lines():
    text = ("国务院关于印发\n“十四五”国家某某规划的通知\n国发〔2021〕36号\n各省、自治区、直辖市人民政府：\n"
            "现将《“十四五”国家某某规划》印发给你们，请认真贯彻执行。\n国务院\n2021年12月30日\n(本文有删减)\n"
            "“十四五”国家某某规划\n为全面贯彻落实……，制定本规划。\n一、规划背景")
    doc = clean(text)
    assert doc.title == "“十四五”国家某某规划"
    assert [x.text for x in doc.lines] == ["为全面贯彻落实……，制定本规划。", "一、规划背景"]


def test_cover_notice_without_the_plan_title_repeated():
    text = ("某某镇人民政府关于印发《某某镇文物保护规划》的通知\n各相关单位：\n"
            "现将《某某镇文物保护规划》印发给你们，请认真抓好落实。\n"
            "某某镇人民政府\n2023年10月13日\n一、总体要求\n正文。")
    doc = clean(text)
    assert doc.title == "某某镇文物保护规划"
    assert [x.text for x in doc.lines] == ["一、总体要求", "正文。"]


def test_notice_of_two_documents_keeps_both_document_titles():
    text = ("某省人民政府办公厅关于印发支持某产业发展若干政策和某省某产业行动计划(2021—2023年)的通知\n各市人民政府：\n"
            "《支持某产业发展若干政策》《某省某产业行动计划（2021-2023年）》已经省政府同意，现印发给你们。\n"
            "2021年9月2日\n支持某产业发展若干政策\n一、支持平台建设\n某省某产业行动计划（2021-2023年）\n一、总体要求")
    doc = clean(text)
    assert doc.title == "支持某产业发展若干政策和某省某产业行动计划（2021—2023年）"
    assert [x.text for x in doc.lines][0] == "支持某产业发展若干政策"


def test_wrapped_title_and_period_subtitle_belong_to_the_title():
    doc = clean("某省某产业创新发展\n行动计划\n（2021—2023年）\n为加快……，制定本计划。")
    assert doc.title == "某省某产业创新发展行动计划（2021—2023年）"
    assert [x.text for x in doc.lines] == ["为加快……，制定本计划。"]


def test_duplicated_title_line_goes():
    assert body("某某街道行动方案\n某某街道行动方案\n正文。") == ["正文。"]


def test_markdown_title_with_levels_kept_for_body(tmp_path: Path):
    path = tmp_path / "plan.md"
    path.write_text("# 某某规划\n\n## 一、总体要求\n\n正文。\n", encoding="utf-8")
    doc = clean_document(read_lines(path))
    assert doc.title == "某某规划"
    assert [(x.text, x.level) for x in doc.lines] == [("一、总体要求", 2), ("正文。", None)]


def test_corpus_titles_and_first_lines():
    dagu = clean_document(read_lines(CORPUS / "dagu-14th-five-year-plan.txt"))
    assert dagu.title == "天津市滨海新区大沽街道国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要"
    assert dagu.lines[0].text == "前言"
    assert any(x.text == "第一章 发展基础和发展环境" for x in dagu.lines)
    hzd = clean_document(read_lines(CORPUS / "hangzhoudao-action-plan.txt"))
    assert hzd.title == "杭州道街道高质量发展行动方案"
    assert [x.text for x in hzd.lines[1:3]] == ["1、 总体要求", "1.指导思想"]


HOLDOUT_TITLES = {
    "01_shanghai-yangpu-innovation-zone-plan.txt": "杨“数”浦新质秀带创新区建设方案",
    "02_shanghai-minhang-urban-renewal-15th-fyp.txt": "闵行区城市更新“十五五”规划",
    "03_shanghai-putuo-greening-cityscape-15th-fyp.txt": "普陀区绿化建设和市容景观提升“十五五”规划",
    "04_shanghai-fengxian-zhelin-town-heritage-plan.txt": "柘林镇文物保护规划",
    "05_ningxia-2026-gov-work-report.txt": "2026年宁夏回族自治区政府工作报告",
    "06_baotou-2022-digital-gov-assessment-method.txt": "包头市2022年数字政府建设考评办法",
    "07_national-14th-fyp-emergency-management-system.txt": "“十四五”国家应急体系规划",
    "08_anhui-industrial-internet-policy-and-action-plan-2021-2023.txt":
        "支持工业互联网发展若干政策和安徽省工业互联网创新发展行动计划（2021—2023年）",
}
CHROME_WORDS = ("来源", "发布", "链接", "印发", "通知", "当前位置", "首页", "字号", "字体", "法宝", "http", "---",
                "各有关单位")


@pytest.mark.skipif(not HOLDOUT.exists(), reason="../shared/holdout not beside the checkout")
@pytest.mark.parametrize("name", sorted(HOLDOUT_TITLES))
def test_holdout_titles_and_clean_openings(name: str):
    doc = clean_document(read_lines(HOLDOUT / name))
    assert doc.title == HOLDOUT_TITLES[name]
    opening = [x.text for x in doc.lines[:3]]
    assert not any(word in line for line in opening for word in CHROME_WORDS), opening


SCALE = sorted((SHARED / "scale").glob("*.txt")) if (SHARED / "scale").exists() else []


@pytest.mark.parametrize("path", SCALE, ids=[p.stem for p in SCALE])
def test_scale_reports_start_at_the_speech(path: Path):
    doc = clean_document(read_lines(path))
    assert "政府工作报告" in doc.title
    assert doc.lines[0].text.startswith("各位代表")


@pytest.mark.parametrize(
    ("tail", "kept"),
    [
        (["上海市奉贤区柘林镇人民政府", "2023年10月13日"], []),
        (["（此件公开发布）"], []),
        (["抄送：区委办公室、区人大办公室", "区政府办公室 2023年5月6日印发"], []),
        (["建设市民服务中心"], ["建设市民服务中心"]),
        (["加强组织领导，落实街道办事处"], ["加强组织领导，落实街道办事处"]),
    ],
)
def test_sign_off_at_the_end_is_dropped(tail, kept):
    lines = [SourceLine(t) for t in ["某街道行动方案", "一、总体要求", "推进工作。", *tail]]
    assert [x.text for x in clean_document(lines).lines] == ["一、总体要求", "推进工作。", *kept]


def test_scraped_page_tail_and_attachments_are_dropped():
    body = ["一、总体要求", *[f"推进第{i}项工作。" for i in range(8)]]
    tail = ["【相关附件】", "空间布局图.pdf", "---", "相关报道：", "打印本页",
            "某区建设方案", "各位代表：现在向大会报告。"]
    lines = [SourceLine(t) for t in ["某区建设方案", *body, *tail]]
    assert [x.text for x in clean_document(lines).lines] == body
