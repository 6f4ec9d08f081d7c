"""Markdown lines into source lines: ``#`` headings, wholly bold lines, tables, links.

Only what plan documents use is handled; anything else stays as text.  YAML
front matter and rule lines (``---``) are kept so that the cleaner can
recognise and drop them.
"""

from __future__ import annotations

import re

from ingest.read import SourceLine

ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
BOLD_LINE = re.compile(r"^(\*\*|__)(.+)\1$")
QUOTE = re.compile(r"^ {0,3}(?:>[ \t]?)+")
BULLET = re.compile(r"^[ \t]*[-*+][ \t]+")
TABLE_RULE = re.compile(r"^\|?[ \t]*:?-{2,}:?[ \t]*(\|[ \t]*:?-{2,}:?[ \t]*)*\|?$")
IMAGE = re.compile(r"!\[([^\]\n]{0,200})\]\([^)\n]{0,2000}\)")
LINK = re.compile(r"\[([^\]\n]{0,500})\]\([^)\n]{0,2000}\)")
INLINE = re.compile(r"\*\*|__|`")
ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|])")
TAG = re.compile(r"</?(?:br|p|span|div|strong|b|em|i|u|font|sup|sub)\b[^>\n]{0,200}>", re.I)


def looks_like_markdown(lines: list[str]) -> bool:
    """Tell whether a .txt file is really Markdown (``#`` headings, bold lines, links)."""
    marks = 0
    for line in lines[:400]:
        stripped = line.strip()
        if ATX.match(stripped) or BOLD_LINE.match(stripped) or "](" in stripped:
            marks += 1
    return marks >= 2


def inline(text: str) -> str:
    """Drop inline Markdown (images, link targets, bold, code, escapes, simple HTML)."""
    text = IMAGE.sub("", text)
    text = LINK.sub(r"\1", text)
    text = TAG.sub("", text)
    text = INLINE.sub("", text)
    return ESCAPE.sub(r"\1", text)


def table_row(text: str) -> str:
    """Return a Markdown table row as its cells joined by tabs."""
    cells = text.strip().strip("|").split("|")
    return "\t".join(inline(c.strip()) for c in cells)


def markdown_line(raw: str) -> SourceLine | None:
    """Convert one Markdown line; None for lines that carry no text (table rules)."""
    text = QUOTE.sub("", raw).strip()
    heading = ATX.match(text)
    if heading:
        return SourceLine(inline(heading.group(2)).strip(), level=len(heading.group(1)))
    if text.startswith("|") and text.count("|") >= 2:
        return None if TABLE_RULE.match(text) else SourceLine(table_row(text))
    text = BULLET.sub("", text) if not re.fullmatch(r"[-*_ ]{3,}", text) else text
    bold = BOLD_LINE.match(text)
    if bold and "**" not in bold.group(2):
        return SourceLine(inline(bold.group(2)).strip(), bold=True)
    return SourceLine(inline(text))


def markdown_lines(lines: list[str]) -> list[SourceLine]:
    """Convert Markdown lines to source lines, one for one (table rules dropped)."""
    out = []
    for raw in lines:
        line = markdown_line(raw)
        if line is not None:
            out.append(line)
    return out
