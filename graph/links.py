"""Inferred links, each explainable and scored: goal phrase → heading, project → place, similar items.

Goal statements enumerate what the plan will do ("五大工程", "四大优势产业"); the
headings that carry each item out are worded a little differently, so a phrase
is matched to headings by the share of its characters found in order in the
heading (a longest common subsequence), after dropping generic lead verbs.

>>> [p for p, _ in goal_phrases("全面实施“一体化纵深推进、都市安全与健康”两大工程，着力增强")]
['一体化纵深推进', '都市安全与健康']
>>> round(phrase_score("都市安全与健康", "实施都市安全健康工程")[0], 2)
1.0
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

#: "五大工程", "四大优势产业", "三个一批": the marker of an enumerated goal.
COUNT_MARK = re.compile(r"(?:等)?[两二三四五六七八九十]+(?:大|个|项)[\u4e00-\u9fff]{0,2}"
                        r"(?:工程|产业|片区|行动|任务|板块|功能区|战略|体系|中心|平台|区)")
QUOTED = re.compile(r"[“\"]([^”\"]{2,80})[”\"]")
#: Generic lead verbs dropped before matching ("重点发展休闲旅游产业" → "休闲旅游产业").
LEAD_VERBS = ("重点发展", "重点打造", "大力发展", "加快发展", "积极发展", "全面实施", "深入实施", "着力打造",
              "加快建设", "重点建设", "实施", "打造", "发展", "建设", "推进", "推动", "构建", "培育", "聚焦")
#: Characters that carry no meaning when comparing a phrase with a heading.
FILLER = set("与和及的、“”\"‘’（）()。，, 　")
CLAUSE_SPLIT = re.compile(r"[。；;！？\n]")
MIN_SCORE = 0.75


def _strip_lead(item: str, first: bool) -> str:
    """Drop quotes and a generic lead verb (anywhere in the first item of a list, else at its start)."""
    item = re.sub(r"[“”\"‘’]", "", item).strip(" ，,：:")
    cut = 0
    for verb in LEAD_VERBS:
        at = item.rfind(verb) if first else (0 if item.startswith(verb) else -1)
        if at >= 0 and len(item) - at - len(verb) >= 2:
            cut = max(cut, at + len(verb))
    return item[cut:]


def _split_items(chunk: str) -> list[str]:
    """Split an enumeration "A、B、C和D" into its items.

    >>> _split_items("大沽街道将重点发展休闲旅游产业、汽车销售服务产业和盐光互补新能源产业")
    ['休闲旅游产业', '汽车销售服务产业', '盐光互补新能源产业']
    """
    parts = re.split(r"[、，,]", chunk)
    if len(parts) > 1 and "和" in parts[-1]:
        head, _, tail = parts[-1].rpartition("和")
        if len(head) >= 2 and len(tail) >= 2:
            parts[-1:] = [head, tail]
    return [p for p in (_strip_lead(x, i == 0) for i, x in enumerate(parts)) if len(p) >= 2]


def goal_phrases(text: str) -> list[tuple[str, int]]:
    """Return the items a goal text enumerates, each with its offset in ``text``."""
    found: list[tuple[str, int]] = []
    for mark in COUNT_MARK.finditer(text):
        before = text[:mark.start()]
        start = max(before.rfind(ch) for ch in "，。；：,;") + 1
        chunk = before[start:]
        quoted = QUOTED.search(chunk)
        if quoted:
            chunk, start = quoted.group(1), start + quoted.start(1)
        else:
            after = text[mark.end():]
            if after.startswith(("：", ":")):
                stop = CLAUSE_SPLIT.search(after)
                chunk, start = after[1:stop.start() if stop else None], mark.end() + 1
        for item in _split_items(chunk):
            found.append((item, max(text.find(item[:2], start), 0)))
    found.extend(_quoted_lists(text))
    return list({p: (p, o) for p, o in found}.values())


def _quoted_lists(text: str) -> list[tuple[str, int]]:
    """Return the items of clauses listing three or more quoted names (西部“智慧微城区”、中部“核心功能区”…).

    >>> [p for p, _ in _quoted_lists("重点打造西部“智慧微城区”、中部“核心功能区”和南部“产业生态新城区”，逐步形成")]
    ['西部智慧微城区', '中部核心功能区', '南部产业生态新城区']
    """
    found = []
    start = 0
    for clause in re.split(r"[，。；]", text):
        if len(QUOTED.findall(clause)) >= 3 and len(re.findall(r"[、和]", clause)) >= 2:
            for item in _split_items(clause):
                found.append((item, max(text.find(item[:2], start), 0)))
        start += len(clause) + 1
    return found


def _core(text: str) -> str:
    """Return ``text`` without filler characters."""
    return "".join(ch for ch in text if ch not in FILLER)


def _lcs(a: str, b: str) -> str:
    """Return a longest common subsequence of two short strings."""
    table = [[""] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, ca in enumerate(a):
        for j, cb in enumerate(b):
            table[i + 1][j + 1] = table[i][j] + ca if ca == cb else max(table[i][j + 1], table[i + 1][j], key=len)
    return table[-1][-1]


def phrase_score(phrase: str, heading: str) -> tuple[float, str]:
    """Score how well ``heading`` carries ``phrase``: the share of the phrase's characters it has, in order."""
    core, head = _core(phrase), _core(heading)
    if not core or not head:
        return 0.0, ""
    common = _lcs(core, head)
    return len(common) / len(core), common


@dataclass
class Match:
    """A scored link with the evidence that explains it."""

    target: object
    score: float
    evidence: str


def match_headings(phrase: str, headings: Iterable[tuple[object, str]]) -> list[Match]:
    """Return the headings that carry ``phrase`` (best score only, when it reaches MIN_SCORE)."""
    scored = []
    core = Counter(_core(phrase))
    need = max(2, MIN_SCORE * sum(core.values()) - 1e-9)
    for obj, title in headings:
        # The characters a title shares with the phrase bound their common subsequence: skip hopeless titles.
        if sum(min(k, title.count(ch)) for ch, k in core.items()) < need:
            continue
        score, common = phrase_score(phrase, title)
        if score >= MIN_SCORE and len(common) >= 2:
            scored.append(Match(obj, round(score, 3), f"共同字 {len(common)}/{len(_core(phrase))}: {common}"))
    if not scored:
        return []
    best = max(m.score for m in scored)
    return [m for m in scored if m.score == best]


def clause_bounds(text: str, pos: int) -> tuple[int, int]:
    """Return the start and end of the clause (between ，。；) around ``pos``."""
    stops = "，。；;,！？"
    start = max(text.rfind(ch, 0, pos) for ch in stops) + 1
    ends = [i for i in (text.find(ch, pos) for ch in stops) if i >= 0]
    return start, min(ends) if ends else len(text)


def project_places(projects: list[tuple[object, str, int]], places: list[tuple[object, str, int]],
                   text: str) -> list[Match]:
    """Link each project to the places its label contains or its clause names (offsets into ``text``)."""
    links = []
    for proj, plabel, ppos in projects:
        lo, hi = clause_bounds(text, ppos)
        for place, label, pos in places:
            if label and label in plabel and label != plabel:
                links.append(Match((proj, place), 1.0, f"项目名含地名: {label}"))
            elif lo <= pos < hi and pos != ppos:
                links.append(Match((proj, place), 0.6, f"同一分句: {text[lo:hi][:60]}"))
    best: dict[tuple, Match] = {}
    for m in links:
        if m.target not in best or best[m.target].score < m.score:
            best[m.target] = m
    return list(best.values())


def similar_items(items: list[tuple[object, str, str]], cut: Callable[[str], list[str]], **options) -> list[Match]:
    """Return, for each (key, group, text) item, the most similar items of other groups (``graph.similar``)."""
    return similar_words([(key, group, cut(text)) for key, group, text in items], **options)


def similar_words(items: Iterable[tuple[object, str, list[str]]], **options) -> list[Match]:
    """Return, for each (key, group, words) item, the most similar items of other groups (``graph.similar``)."""
    from graph.similar import Similarity

    sim = Similarity()
    for key, group, words in items:
        sim.add(key, group, words)
    return list(sim.matches(**options))
