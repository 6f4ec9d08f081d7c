"""Plan metadata read off the title and text: kind, period, issuing street."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

KINDS = (
    ("行动方案", "行动方案"),
    ("实施方案", "实施方案"),
    ("工作方案", "工作方案"),
    ("建设方案", "建设方案"),
    ("五年规划", "五年规划"),
    ("规划", "规划"),
    ("纲要", "规划"),
    ("政府工作报告", "工作报告"),
    ("工作报告", "工作报告"),
    ("办法", "办法"),
    ("意见", "意见"),
    ("方案", "方案"),
)
CN_FIVE_YEAR = {"十三五": (2016, 2020), "十四五": (2021, 2025), "十五五": (2026, 2030)}
STREET = re.compile(r"([\u4e00-\u9fff]{1,8}?(?:街道|镇|乡|区|县|市|省|自治区))")


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
    """Return the (first, last) year the plan covers, when it says so."""
    for name, years in CN_FIVE_YEAR.items():
        if name in title:
            return years
    m = re.search(r"((?:19|20)\d\d)\s*[-—–~至到]\s*((?:19|20)\d\d)\s*年", title + text[:3000])
    if m:
        return int(m.group(1)), int(m.group(2))
    m = re.search(r"到\s*((?:20)\d\d)\s*年", text[:6000])
    if m:
        return None, int(m.group(1))
    return None, None


def plan_street(title: str) -> str:
    """Return the street, town or district that issues the plan, if the title names one."""
    m = STREET.search(title)
    return m.group(1) if m else ""
