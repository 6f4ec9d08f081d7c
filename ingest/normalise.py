"""Line-level normalisation: conversion artefacts, stray spaces, full/half-width forms.

Nothing here changes what a line says or how it is numbered: "1、 总体要求"
and "（2） 实施载体" keep their ASCII spaces; only non-ASCII spaces, full-width
Latin letters and digits, and half-width punctuation wedged between Chinese
characters are touched.

>>> normalise_line("[bookmark: _Toc11539]第一章  发展基础")
'第一章  发展基础'
>>> normalise_line("ＡＢＣ１２３，推进\\u3000城市更新")
'ABC123，推进城市更新'
>>> normalise_line("产业,人才(试行)Open\\u00a0Data")
'产业，人才（试行）Open Data'
"""

from __future__ import annotations

import re

ARTEFACT = re.compile(r"\[(?:bookmark|image|anchor|figure|图片)(?::[^\]\n]{0,300})?\]", re.I)
ODD_SPACE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
FULL_WIDTH_ALNUM = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
CJK = "\u3400-\u9fff\uf900-\ufaff"
CJK_PUNCT = "\u3000-\u303f\uff00-\uffef\u2018-\u201f\u2014\u2026"
WIDE = f"[{CJK}{CJK_PUNCT}]"
CHAPTER_END = re.compile(r"第[一二三四五六七八九十百零〇\d]{1,4}[章节篇]$|第[一二三四五六七八九十\d]{1,3}部分$")
HALF_COMMA = re.compile(f"(?<=[{CJK}])([,;])(?=[{CJK}])")
HALF_PARENS = re.compile(f"\\(([^()\n]{{0,60}}[{CJK}][^()\n]{{0,60}})\\)")


def normalise_line(text: str) -> str:
    """Return one line without artefacts, with spaces and character widths normalised."""
    text = ARTEFACT.sub("", text)
    text = ODD_SPACE.sub(odd_space, text)
    text = FULL_WIDTH_ALNUM.sub(lambda m: chr(ord(m.group()) - 0xFEE0), text)
    text = HALF_COMMA.sub(lambda m: "，" if m.group(1) == "," else "；", text)
    text = HALF_PARENS.sub(r"（\1）", text)
    return text.strip()


def odd_space(m: re.Match) -> str:
    """Replace a run of NBSP/ideographic spaces: nothing beside Chinese text, else one space."""
    text, start, end = m.string, m.start(), m.end()
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if not before or not after:
        return ""
    if CHAPTER_END.search(text, max(0, start - 12), start):
        return " "  # "第一章\u00a0\u00a0发展基础" keeps the gap a reader sees after a chapter number
    if re.match(WIDE, before) or re.match(WIDE, after):
        return ""
    return " "


def key(text: str) -> str:
    """Return a comparison key for a line: no spaces, quotes, brackets of either width or markup."""
    return re.sub(r"[\s\"'“”‘’《》〈〉<>*#（）()\[\]【】]", "", text).replace("—", "-").replace("–", "-")
