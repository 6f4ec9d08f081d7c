"""Read .docx files: paragraphs with heading levels, Word list numbers and tables.

Structure Word keeps outside the text is written into the lines so that the
outline parser sees what a reader sees: a paragraph in an automatically
numbered list gets its number rendered as Word shows it ("一、", "（一）",
"1."), and heading styles / outline levels become ``SourceLine.level``.

Tables: each row becomes one line with its cells joined by a tab (merged
cells once), in document order.  A tab-joined row keeps the row/column
structure that a one-cell-per-line flattening would lose.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ingest.read import SourceLine, fail

#: A .docx whose parts would expand beyond this is refused (zip bomb).
MAX_UNZIPPED = 256 * 1024 * 1024
MAX_PARTS = 5000
#: Any one XML part larger than this is refused: lxml needs many times its size in memory.
MAX_XML_PART = 64 * 1024 * 1024

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.I)
CN_DIGITS = "零一二三四五六七八九"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def check_zip(path: Path) -> None:
    """Refuse a .docx that is not a zip, lacks its document part or would expand too far."""
    with path.open("rb") as f:
        magic = f.read(8)
    if magic == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise fail(path, "加密或旧版 Word 文件", "encrypted or legacy Word file (OLE container), not a .docx")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise fail(path, "docx 文件损坏或不完整", f"corrupt or truncated .docx: {err}") from None
    total = sum(info.file_size for info in infos)
    biggest_xml = max((i.file_size for i in infos if i.filename.endswith((".xml", ".rels"))), default=0)
    if total > MAX_UNZIPPED or len(infos) > MAX_PARTS or biggest_xml > MAX_XML_PART:
        raise fail(path, "docx 解压后过大，疑似压缩炸弹",
                   f"docx expands to {total // 2**20} MB in {len(infos)} parts "
                   f"(limit {MAX_UNZIPPED // 2**20} MB): refusing a possible zip bomb")
    if "word/document.xml" not in {info.filename for info in infos}:
        raise fail(path, "docx 文件损坏", "corrupt .docx: no word/document.xml")


def open_docx(path: Path):
    """Open ``path`` with python-docx after the zip checks; IngestError on corruption."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    check_zip(path)
    try:
        return docx.Document(str(path))
    except (PackageNotFoundError, XMLSyntaxError, KeyError, ValueError, zipfile.BadZipFile) as err:
        raise fail(path, "docx 文件损坏", f"corrupt .docx: {type(err).__name__}: {err}") from None


def read_docx(path: Path) -> list[SourceLine]:
    """Read a .docx into lines: paragraphs (with numbering and levels) and table rows."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = open_docx(path)
    numbering = Numbering(document)
    lines: list[SourceLine] = []
    for child in document.element.body.iterchildren():
        if child.tag == W + "p":
            lines.extend(paragraph_lines(Paragraph(child, document), numbering))
        elif child.tag == W + "tbl":
            lines.extend(SourceLine(row) for row in table_rows(Table(child, document)))
    return lines


def paragraph_lines(par, numbering: Numbering) -> list[SourceLine]:
    """Return the line(s) of one paragraph, list number first."""
    text = par.text
    if not text.strip():
        return []
    level = heading_level(par)
    number = numbering.label(par)
    bold = is_bold(par)
    if level is not None:
        return [SourceLine(number + text.replace("\n", ""), level, bold)]
    parts = [p for p in text.split("\n") if p.strip()]
    return [SourceLine((number if i == 0 else "") + p, None, bold) for i, p in enumerate(parts)]


def heading_level(par) -> int | None:
    """Return the heading level a paragraph's style or outline level gives, 1 for the outermost."""
    style = par.style
    while style is not None:
        m = HEADING_STYLE.match(style.name or "")
        if m:
            return int(m.group(1))
        level = outline_level(style.element)
        if level is not None:
            return level
        style = style.base_style
    return outline_level(par._p)


def outline_level(element) -> int | None:
    """Return ``w:outlineLvl`` of a paragraph or style element as a 1-based level (body text is None)."""
    ppr = element.find(W + "pPr")
    found = ppr.find(W + "outlineLvl") if ppr is not None else None
    if found is None:
        return None
    value = int(found.get(W + "val", "9"))
    return value + 1 if value < 9 else None


def is_bold(par) -> bool:
    """Tell whether every run with text in the paragraph is bold."""
    runs = [r for r in par.runs if r.text.strip()]
    if not runs:
        return False
    style_bold = bool(par.style is not None and par.style.font.bold)
    return all(r.bold or (r.bold is None and (style_bold or bool(r.style and r.style.font.bold))) for r in runs)


def table_rows(table) -> list[str]:
    """Return each table row as its cells' text joined by tabs, merged cells once."""
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append("\t".join(cells))
    return rows


class Numbering:
    """Word's automatic list numbering, counted the way Word shows it."""

    def __init__(self, document):
        self.formats: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        abstract = {a.get(W + "abstractNumId"): levels_of(a) for a in root.iter(W + "abstractNum")}
        for num in root.iter(W + "num"):
            ref = num.find(W + "abstractNumId")
            levels = dict(abstract.get(ref.get(W + "val") if ref is not None else None, {}))
            for override in num.iter(W + "lvlOverride"):
                start = override.find(W + "startOverride")
                ilvl = int(override.get(W + "ilvl", "0"))
                if start is not None and ilvl in levels:
                    fmt, text, _ = levels[ilvl]
                    levels[ilvl] = (fmt, text, int(start.get(W + "val", "1")))
            self.formats[num.get(W + "numId")] = levels

    def label(self, par) -> str:
        """Return the rendered list number of ``par`` ("一、", "（二）", "3.") or ""."""
        num_id, ilvl = numbering_of(par)
        levels = self.formats.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        counts = self.counters.setdefault(num_id, [0] * 9)
        counts[ilvl] = counts[ilvl] + 1 if counts[ilvl] else levels[ilvl][2]
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = 0
        fmt, text, _ = levels[ilvl]
        if fmt in ("bullet", "none"):
            return ""

        def render(m: re.Match) -> str:
            level = int(m.group(1)) - 1
            lfmt = levels.get(level, (fmt, "", 1))[0]
            return format_number(counts[level] or levels.get(level, ("", "", 1))[2], lfmt)

        return re.sub(r"%([1-9])", render, text)


def levels_of(abstract) -> dict[int, tuple[str, str, int]]:
    """Return {ilvl: (numFmt, lvlText, start)} for one ``w:abstractNum``."""
    levels = {}
    for lvl in abstract.iter(W + "lvl"):
        fmt = lvl.find(W + "numFmt")
        text = lvl.find(W + "lvlText")
        start = lvl.find(W + "start")
        levels[int(lvl.get(W + "ilvl", "0"))] = (
            fmt.get(W + "val", "decimal") if fmt is not None else "decimal",
            text.get(W + "val", "") if text is not None else "",
            int(start.get(W + "val", "1")) if start is not None else 1,
        )
    return levels


def numbering_of(par) -> tuple[str | None, int]:
    """Return the (numId, ilvl) of a paragraph, from its own properties or its style's."""
    for element in (par._p, par.style.element if par.style is not None else None):
        ppr = element.find(W + "pPr") if element is not None else None
        numpr = ppr.find(W + "numPr") if ppr is not None else None
        if numpr is not None:
            num = numpr.find(W + "numId")
            ilvl = numpr.find(W + "ilvl")
            return (num.get(W + "val") if num is not None else None,
                    int(ilvl.get(W + "val", "0")) if ilvl is not None else 0)
    return None, 0


def format_number(n: int, fmt: str) -> str:
    """Render ``n`` in a Word number format (decimal, chineseCounting, upperLetter…)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "ideographTraditional",
               "taiwaneseCounting", "japaneseCounting", "chineseLegalSimplified"):
        return chinese_number(n)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return CIRCLED[n - 1] if 0 < n <= len(CIRCLED) else str(n)
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman"):
        roman = to_roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    return str(n)


def chinese_number(n: int) -> str:
    """Render 1..99 as Chinese numerals (一, 十, 十一, 二十三)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")
    return str(n)


def to_roman(n: int) -> str:
    """Render ``n`` in Roman numerals."""
    out = ""
    for value, mark in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + mark, n - value
    return out
