"""Numbers as plans write them: Arabic and Chinese numerals, units, comparators."""

from __future__ import annotations

import re

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}

#: A Chinese numeral such as 三, 十二, 一百五十, 两千, 一万.
CN_NUMERAL = "[零〇一二两三四五六七八九十百千万亿]+"

#: An Arabic number with optional thousands separators and decimals (1,200.5).
ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"

#: Units a plan measures in, longest first so 万平方米 wins over 平方米.  General
#: domain vocabulary, not taken from any one document.
UNITS = sorted(
    """
    个百分点 百分点 % ％ ‰ 倍
    万亿元 亿元 万元 千元 元 亿美元 万美元 美元
    平方公里 万平方米 平方米 万亩 亩 公顷 公里 千米 万千瓦 千瓦 兆瓦 吉瓦时 万千瓦时 千瓦时 度
    万吨 吨 万辆 辆 万人次 人次 万人 人 名 万户 户 家 个 座 处 所 条 块 株 棵 张 项 件 套 台 只 间 批
    支 次 场次 部 栋 幢 段 片 床 个点 席 小时 分钟 天 公斤 千克 立方米 万立方米 方 斤 标箱 万标箱 GB 年
    """.split(),  # noqa: SIM905 - a word list reads better than a list literal
    key=len,
    reverse=True,
)

#: A unit at the start of a string.
UNIT_RE = re.compile("|".join(re.escape(u) for u in UNITS))

#: A table cell that is only a unit, possibly with a parenthesised gloss: 条（段）.
UNIT_CELL_RE = re.compile(rf"^(?:{UNIT_RE.pattern})(?:[（(][^）)]{{1,4}}[）)]|/每?[年月日天])?$")

#: Comparators written before a number, mapped to their normal form.
PREFIX_COMPARATORS = {
    "不少于": "不少于", "不低于": "不低于", "不超过": "以内", "不高于": "以下", "低于": "以下", "高于": "超过",
    "超过": "超过", "突破": "超过", "控制在": "控制在", "保持在": "达到", "稳定在": "达到", "达到": "达到",
    "提高到": "达到", "提升到": "达到", "提升至": "达到", "提高至": "达到", "增加到": "达到", "增长到": "达到",
    "降低到": "控制在", "降至": "控制在", "下降到": "控制在", "缩短至": "控制在", "缩短到": "控制在",
    "≥": "不低于", ">": "超过", "＞": "超过", "≤": "以内", "<": "以下", "＜": "以下", "约": "左右", "达": "达到",
    "超": "超过",
}

#: Comparators written after a number (and its unit).
SUFFIX_COMPARATORS = {
    "以上": "以上", "及以上": "以上", "以下": "以下", "及以下": "以下", "左右": "左右", "以内": "以内",
    "内": "以内", "上下": "左右", "多": "以上", "余": "以上",
}


def cn_to_int(text: str) -> int | None:
    """Return the value of a Chinese numeral, or None when it is not one.

    >>> [cn_to_int(s) for s in ("三", "十二", "一百五十", "两千", "一万", "三千五百万", "二〇三五")]
    [3, 12, 150, 2000, 10000, 35000000, 2035]
    """
    if not text or any(ch not in CN_DIGITS and ch not in CN_SMALL_UNITS and ch not in CN_BIG_UNITS for ch in text):
        return None
    if all(ch in CN_DIGITS for ch in text) and len(text) > 1:
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_SMALL_UNITS:
            section += (1 if digit is None else digit) * CN_SMALL_UNITS[ch]
            digit = None
        else:
            section += digit or 0
            total = (total + section) * CN_BIG_UNITS[ch] if section or total else CN_BIG_UNITS[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


def parse_number(text: str) -> float | None:
    """Return the value of an Arabic or Chinese number (万/亿 suffixes allowed), or None.

    >>> [parse_number(s) for s in ("1,200", "5.5", "三", "一万", "2.5万", "x")]
    [1200.0, 5.5, 3.0, 10000.0, 25000.0, None]
    """
    text = text.strip()
    m = re.fullmatch(rf"({ARABIC})([万亿]?)", text)
    if m:
        return float(m.group(1).replace(",", "")) * CN_BIG_UNITS.get(m.group(2), 1)
    value = cn_to_int(text)
    return float(value) if value is not None else None


#: A table value cell: optional comparator or change word, a number, optional unit and comparator word.
VALUE_CELL_RE = re.compile(rf"^(?P<pre>[≥≤><＞＜]|不低于|不少于|不高于|不超过|约|下降|降低|减少|提高|提升|增长)?\s*"
                           rf"(?P<num>{ARABIC})\s*(?P<unit>%|％|‰)?(?P<post>以上|以下|左右|以内)?$")

#: Change words that make a cell's number a relative change (下降15%).
CHANGE_WORDS = {"下降": "下降", "降低": "下降", "减少": "下降", "提高": "提高", "提升": "提高", "增长": "提高"}

#: Table cells that stand for "no value".
NULL_CELLS = {"-", "—", "–", "/", "／", "——", "--", "无", "…"}


def parse_value_cell(cell: str) -> tuple[float | None, str]:
    """Return (value, comparator) of a table value cell; value is None when there is none.

    >>> parse_value_cell("≥10"), parse_value_cell("95以上"), parse_value_cell("-"), parse_value_cell("启动8个")
    ((10.0, '不低于'), (95.0, '以上'), (None, ''), (None, ''))
    >>> parse_value_cell("下降15%")
    (15.0, '下降')
    """
    value, comparator, _ = parse_value_unit(cell)
    return value, comparator


def parse_value_unit(cell: str) -> tuple[float | None, str, str]:
    """Return (value, comparator, unit written in the cell) of a table value cell.

    >>> parse_value_unit("<1%"), parse_value_unit("12")
    ((1.0, '以下', '%'), (12.0, '', ''))
    """
    m = VALUE_CELL_RE.match(cell.strip())
    if not m:
        return None, "", ""
    pre, post = m.group("pre") or "", m.group("post") or ""
    comparator = PREFIX_COMPARATORS.get(pre, "") or CHANGE_WORDS.get(pre, "") or SUFFIX_COMPARATORS.get(post, "")
    return float(m.group("num").replace(",", "")), comparator, (m.group("unit") or "").replace("％", "%")


def is_value_cell(cell: str) -> bool:
    """Say whether a table cell holds a number (or stands for a missing one)."""
    return cell.strip() in NULL_CELLS or bool(VALUE_CELL_RE.match(cell.strip()))
