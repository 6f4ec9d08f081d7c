"""General domain knowledge for entity extraction: name suffixes, generic words, boundary words.

The lists live as text files in ``ingest/data`` so that they can be read and
extended without touching code; they hold general vocabulary of Chinese plan
documents, never the names found in one particular plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: Part-of-speech tags (jieba) that mark a proper name.
PROPER_TAGS = frozenset({"ns", "nz", "nt"})

#: Tags of words a name never runs across (prepositions, pronouns, numbers, adverbs, particles…).
STOP_TAGS = frozenset(
    {"p", "c", "r", "m", "mq", "d", "ad", "u", "uj", "ul", "uz", "uv", "ud", "ug", "i", "l", "t", "y", "e", "o", "zg"}
)

#: Tags of words trimmed from the left edge of a name (verbs, adjectives, directions): 改变|杭州道.
TRIM_TAGS = frozenset({"v", "vd", "a", "f", "s"})

#: Facilities that become projects when the text builds or renovates them.
BUILD_WORDS = frozenset({"建设", "改造", "扩建", "新建", "升级", "扩容", "提升", "项目", "工程", "提质"})

#: Verbs whose object is being built or created: 打造|区域二手车市场, 搭建|…交易平台.
BUILD_VERBS = frozenset({"打造", "建设", "建成", "新建", "搭建", "扩建", "改建", "创建", "构建", "升级", "兴建", "筹建",
                         "建立", "改造", "推出", "开辟"})

#: Verbs that build their object when the phrase ends with a building word: 推进|X|建设.
PUSH_VERBS = frozenset({"推进", "推动", "加快", "启动", "实施", "加强", "开展", "整体推进", "加快推进", "积极推进"})

#: Words after which a facility is the setting, not the thing built: 依托|X, 以|X|为载体, 位于|X.
PLACE_CONTEXT = frozenset({"依托", "位于", "利用", "结合", "以", "在", "借助", "围绕", "立足", "对接"})

#: Verbs whose quoted object is a programme or facility being created: 打造“环球国际美食汇”.
QUOTED_OBJECT_VERBS = ("打造", "建设", "建成", "搭建", "创建", "开展", "举办", "推出", "培育")

#: Heads after "引进A、B等…" that show the listed names are organisations or brands.
ORG_HEADS = ("企业", "机构", "品牌", "公司", "集团", "商家", "国企", "央企", "院校", "银行", "产品", "车企")

#: Heads after "A、B、C等…" that show the listed names are places (在古美、新虹等街镇).
PLACE_HEADS = ("街镇", "乡镇", "地区", "区域", "城市", "省份", "省市", "县区", "区县", "市县", "片区", "街道", "社区",
               "村居", "地市", "城中村", "街区", "商圈", "区级", "市级")

#: Tokens that read as an organisation name right before these words (以X为龙头, X、Y等).
ORG_CONTEXT_BEFORE = frozenset({"以", "依托", "与", "服务", "引进", "引入", "招引", "携手", "联合"})
ORG_CONTEXT_AFTER = frozenset({"为", "、", "等", "和", "及", "开展", "合作", "央企", "国企", "集团"})

#: Latin words that are technical terms or units, not brand names.
_LATIN_GENERIC_TEXT = """mall tod ip pm vocs voc aaaa aaa 4s gdp app 5g 4g b2c c2c b2b o2o c2b ai vr ar ppp epc cbd
rcep wifi wi-fi iot it ict mou km kw kwh mw gw co2 so2 nox cod pdf doc docx xls xlsx html htm jpg png"""
LATIN_GENERIC = frozenset(_LATIN_GENERIC_TEXT.split())


@dataclass(frozen=True)
class Suffix:
    """One name suffix: its entity type and whether it needs a proper-name modifier."""

    text: str
    type: str
    strict: bool
    build: bool
    loose: bool = False


def _lines(name: str) -> list[str]:
    """Return the non-comment lines of a data file."""
    raw = resources.files("ingest").joinpath("data", name).read_text(encoding="utf-8")
    return [ln.strip() for ln in raw.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def _words(name: str) -> frozenset[str]:
    """Return the whitespace-separated words of a data file."""
    return frozenset(w for ln in _lines(name) for w in ln.split())


@cache
def suffixes() -> dict[str, Suffix]:
    """Return the name suffixes by text."""
    table = {}
    for line in _lines("suffixes.txt"):
        text, etype, *flags = line.split()
        table[text] = Suffix(text, etype, "strict" in flags, "build" in flags, "loose" in flags)
    return table


@cache
def max_suffix_len() -> int:
    """Return the length of the longest suffix."""
    return max(map(len, suffixes()))


@cache
def suffix_last_chars() -> frozenset[str]:
    """Return the last characters of all suffixes (a fast first test)."""
    return frozenset(s[-1] for s in suffixes())


@cache
def generic_words() -> frozenset[str]:
    """Return words that never make a name specific (重点, 服务, 社区…)."""
    return _words("generic.txt")


@cache
def generic_labels() -> frozenset[str]:
    """Return whole labels that are common nouns (服务中心, 重点项目…)."""
    return _words("generic_labels.txt")


@cache
def boundary_words() -> frozenset[str]:
    """Return words at which the left extension of a name stops."""
    return _words("boundary.txt")


@cache
def org_list_pattern() -> re.Pattern[str]:
    """Return the pattern of a list of names introduced as organisations: 引进A、B等…企业."""
    heads = "|".join(ORG_HEADS)
    return re.compile(
        r"(?:引进|引入|招引|争取|吸引|联合|携手)((?:[“\"]?[\w\-]{2,8}[”\"]?、)+[“\"]?[\w\-]{2,8}[”\"]?)等"
        rf"[^，。；、]{{0,10}}?(?:{heads})"
    )


@cache
def known_places() -> frozenset[str]:
    """Return well-known place names that need no suffix (北京, 长三角, 黄河…)."""
    return _words("places.txt")


@cache
def place_list_pattern() -> re.Pattern[str]:
    """Return the pattern of a list of names introduced as places: 在古美、新虹、虹桥等街镇."""
    heads = "|".join(PLACE_HEADS)
    return re.compile(
        r"((?:[\u4e00-\u9fff]{2,5}、)+[\u4e00-\u9fff]{2,5})等(?:\d+个|[一二三四五六七八九十两]+个)?"
        rf"(?:重点|重要|主要|周边|相关)?(?:{heads})"
    )


@cache
def quoted_object_pattern() -> re.Pattern[str]:
    """Return the pattern of quoted names right after a building verb: 打造“A”、高品质的“B”。."""
    verbs = "|".join(QUOTED_OBJECT_VERBS)
    item = r"“([^“”，。；、\d]{3,12})”"
    more = r"((?:[、和][^“”，。；]{0,6}?“[^“”，。；、\d]{3,12}”)*)"
    return re.compile(rf"(?:{verbs})[\u4e00-\u9fff]{{0,4}}?{item}{more}(?=[，。；、和等]|$)")


@cache
def latin_pattern() -> re.Pattern[str]:
    """Return the pattern of a Latin name (金隅嘉品Mall, LN-CC, Acne Studios)."""
    return re.compile(r"[A-Za-z][A-Za-z0-9&'\-]*(?: [A-Z][A-Za-z0-9&'\-]*)*")
