"""Plan metadata read off the title and text: kind, period, issuing street."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

KINDS = (
    ("政府工作报告", "工作报告"),
    ("工作报告", "工作报告"),
    ("行动方案", "行动方案"),
    ("实施方案", "实施方案"),
    ("工作方案", "工作方案"),
    ("建设方案", "建设方案"),
    ("行动计划", "行动计划"),
    ("五年规划", "五年规划"),
    ("规划", "规划"),
    ("纲要", "规划"),
    ("工作要点", "工作要点"),
    ("计划", "计划"),
    ("办法", "办法"),
    ("意见", "意见"),
    ("政策", "政策"),
    ("措施", "措施"),
    ("方案", "方案"),
)
CN_NUMERAL = {c: i for i, c in enumerate("〇一二三四五六七八九")}
FIVE_YEAR = re.compile(r"十([一二三四五六七八九])五|第十([一二三四五六七八九])个五年")
YEAR_RANGE = re.compile(r"((?:19|20)\d\d)\s*年?\s*[-—–~～至到]+\s*((?:19|20)\d\d)\s*年")
PERIOD_PHRASE = re.compile(r"(?:规划|计划|方案)?(?:期限|期|时限|实施期)为?\s*((?:19|20)\d\d)\s*年?\s*[-—–~～至到]+"
                           r"\s*((?:19|20)\d\d)\s*年")
BY_YEAR = re.compile(r"(?:到|至)\s*((?:20)\d\d)\s*年")
ONE_YEAR = re.compile(r"((?:19|20)\d\d)\s*年(?!度?(?:以前|以来|前|起))")

#: Administrative units from finest to coarsest; the finest one named in a title issues the plan.
UNIT_RANKS = (("街道", 0), ("镇", 1), ("乡", 1), ("新区", 2), ("高新区", 2), ("开发区", 2), ("自治县", 2),
              ("区", 2), ("县", 2), ("旗", 2), ("自治州", 3), ("市", 3), ("州", 3), ("盟", 3),
              ("自治区", 4), ("省", 4), ("特别行政区", 4))
UNIT = re.compile(r"([\u4e00-\u9fff]{2,6}?)(" + "|".join(sorted((u for u, _ in UNIT_RANKS), key=len, reverse=True))
                  + r")(?![场容域级貌井])")
NOT_A_NAME = re.compile(r"[和与及的之于对为在等各是年]|创新|建设|发展|产业|工作|管理|服务|保护|城市|政府|经济|社会|国家"
                        r"|人民|数字|示范|改革|试验|质量")


def plan_id_for(path: str | Path) -> str:
    """Return a stable, URL-safe id for the plan file at ``path``."""
    stem = Path(path).stem
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    if len(re.sub(r"[^a-z0-9]", "", slug)) >= 3:
        return slug
    return "plan-" + hashlib.sha1(stem.encode("utf-8")).hexdigest()[:10]


def plan_kind(title: str) -> str:
    """Return the kind of plan its title names (行动方案, 规划, 工作报告…)."""
    for word, kind in KINDS:
        if word in title:
            return kind
    return "其他"


def plan_period(title: str, text: str) -> tuple[int | None, int | None]:
    """Return the (first, last) year the plan covers, when it says so.

    >>> plan_period("天津市滨海新区大沽街道国民经济和社会发展第十四个五年规划", "")
    (2021, 2025)
    >>> plan_period("安徽省工业互联网创新发展行动计划（2021—2023年）", "")
    (2021, 2023)
    >>> plan_period("2026年安徽省政府工作报告", "")
    (2026, 2026)
    >>> plan_period("某街道行动方案", "……到2027年，建成……")
    (None, 2027)
    """
    m = YEAR_RANGE.search(title)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = FIVE_YEAR.search(title)
    if m:
        start = 2001 + 5 * CN_NUMERAL[m.group(1) or m.group(2)]
        return start, start + 4
    m = ONE_YEAR.search(title)
    if m:
        return int(m.group(1)), int(m.group(1))
    head = text[:6000]
    m = PERIOD_PHRASE.search(head)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = FIVE_YEAR.search(head[:300])
    if m:
        start = 2001 + 5 * CN_NUMERAL[m.group(1) or m.group(2)]
        return start, start + 4
    ends = [int(y) for y in BY_YEAR.findall(head)]
    if ends:
        return None, min(ends)
    return None, None


def plan_street(title: str) -> str:
    """Return the finest administrative unit the title names: 街道 > 镇/乡 > 区/县 > 市 > 省.

    >>> plan_street("天津市滨海新区大沽街道国民经济和社会发展第十四个五年规划")
    '大沽街道'
    >>> plan_street("闵行区城市更新“十五五”规划")
    '闵行区'
    >>> plan_street("“十四五”国家应急体系规划")
    ''
    """
    ranks = dict(UNIT_RANKS)
    found: list[tuple[int, int, str]] = []
    pos = 0
    while pos < len(title):
        m = UNIT.match(title, pos)
        if m and not NOT_A_NAME.search(m.group(0)):
            found.append((ranks[m.group(2)], m.start(), m.group(0)))
            pos = m.end()
        else:
            pos += 1
    return min(found)[2] if found else ""
