"""Reading files: every format and encoding, docx structure, PDF line joining."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.read import SourceLine, read_lines

PLAN = "某某街道高质量发展行动方案\n一、总体要求\n（一）指导思想\n到2025年，社区服务覆盖率达到100%。\n二、保障措施\n"


def texts(lines: list[SourceLine]) -> list[str]:
    """Return the non-blank line texts."""
    return [line.text for line in lines if line.text.strip()]


EXPECTED = PLAN.split()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf8.txt", PLAN.encode("utf-8")),
        ("utf8-bom.txt", b"\xef\xbb\xbf" + PLAN.encode("utf-8")),
        ("gbk.txt", PLAN.encode("gbk")),
        ("gb18030.txt", PLAN.encode("gb18030")),
        ("utf16le.txt", PLAN.encode("utf-16")),
        ("utf16be.txt", b"\xfe\xff" + PLAN.encode("utf-16-be")),
        ("crlf.txt", PLAN.replace("\n", "\r\n").encode("utf-8")),
        ("cr.txt", PLAN.replace("\n", "\r").encode("gbk")),
        ("mixed.txt", "\r\n".join(PLAN.split()[:2]).encode() + b"\r" + "\n".join(PLAN.split()[2:]).encode()),
    ],
)
def test_text_encodings_and_line_endings(tmp_path: Path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    assert texts(read_lines(path)) == EXPECTED


def test_long_gbk_file_is_detected_on_the_whole_file(tmp_path: Path):
    # The first kilobytes are pure ASCII: detection must not stop there.
    path = tmp_path / "plan.txt"
    path.write_bytes(("x" * 5000 + "\n" + PLAN * 50).encode("gbk"))
    assert texts(read_lines(path))[1:6] == EXPECTED


def test_control_characters_are_stripped_but_tabs_kept(tmp_path: Path):
    path = tmp_path / "plan.txt"
    path.write_text("标题\x00\x07方案\n指标\t数值\x85\n\u200b正文\x1b[0m", encoding="utf-8")
    path.write_bytes(path.read_bytes().replace(b"\x00", b""))
    assert texts(read_lines(path)) == ["标题方案", "指标\t数值", "正文[0m"]


def test_markdown_headings_and_bold(tmp_path: Path):
    path = tmp_path / "plan.md"
    path.write_text("# 某某方案\n\n## 一、总体要求\n\n**（一）指导思想**\n\n> 引用的[链接](http://x.cn)文字\n"
                    "| 指标 | 数值 |\n|---|---|\n| 绿化率 | 40% |\n", encoding="utf-8")
    lines = [x for x in read_lines(path) if x.text]
    assert [(x.text, x.level, x.bold) for x in lines] == [
        ("某某方案", 1, False), ("一、总体要求", 2, False), ("（一）指导思想", None, True),
        ("引用的链接文字", None, False), ("指标\t数值", None, False), ("绿化率\t40%", None, False)]


def test_txt_holding_markdown_is_read_as_markdown(tmp_path: Path):
    path = tmp_path / "plan.txt"
    path.write_text("# 关于印发《某方案》的通知\n\n**发布日期**: 2025-03-10\n\n　　**某方案**\n", encoding="utf-8")
    lines = [x for x in read_lines(path) if x.text]
    assert [(x.text, x.level, x.bold) for x in lines] == [
        ("关于印发《某方案》的通知", 1, False), ("发布日期: 2025-03-10", None, False), ("某方案", None, True)]


def test_plain_txt_keeps_asterisks(tmp_path: Path):
    path = tmp_path / "plan.txt"
    path.write_text("方案\n注*为约束性指标\n", encoding="utf-8")
    assert texts(read_lines(path)) == ["方案", "注*为约束性指标"]


# --- docx ---------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def add_list(document, levels: list[tuple[str, str]]) -> str:
    """Add a multi-level list definition (numFmt, lvlText per level) to ``document``; return its numId."""
    from docx.oxml import parse_xml

    numbering = document.part.numbering_part.element
    abstract_id = str(900 + len(numbering.findall(f"{{{W_NS}}}abstractNum")))
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text) in enumerate(levels)
    )
    numbering.insert(0, parse_xml(f'<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="{abstract_id}">{lvls}'
                                  "</w:abstractNum>"))
    num_id = str(900 + len(numbering.findall(f"{{{W_NS}}}num")))
    numbering.append(parse_xml(f'<w:num xmlns:w="{W_NS}" w:numId="{num_id}">'
                               f'<w:abstractNumId w:val="{abstract_id}"/></w:num>'))
    return num_id


def numbered(paragraph, num_id: str, ilvl: int) -> None:
    """Put ``paragraph`` in list ``num_id`` at level ``ilvl``."""
    from docx.oxml import parse_xml

    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def test_docx_headings_numbering_bold_and_tables(tmp_path: Path):
    import docx

    document = docx.Document()
    document.add_paragraph("某某街道发展规划", style="Title")
    document.add_heading("第一章 发展基础", level=1)
    document.add_heading("第一节 发展现状", level=2)
    num_id = add_list(document, [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3.")])
    for text, ilvl in (("总体要求", 0), ("指导思想", 1), ("基本原则", 1), ("重点任务", 0), ("推动产业升级", 1),
                       ("建设载体", 2), ("培育企业", 2)):
        numbered(document.add_paragraph(text), num_id, ilvl)
    bold = document.add_paragraph()
    bold.add_run("推动街区活力提升。").bold = True
    mixed = document.add_paragraph()
    mixed.add_run("加粗").bold = True
    mixed.add_run("不加粗")
    table = document.add_table(rows=2, cols=3)
    for r, row in enumerate((("指标", "单位", "目标值"), ("绿化率", "%", "40"))):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("表后正文。")
    path = tmp_path / "plan.docx"
    document.save(path)

    lines = read_lines(path)
    assert [(x.text, x.level) for x in lines[:3]] == [("某某街道发展规划", None), ("第一章 发展基础", 1),
                                                      ("第一节 发展现状", 2)]
    assert texts(lines[3:10]) == ["一、总体要求", "（一）指导思想", "（二）基本原则", "二、重点任务",
                                  "（一）推动产业升级", "1.建设载体", "2.培育企业"]
    assert (lines[10].text, lines[10].bold) == ("推动街区活力提升。", True)
    assert (lines[11].text, lines[11].bold) == ("加粗不加粗", False)
    assert texts(lines[12:]) == ["指标\t单位\t目标值", "绿化率\t%\t40", "表后正文。"]


def test_docx_outline_level_counts_as_heading(tmp_path: Path):
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    paragraph = document.add_paragraph("一、总体要求")
    paragraph._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl xmlns:w="{W_NS}" w:val="0"/>'))
    document.add_paragraph("正文。")
    path = tmp_path / "plan.docx"
    document.save(path)
    assert [(x.text, x.level) for x in read_lines(path)] == [("一、总体要求", 1), ("正文。", None)]


# --- pdf ----------------------------------------------------------------


def make_pdf(path: Path, pages: list[list[str]], header: str = "", footer: bool = True) -> None:
    """Write a PDF with one text line per entry, a running header and '- N -' page numbers."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    for number, lines in enumerate(pages, start=1):
        pdf.setFont("STSong-Light", 12)
        if header:
            pdf.drawString(72, 810, header)
        y = 770
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 20
        if footer:
            pdf.drawString(290, 40, f"- {number} -")
        pdf.showPage()
    pdf.save()


def test_pdf_lines_are_joined_and_page_furniture_dropped(tmp_path: Path):
    path = tmp_path / "plan.pdf"
    make_pdf(path, [
        ["某某街道发展规划", "一、总体要求", "为深入贯彻党的二十大精神，加快建设消费中心核心区，构筑高",
         "质量发展新格局，制定本方案。", "二、重点任务", "推进二次创业，全面建设生态、智慧、港产城融合的宜居宜业美"],
        ["丽滨城。", "（一）推动产业升级", "支持企业上云上平台，推动企业数字化、网络化、智能化转型发展。"],
        ["三、保障措施", "加强组织领导，建立健全工作机制，确保各项任务落到实处取得实效。"],
    ], header="某某街道办事处文件")
    assert texts(read_lines(path)) == [
        "某某街道发展规划", "一、总体要求",
        "为深入贯彻党的二十大精神，加快建设消费中心核心区，构筑高质量发展新格局，制定本方案。",
        "二、重点任务", "推进二次创业，全面建设生态、智慧、港产城融合的宜居宜业美丽滨城。", "（一）推动产业升级",
        "支持企业上云上平台，推动企业数字化、网络化、智能化转型发展。", "三、保障措施",
        "加强组织领导，建立健全工作机制，确保各项任务落到实处取得实效。"]


def test_pdf_of_a_real_plan_reads_like_its_text(tmp_path: Path):
    """Lay the 杭州道 plan out as a PDF (38 characters a line, 40 lines a page) and read it back."""
    from ingest.clean import clean_document

    source = Path(__file__).resolve().parent.parent / "corpus" / "hangzhoudao-action-plan.txt"
    paragraphs = [line.strip() for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    physical = [p[i:i + 38] for p in paragraphs for i in range(0, len(p), 38)]
    path = tmp_path / "plan.pdf"
    make_pdf(path, [physical[i:i + 40] for i in range(0, len(physical), 40)], header="杭州道街道办事处")
    from_text = clean_document(read_lines(source))
    from_pdf = clean_document(read_lines(path))
    assert from_pdf.title == from_text.title
    assert [x.text for x in from_pdf.lines] == [x.text for x in from_text.lines]
