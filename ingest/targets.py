"""Numeric targets from indicator tables and from sentences.

Table rows become targets through their header (name, unit, baseline and
target columns, 属性).  In running text every number with a unit is a
candidate; the clause around it gives the indicator phrase, the sentence
gives the target year, and the section (发展基础, 工作回顾…) or wording
(截至2020年底, 2020年完成) tells a past achievement from a target.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingest.model import Node, Plan, Table, Target
from ingest.numbers import (
    ARABIC,
    CN_NUMERAL,
    PREFIX_COMPARATORS,
    SUFFIX_COMPARATORS,
    UNIT_CELL_RE,
    UNIT_RE,
    parse_number,
    parse_value_cell,
    parse_value_unit,
)
from ingest.tables import column_roles, table_nodes

# ---------------------------------------------------------------- tables

#: A unit in parentheses at the end of an indicator name: 工业生产总值（亿元）.
NAME_UNIT_RE = re.compile(r"[（(]([^（）()]{1,8})[)）]$")
#: A header year (2020年) or plan period (“十四五”) that dates a value column.
HEADER_YEAR_RE = re.compile(r"((?:19|20)\d\d)|十([三四五六])五")
PERIOD_END = {"三": 2020, "四": 2025, "五": 2030, "六": 2035}


def header_year(cell: str) -> int | None:
    """Return the year a value column stands for (a period's last year).

    >>> header_year("2020年"), header_year("“十五五”目标值"), header_year("现状")
    (2020, 2030, None)
    """
    m = HEADER_YEAR_RE.search(cell)
    if not m:
        return None
    return int(m.group(1)) if m.group(1) else PERIOD_END[m.group(2)]


def table_targets(plan: Plan, table: Table) -> Iterator[Target]:
    """Yield one target per indicator row of ``table``."""
    roles = column_roles(table.header)
    values = [i for i, r in enumerate(roles) if r == "value"]
    if not values or "name" not in roles:
        return
    target_col = next((i for i in reversed(values) if "目标" in table.header[i]), values[-1])
    achieved = "完成情况" in table.title + "".join(table.header)
    if achieved:  # a review table: the reached value is the last column that is not the old target
        target_col = next((i for i in reversed(values) if "目标" not in table.header[i]), target_col)
    base_col = next((i for i in reversed(values) if i != target_col and "目标" not in table.header[i]), None)
    for row in table.rows:
        yield from row_target(plan, table, roles, row, target_col, base_col, achieved)


def row_target(plan: Plan, table: Table, roles: list[str], row: list[str], target_col: int,
               base_col: int | None, achieved: bool) -> Iterator[Target]:
    """Yield the target one table row states, if its target cell holds a number."""
    value, comparator, cell_unit = parse_value_unit(row[target_col])
    name = next((row[i] for i in reversed(range(len(roles))) if roles[i] == "name" and row[i]), "")
    if value is None or not name:
        return
    unit = (row[roles.index("unit")] if "unit" in roles else "") or cell_unit
    m = NAME_UNIT_RE.search(name)
    if m and (not unit or UNIT_CELL_RE.match(m.group(1))):
        unit, name = unit or m.group(1), name[: m.start()].strip()
    name = re.sub(r"^其中\s*", "", name)
    baseline = parse_value_cell(row[base_col])[0] if base_col is not None else None
    attr = row[roles.index("attr")] if "attr" in roles else ""
    start = plan.text.find(name, table.start, table.end + 1)
    text = "；".join(f"{h}：{c}" for h, c in zip(table.header, row) if c and h not in ("序号", "编号"))
    yield Target(
        "", table.node_id, text, name, value, unit, None,
        header_year(table.header[target_col]) or plan.end_year, comparator, baseline,
        header_year(table.header[base_col]) if base_col is not None else None, attr, "table",
        "achieved" if achieved else "target", start if start >= 0 else table.start,
        (start + len(name)) if start >= 0 else table.end,
    )


# ---------------------------------------------------------------- sentences

#: A number with its unit: optional comparator before, a range (2-3, 2至3), "余/多", the unit, a comparator after.
MENTION_RE = re.compile(
    rf"(?P<pre>{'|'.join(sorted(map(re.escape, PREFIX_COMPARATORS), key=len, reverse=True))})?"
    rf"(?P<num>{ARABIC}|{CN_NUMERAL})(?:\s*[-~～—–至到]\s*(?P<num2>{ARABIC}|{CN_NUMERAL}))?"
    rf"(?P<approx>余|多)?(?:(?P<unit>{UNIT_RE.pattern})|(?P<mult>[万亿])(?P<unit2>{UNIT_RE.pattern})?)"
    r"(?P<per>/(?:年|月|日|天|小时|人|户|平方公里))?"
    rf"(?P<post>{'|'.join(sorted(map(re.escape, SUFFIX_COMPARATORS), key=len, reverse=True))})?"
)
#: Doubling: 翻一番 (×2), 翻两番 (×4), with the baseline year when stated (较2020年).
DOUBLING_RE = re.compile(r"(?:[较比](?P<year>(?:19|20)\d\d)年)?翻(?P<times>[一两二三])番")
#: The year a sentence aims at: 到2027年, 至2030年底, 2025年前.
YEAR_RE = re.compile(r"(?:到|(?<![截])至|在|于|力争|争取)\s*((?:19|20)\d\d)\s*年|((?:19|20)\d\d)\s*年(?:底|末)?前")
#: A bare year mentioned in a sentence.
ANY_YEAR_RE = re.compile(r"((?:19|20)\d\d)\s*年")
#: A baseline year: 较2020年, 比2015年.
BASE_YEAR_RE = re.compile(r"[较比]((?:19|20)\d\d)年")
#: Sections that look back (发展基础, 工作回顾, 取得的成就…): their numbers are achievements.
PAST_SECTION_RE = re.compile(r"发展基础|回顾|成就|成效|进展|总结|执行情况|基础和|现状|取得|过去|发展环境")
#: Wording of a past result in a sentence.
PAST_WORDS_RE = re.compile(r"截至|截止|已建成|已完成|已经|共计|同比|比上年|过去一年|过去五年|这五年|期间共|以来")
#: Wording of an aim: it overrides past wording.
FUTURE_WORDS_RE = re.compile(r"到\s*20\d\d|(?<![截])至\s*20\d\d|力争|确保|争取|计划|目标|将|预计|推动|今年|未来|以上|"
                             r"不低于|不少于")
#: Clause delimiters inside a sentence.
CLAUSE_SPLIT_RE = re.compile(r"[，,：:（）()]")
#: Time and modality words that open a clause but are not the indicator.
LEAD_RE = re.compile(r"^(?:\d+[．.、](?!\d)|(?:到|至|在)?\s*(?:20\d\d)\s*年(?:底|末|前)?|力争|确保|争取|"
                     r"未来[一二三四五两]年|[一二三四五两]年内|(?:到|至)?“?十[三四五六]五”?(?:期间|末|时期)?|全年|(?:平均)?每年|其中|同时|此外|进一步|努力|积极|"
                     r"要|将|使|把|推动|实现|基本|分别|累计|共|预计|年度|做到)+")
#: Verbs and adverbs that end the text before a number but are not the indicator.
TAIL_RE = re.compile(r"(?:分别|基本|稳定|总体|累计|力争|再|共|约|总计|合计|实现|达到|达|为|超过|保持|提高|提升|增长|"
                     r"完成|建设|新增|建成|新建|打造|培育|引进|创建|形成|拥有|突破|增加|开展|举办|改造|设立|落地|"
                     r"整治|种植|补种|建|等|年均|每年|以上|以内|预计|[一二三四五两]年内?)+$")
#: Verbs that, ending the text before a number, make the noun after the unit the indicator.
ACTION_TAIL_RE = re.compile(r"(?:建设|新增|建成|新建|打造|培育|引进|创建|形成|开展|举办|改造|设立|落地|整治|"
                            r"种植|补种|建|等|再|引育|启动|办好|开发|认定|扶持|发展|布局|实施|推出|树立|遴选|发布|面向|推动|引导|带动|评选|征集|"
                            r"^全[省市区县国镇街])$")
#: A measure name that keeps its leading verb (新增从业人员…培训率).
MEASURE_END_RE = re.compile(r"(?:率|比重|占比|比例|数|量|额|规模|面积|总值|指数|时间|速度|增速|增幅)$")
#: Leading verbs trimmed from a noun indicator (建设垃圾厢房72个).
LEAD_VERB_RE = re.compile(r"^(?:新增(?!就业)|建设|建成|新建|打造|培育|引进|创建|再建设|完成|实施)")
#: The noun after an amount runs into a verb and another number: the amount is a qualifier.
QUALIFIER_RE = re.compile(r"(?:达到|达|为|超过|突破|不少于|不低于)$")
#: Text before a number that makes it no target: 第8, B1, a date, a quoted name.
SKIP_BEFORE_RE = re.compile(r"(?:第|每|[A-Za-z]|\d[.．]|No\.)$")
#: Words in a clause that make its number an aim or a result rather than a description (包括8个社区).
CUE_RE = re.compile(r"到|至|力争|确保|争取|达|以上|不少于|不低于|不超过|控制|提高|提升|新增|新建|建设|建成|打造|"
                    r"培育|引进|创建|累计|年均|突破|超过|实现|完成|以内|以下|左右|每年|目标|翻|增长|下降|减少|降低|缩短|覆盖|预计|"
                    r"培训|改造|整治|种植|补种|新种|开展|举办|引育|认定|扶持|发放|服务|新开工|签约|落地|遴选|发布|面向|推动|"
                    r"带动|评选|启动|办好|开发(?!区)")
#: A Chinese numeral needs a digit (十 counts): 万/亿 alone belong to a unit.
CN_DIGIT_RE = re.compile("[一二三四五六七八九两十]")
#: Connectors left before a number that follows another one (…98%、帮教率…).
CONNECTOR_RE = re.compile(r"^[、和及与以并且或，,\s]+")
#: A policy rule, not a target: subsidies, ceilings and shares of a cost (最高300万元, 按投资额30%给予奖补).
POLICY_RE = re.compile(r"奖补|贴息|给予|最高|按照?[^，。；]{0,20}的?比例|按[^，。；]{0,24}额的")
#: Units of money and shares that a policy rule speaks in.
POLICY_UNIT_RE = re.compile(r"元|%|％|年")
#: Words that make a count part of a description (分为四个功能区, 包括8个社区).
DESCRIBE_RE = re.compile(r"(?:分为|划分为|包括|包含|涵盖|下辖|辖|共有|由)[^，。；]{0,40}$")
#: A number that only qualifies the noun after it (30人以上的企业, 超过200米的矿山).
QUALIFIES_RE = re.compile(r"^(?:[^，。；：\d]{0,12}?[\d][^，。；：]{0,12}?)?的")
#: A change or rate without its subject (年均增幅10%): the subject is the clause before.
BARE_RATE_RE = re.compile(r"^(?:年均|平均|每年|年)?(?:增幅|增速|增长率?|增长速度|提高|提升|下降|降低|减少)$")
#: A short verb right after a share (100%排查): it completes the indicator.
SHARE_VERB_RE = re.compile(r"^([\u4e00-\u9fff]{2})(?=[、，,。；;]|$)")
#: An adjective ending a list item (行业型、专业型、区域型平台): the head noun is after the list.
ADJ_ITEM_RE = re.compile(r"^[^、]{1,4}[型类级性式]$")


def sentences(text: str, base: int) -> Iterator[tuple[int, str]]:
    """Yield (absolute start, sentence) for the sentences of ``text`` (split at 。！？；and lines)."""
    for m in re.finditer(r"[^。！？；;!?\n]+[。！？；;!?]?", text):
        if m.group().strip():
            yield base + m.start(), m.group()


def in_quotes(sentence: str, pos: int) -> bool:
    """Say whether ``pos`` lies inside “…” or 《…》 in ``sentence``."""
    before = sentence[:pos]
    closed = before.count("”") + before.count('"')  # some texts close “ with a straight quote
    return before.count("“") > closed or before.count("《") > before.count("》")


def mentions(sentence: str) -> Iterator[dict]:
    """Yield the numeric mentions of a sentence that can be targets, as plain dicts."""
    for m in MENTION_RE.finditer(sentence):
        num = m.group("num")
        value = parse_number(num)
        cn = not re.match(r"\d", num)
        if value is None or in_quotes(sentence, m.start()) or SKIP_BEFORE_RE.search(sentence[: m.start("num")]):
            continue
        unit, mult = m.group("unit") or m.group("unit2") or "", m.group("mult")
        if cn and (value <= 1 or len(num) > 4 or unit in ("%", "％") or not CN_DIGIT_RE.search(num) or mult):
            continue  # 一个/一批 are wording, not counts; 亿元 alone is a unit
        if re.match(r"\d", sentence[m.end():m.end() + 1] or "x") or (mult and not unit and not m.group("pre")):
            continue  # a bare 5亿 counts only after a comparator (突破5亿)
        if unit in ("方", "斤") and not mult:
            continue  # 22亿方, 76亿斤; a bare 方 is 方面/方案
        if unit == "年" and not (m.group("pre") and value < 100):
            continue  # 达到11.7年 is a duration; 2025年 and 5年 are dates and spans
        if m.group("per"):
            unit += m.group("per")
        pre, post = m.group("pre") or "", m.group("post") or ""
        approx = "以上" if m.group("approx") else ""
        comparator = SUFFIX_COMPARATORS.get(post) or approx or PREFIX_COMPARATORS.get(pre, "")
        # The value stays as written and 万/亿 joins the unit (1.1亿千瓦 → 1.1 亿千瓦), as 20万人 and
        # 30亿元 read: no float noise from scaling, and the figure matches the text.
        yield {"start": m.start("num"), "end": m.end(), "cut": m.start(), "value": value,
               "value_max": parse_number(m.group("num2")) if m.group("num2") else None,
               "unit": (mult or "") + unit, "comparator": comparator}
    for m in DOUBLING_RE.finditer(sentence):
        times = {"一": 2.0, "两": 4.0, "二": 4.0, "三": 8.0}[m.group("times")]
        yield {"start": m.start(), "end": m.end(), "cut": m.start(), "value": times, "value_max": None,
               "unit": "倍", "comparator": "达到", "baseline_year": int(m.group("year")) if m.group("year") else None}


def clause_start(sentence: str, pos: int) -> int:
    """Return where the clause holding ``pos`` starts."""
    return max((m.end() for m in CLAUSE_SPLIT_RE.finditer(sentence, 0, pos)), default=0)


def indicator_for(sentence: str, mention: dict, prev_end: int) -> tuple[str | None, int]:
    """Return the indicator phrase a mention measures, from its clause, and where the phrase ends."""
    start = max(prev_end, clause_start(sentence, mention["cut"]))
    before = LEAD_RE.sub("", CONNECTOR_RE.sub("", sentence[start:mention["cut"]].strip()))
    after_m = re.match(r"(?:“[^”]{0,16}”|[^，,。；;：:、（）()和与及\d“]){0,24}", sentence[mention["end"]:])
    after = after_m.group().strip() if after_m else ""
    if (not before.strip() or ACTION_TAIL_RE.search(before)) and len(after) >= 2:
        if QUALIFIER_RE.search(after):
            return None, mention["end"]  # 新增5000万元建设项目达到12个: the amount only qualifies the projects
        noun = re.sub(r"(?:建设|项目建设|以上|左右)$", "", after).replace("“", "").replace("”", "")
        end = mention["end"] + len(after_m.group())
        head = list_head(sentence, end, noun)
        if head:
            return head
        return LEAD_VERB_RE.sub("", noun) or noun, end
    phrase = TAIL_RE.sub("", before).strip("的 、和及与")
    if not MEASURE_END_RE.search(phrase):
        phrase = LEAD_VERB_RE.sub("", phrase)
    verb = SHARE_VERB_RE.match(sentence[mention["end"]:]) if mention["unit"] in ("%", "％") else None
    if verb and phrase:
        return phrase[-38:] + verb.group(1), mention["end"] + 2
    return phrase[-40:], mention["end"]


def list_head(sentence: str, end: int, noun: str) -> tuple[str, int] | None:
    """Return the head noun after a list of modifiers (跨行业、跨领域综合型平台) and where it ends."""
    first = noun.rsplit("的", 1)[-1]
    if sentence[end:end + 1] != "、" or not (ADJ_ITEM_RE.match(first) or first.startswith("跨")):
        return None
    m = re.match(r"[^，,。；;：:（）()]{1,40}", sentence[end:])
    last = m.group().rsplit("、", 1)[-1] if m else ""
    return (last, end + len(m.group())) if len(last) >= 2 else None


def subject_before(sentence: str, cut: int) -> str:
    """Return the subject of the clause before the one at ``cut`` (持续推进企业入库数量，力争年均增幅10%)."""
    here = clause_start(sentence, cut)
    if here == 0:
        return ""
    prev = sentence[clause_start(sentence, here - 1):here - 1]
    prev = LEAD_RE.sub("", prev.strip())
    prev = re.sub(r"^(?:持续|不断|加快|推进|推动|促进|扩大|保持|稳步|切实)+", "", prev)
    return prev if 2 <= len(prev) <= 14 and not re.search(r"\d", prev) else ""


def not_a_target(sentence: str, m: dict, past: bool) -> bool:
    """Say whether a mention is a policy rule, a description or a qualifier rather than a target."""
    cs = clause_start(sentence, m["cut"])
    stop = re.search(r"[，,。；;]", sentence[m["end"]:])
    clause = sentence[cs:m["end"] + (stop.start() if stop else len(sentence))]
    if POLICY_UNIT_RE.search(m["unit"]) and POLICY_RE.search(clause):
        return True
    if (not past and DESCRIBE_RE.search(sentence[cs:m["cut"]])) or QUALIFIES_RE.match(sentence[m["end"]:]):
        return True
    bare = not sentence[cs:m["cut"]].strip(" 、")
    return bare and m["comparator"] in ("以上", "以下") and bool(re.match(r"[\u4e00-\u9fff]", sentence[m["end"]:]))


#: A five-year period a heading aims at (“十五五”时期主要任务).
PERIOD_RE = re.compile(r"十([三四五六])五”?(?:时期|期间|规划)")


def section_year(path: list[Node]) -> int | None:
    """Return the year an enclosing heading aims at (到2025年主要目标), if any."""
    for node in reversed(path):
        m = YEAR_RE.search(node.title) or ANY_YEAR_RE.search(node.title)
        if m:
            return int(next(g for g in m.groups() if g))
        period = PERIOD_RE.search(node.title)
        if period:
            return PERIOD_END[period.group(1)]
    return None


def respectively(sentence: str, found: list[dict]) -> dict[int, str]:
    """Return indicator phrases for "A和B分别达到x和y": mention index to its conjunct."""
    out: dict[int, str] = {}
    m = re.search(r"([^，,；;。]*?)分别", sentence)
    if not m:
        return out
    subject = TAIL_RE.sub("", LEAD_RE.sub("", m.group(1)[clause_start(m.group(1), len(m.group(1))):]))
    parts = [p for p in re.split(r"[和、及]", subject) if p]
    after = [i for i, f in enumerate(found) if f["start"] > m.end() and clause_start(sentence, f["start"])
             <= m.end()]
    if len(parts) >= 2 and len(after) == len(parts):
        out.update(zip(after, parts))
    return out


#: A year opening a clause (2027年全面完成…).
LEADING_YEAR_RE = re.compile(r"(?:^|[，,；;])\s*((?:19|20)\d\d)\s*年(?!以来|以前)")


def year_at(sentence: str, pos: int) -> int | None:
    """Return the year the text up to ``pos`` aims at (the last 到2027年 or leading 2027年), else the sentence's."""
    found = [(m.start(), m.group(1) or m.group(2)) for m in YEAR_RE.finditer(sentence)]
    found += [(m.start(), m.group(1)) for m in LEADING_YEAR_RE.finditer(sentence)]
    before = [y for p, y in sorted(found) if p < pos]
    chosen = before[-1] if before else min(found)[1] if found else None
    return int(chosen) if chosen else None


def past_year(sentence: str) -> int | None:
    """Return the year a past result is reported for (the last year the sentence names)."""
    years = [int(y) for y in ANY_YEAR_RE.findall(sentence)]
    return years[-1] if years else None


def is_past(plan: Plan, sentence: str, path: list[Node], node: Node) -> bool:
    """Say whether a sentence reports a past result rather than an aim."""
    titles = "".join(n.title for n in path) + (node.title if node.kind != "paragraph" else "")
    if PAST_SECTION_RE.search(titles) and not re.search(r"目标|任务|指标", titles):
        return True
    if PAST_WORDS_RE.search(sentence) and not FUTURE_WORDS_RE.search(sentence):
        return True
    years = [int(y) for y in ANY_YEAR_RE.findall(sentence)]
    start = plan.start_year or (plan.end_year - 4 if plan.end_year else None)
    return bool(years and start and max(years) < start and not YEAR_RE.search(sentence))


def sentence_targets(plan: Plan, node: Node, path: list[Node], base: int) -> Iterator[Target]:
    """Yield the targets stated in the own text of ``node`` (which starts at ``base`` in plan.text)."""
    aim_year = section_year(path)
    for s_start, sentence in sentences(node.text, base):
        found = sorted(mentions(sentence), key=lambda m: m["start"])
        if not found:
            continue
        past = is_past(plan, sentence, path, node)
        base_year = BASE_YEAR_RE.search(sentence)
        last_indicator, prev_end, accepted = "", 0, False
        split = respectively(sentence, found)
        for k, m in enumerate(found):
            indicator, prev_end = indicator_for(sentence, m, prev_end)
            if indicator is None or not_a_target(sentence, m, past):
                accepted = False
                continue
            indicator = split.get(k) or indicator or last_indicator
            if BARE_RATE_RE.match(indicator):
                subject = last_indicator if last_indicator and not BARE_RATE_RE.match(last_indicator) \
                    else subject_before(sentence, m["cut"])
                indicator = subject + indicator
            last_indicator = indicator
            year = year_at(sentence, m["cut"])
            cs = clause_start(sentence, m["cut"])
            clause = sentence[cs:m["end"] + 6]
            listed = accepted  # a list goes on under the verb or year of its first item
            accepted = bool(indicator and (past or listed or CUE_RE.search(clause) or year))
            if not accepted:
                continue
            yield Target(
                "", node.id, sentence.strip(), indicator, m["value"], m["unit"], m["value_max"],
                (past_year(sentence) if past else year or aim_year or plan.end_year),
                m["comparator"], None,
                m.get("baseline_year") or (int(base_year.group(1)) if base_year else None),
                "", "sentence", "achieved" if past else "target", s_start + m["start"], s_start + m["end"],
            )


def own_text_start(plan: Plan, node: Node) -> int:
    """Return where a node's own text starts in plan.text (-1 when it cannot be found)."""
    if plan.text.startswith(node.text, node.start):
        return node.start
    return plan.text.find(node.text, node.start) if node.text else -1


def extract_targets(plan: Plan) -> list[Target]:
    """Return the numeric targets of ``plan``: indicator-table rows first, then sentences."""
    targets = [t for table in plan.tables for t in table_targets(plan, table)]
    tables = [(n.start, n.end) for n in table_nodes(plan)]
    for node, path in plan.walk_with_path():
        base = own_text_start(plan, node)
        if node.kind == "table" or base < 0 or any(a <= base < b for a, b in tables):
            continue
        targets.extend(sentence_targets(plan, node, path, base))
    for i, target in enumerate(targets, 1):
        target.id = f"{plan.id}/target{i}"
    return targets
