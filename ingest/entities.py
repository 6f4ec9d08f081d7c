"""Places, organisations and projects named in a plan, with every mention.

Names are found from their shape, the way a reader spots them: a suffix that
says what the thing is (河北路, 海晶集团, 光伏发电项目), a Latin brand
(金隅嘉品Mall), a list introduced as organisations (引进A、B等企业).  jieba gives
the word boundaries; the left edge of a name is where a verb, a function word
or punctuation begins (打造|以|文化产业|为|主题|的|广州道TOD艺术商圈).  A name
needs a specific modifier, so 服务中心 or 重点项目 alone are not entities.
Every label found is then looked up again in the whole text (one pass) to
collect its other mentions, and variants of one name are merged.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections import Counter
from dataclasses import dataclass

from ingest import gazetteer as gz
from ingest import segment
from ingest.model import Entity, Mention, Node, Plan

#: Longest label, in characters, per entity type.
MAX_LEN = {"place": 12, "organisation": 14, "project": 16}

#: Tokens after a road or 里 that show it ends a place name (延安里社区, 中央大道以西), not a postposition.
_LI_NEXT = frozenset({"社区", "小区", "片区", "、", "南侧", "北侧", "东侧", "西侧", "两侧", "沿线", "和", "等",
                      "以东", "以西", "以南", "以北"})

#: Place suffixes whose modifier may be a common noun when the context shows a place (建材路片区).
_ROADLIKE = frozenset({"路", "道", "街", "大道", "大街", "北路", "南路", "东路", "西路", "中路", "里"})

#: A modifier made of numbers only (三大, 五个, 一带三) names nothing.
_NUMERIC = re.compile(r"^(?:[一二三四五六七八九十百千两几多]+[大个项类批条带区基地心核镇市县村城园馆中]*)+$")

#: Road suffixes that end the previous name: 苏州路|扬州道 are two roads.
_ROAD_STOP = frozenset({"路", "大道", "大街", "北路", "南路", "东路", "西路"})

#: Tags of dictionary words that are names as a whole (jieba tags some districts as person names).
_NAME_TAGS = frozenset({"ns", "nt", "nz", "nr"})

#: Place suffixes that a shorter form of the same name may leave out (大沽街道 / 大沽街 / 大沽, 治国里社区 / 治国里).
_ADMIN_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "街道", "社区", "商务区",
                   "街", "镇", "区", "市", "省", "县")

#: First characters of a token that continue a place name into a longer one (河北|路, 延安|里, 杭州|道).
_NAME_GOES_ON = frozenset("路道街里桥港湾区县市镇村园城站口")

#: Single-character admin and water suffixes whose dictionary compounds are common nouns (城市, 乡镇, 运河).
_ADMIN_CHARS = frozenset("省市县镇乡区江河岛")

#: Boundary words that are nouns when they stand right before a facility suffix (城市|服务|综合体, 智慧|运营|中心).
_HEAD_NOUNS = frozenset({"服务", "运营"})

#: Modifiers that rank or count a thing without naming it (重大|项目, 新开工|项目).
_EMPTY_MODS = frozenset({"重点", "重大", "相关", "有关", "主要", "其他", "其它", "一批", "若干", "各类", "各级",
                         "新开工", "新增", "现有", "已有", "原有", "全部", "所有"})

#: Words before a building verb that say the thing exists already (在成功打造X的基础上).
_DONE = frozenset({"成功", "已", "已经", "业已", "先后", "曾"})

#: Words after a building word that turn the thing before it into a site (布头市场|改造|为…中心).
_INTO = frozenset({"为", "成", "成为"})

#: Conjunctions inside a would-be project name show a list of kinds.
_JOINS = frozenset({"和", "或", "及"})

#: Words right before a school or hospital that show it is being built (新建…学校 is a project).
_BUILD_BEFORE = frozenset({"新建", "建设", "建成", "打造", "扩建", "改造", "推进"})

#: Tags of tokens that end a noun list before a building word (A、B|建设): verbs, adverbs, numbers…
_NOT_IN_LIST = gz.STOP_TAGS - {"m", "mq"} | {"v"}

#: Tokens that end a clause: a building verb before them does not reach past.
_CLAUSE_END = frozenset("，。；：！？\n（）()")

#: Tokens that may stand between a built thing and the building word after it (A、B|建设, A和B|改造).
_LIST_JOINS = frozenset({"、", "和", "及", "与", "以及"})


@dataclass
class _Cand:
    """One candidate mention: span, type, label and how sure its type is."""

    start: int
    end: int
    type: str
    label: str
    strong_type: bool = False


def _is_cjk(ch: str) -> bool:
    """Tell whether ``ch`` is a CJK ideograph."""
    return "\u4e00" <= ch <= "\u9fff"


def _namey(word: str) -> bool:
    """Tell whether a token can be part of a name (ideographs, Latin letters, digits, hyphen)."""
    return bool(word) and all(_is_cjk(c) or (c.isascii() and (c.isalnum() or c == "-")) for c in word)


def _match_suffix(word: str) -> gz.Suffix | None:
    """Return the longest name suffix that ``word`` ends with."""
    table = gz.suffixes()
    if word[-1:] not in gz.suffix_last_chars():
        return None
    for k in range(min(len(word), gz.max_suffix_len()), 0, -1):
        hit = table.get(word[-k:])
        if hit:
            return hit
    return None


def _proper(word: str) -> bool:
    """Tell whether a word looks like part of a proper name (place name, unknown word, Latin)."""
    if word.isascii():
        return any(c.isalpha() for c in word)
    return not segment.is_known(word) or segment.pos_tag(word) in gz.PROPER_TAGS


def _weak(word: str) -> bool:
    """Tell whether a modifier word is too general to name anything (服务, 三大, 商业综合体)."""
    generic, table = gz.generic_words(), gz.suffixes()
    if len(word) < 2 or word in generic or word in table or _NUMERIC.match(word):
        return True
    inner = _match_suffix(word)
    return inner is not None and len(inner.text) >= 2 and _weak(word[: len(word) - len(inner.text)])


def _specific(mods: list[str], suffix: gz.Suffix, relaxed: bool = False) -> bool:
    """Tell whether the modifier words make a name, not a common noun phrase."""
    long = [w for w in mods if len(w) >= 2]
    words = [w for w in long if not _weak(w)]
    if not words:
        return False
    if relaxed:
        return True
    if not suffix.strict:
        # one common two-character word names a kind of thing, not one thing: 议事平台, 地下工程, 燃煤项目
        single = len(long) == 1 and len(long[0]) == 2 and not _proper(long[0])
        return suffix.loose or suffix.type != "project" or not single
    if suffix.type == "place":
        # the word right before a place suffix names it: 河北|路, not 研究|街道
        return words[-1] == long[-1] and _proper(words[-1])
    return any(_proper(w) for w in words)


def _compound_ok(word: str, head: str, suffix: gz.Suffix) -> bool:
    """Tell whether a token that ends with a suffix is a name rather than a common word (渠道)."""
    if word in gz.generic_labels():
        return False
    if not segment.is_known(word) or segment.pos_tag(word) in _NAME_TAGS:
        return True
    return not suffix.strict and len(head) >= 2


def _extend_left(text: str, toks: list, i: int, limit: int, head: bool, nouns: bool = False) -> tuple[int, int, bool]:
    """Walk left from token ``i`` over name-like tokens; return (start, stop index, quoted).

    The word next to the suffix may be a verb (调处化解|中心); further left a verb,
    adverb or number ends the name, and leading verbs are trimmed (改变|杭州道).  With ``nouns``,
    服务 right before the suffix is part of the name (城市|服务|综合体).
    """
    end, start, j = toks[i][2], toks[i][1], i - 1
    free = i - 1 if not head else i
    bounds = gz.boundary_words()
    while j >= 0:
        word, s, _ = toks[j]
        if word == "”":
            q = text.rfind("“", max(0, s - 16), s)
            inner = text[q + 1:s] if q >= 0 else ""
            if q < 0 or not _namey(inner) or end - q > limit + 2 or _weak(inner):
                break
            while j >= 0 and toks[j][1] >= q:
                j -= 1
            return q, j, True
        noun = j == i - 1 and (word == "运营" or nouns and word in _HEAD_NOUNS)
        if not _namey(word) or (word in bounds and not noun) or end - s > limit or word in _ROAD_STOP:
            break
        if len(word) > 2 and word[0] in bounds and not segment.is_known(word):
            start = s + 1  # the HMM glued a function word to an unknown name: 以|海晶
            break
        tag = segment.pos_tag(word)
        if (j < free and tag in gz.STOP_TAGS) or (tag == "v" and len(word) == 1):
            break
        if j < i - 1 and word in gz.suffixes() and gz.suffixes()[word].type == "project":
            break  # 葡小镇|获评…街区: a name ends here
        start, j = s, j - 1
    while j + 1 < free and segment.pos_tag(toks[j + 1][0]) in gz.TRIM_TAGS:
        j += 1
        start = toks[j + 1][1]
    quoted = start > 0 and text[start - 1] == "“" and text[end:end + 1] == "”"
    return start, j, quoted


def _clause_context(toks: list, a: int, b: int) -> list[bool]:
    """Tell, for each token of the clause ``toks[a:b]``, whether a building verb governs it.

    A verb reaches to the end of its clause unless a setting word comes after it
    (打造…依托|X); 以X为… closes again at 为, so 打造以A为主体的|B builds B; and a
    building word after a noun list reaches back over it (推进|A、B|建设).
    """
    out, build, place, ji = [False] * (b - a), -1, -1, False
    for k in range(a, b):
        word = toks[k][0]
        if word == "集" and build > place:
            ji = True  # 打造集A、B于一体的C: A and B are features of C, not built themselves
        elif ji and word.endswith("一体"):
            ji = False
        out[k - a] = build > place and not ji
        if word in gz.BUILD_VERBS and (k == 0 or toks[k - 1][0] not in _DONE):
            build = k
        elif word in gz.PLACE_CONTEXT:
            place = k
        elif word == "为" and place >= 0 and toks[place][0] == "以":
            place = -1
    after, into = False, False
    for k in range(b - 1, a - 1, -1):
        word = toks[k][0]
        if word in gz.BUILD_WORDS and word not in ("项目", "工程", "提升"):
            # A|改造为|B: A is the site, B the thing built
            into = into or (k + 1 < len(toks) and toks[k + 1][0] in _INTO)
            after = not into
        elif after and (not (_namey(word) or word in _LIST_JOINS or word in "“”") or word in gz.PLACE_CONTEXT
                        or segment.pos_tag(word) in _NOT_IN_LIST):
            after = into = False
        else:
            into = False
        out[k - a] = out[k - a] or after
    return out


def _build_context(toks: list):
    """Return a function telling whether a building verb governs token ``k`` (打造|区域二手车市场).

    Clauses are worked out only when asked for, since most hold no name.
    """
    memo: dict[int, bool] = {}

    def built(k: int) -> bool:
        if k not in memo:
            a = k
            while a > 0 and toks[a - 1][0] not in _CLAUSE_END:
                a -= 1
            b = k
            while b < len(toks) and toks[b][0] not in _CLAUSE_END:
                b += 1
            memo.update(zip(range(a, b), _clause_context(toks, a, b)))
        return memo.get(k, False)

    return built


def _build_specific(mods: list[str], label: str) -> bool:
    """Tell whether the object of a building verb is specific enough: two descriptive words, six characters.

    区域|二手车|市场 and 城市|服务|综合体 are the thing being built; 服务|平台 alone is still a kind.
    """
    long = [w for w in mods if len(w) >= 2 and not _NUMERIC.match(w) and w not in _EMPTY_MODS
            and not any(c.isdigit() for c in w)]
    return len(long) >= 2 and len(label) >= 6 and label[0] not in "-—·"


def _suffix_candidates(text: str, toks: list) -> list[_Cand]:
    """Find names that end with a type suffix (路, 集团, 项目…)."""
    found, building = [], _build_context(toks)
    for i, (word, _, end) in enumerate(toks):
        suffix = _match_suffix(word)
        if suffix is None:
            continue
        head = word[: len(word) - len(suffix.text)]
        if word in gz.generic_labels() and suffix.text in _ADMIN_CHARS:
            continue
        generic_head = word in gz.generic_labels() and i and _namey(toks[i - 1][0])
        if generic_head and toks[i - 1][0] not in _EMPTY_MODS and (
                _proper(toks[i - 1][0]) and suffix.type == "place"
                             or building(i) and (suffix.type == "project" or suffix.build)):
            head = ""  # 商业广场 is a common noun, but 秀谷|商业广场 names one: the whole token is the suffix
        elif head and not _compound_ok(word, head, suffix):
            continue
        nxt = toks[i + 1][0] if i + 1 < len(toks) else ""
        if suffix.text == "里" and not head and nxt not in _LI_NEXT:
            continue
        nouns = i and toks[i - 1][0] in _HEAD_NOUNS and (suffix.type == "project" or suffix.build) and building(i)
        start, j, quoted = _extend_left(text, toks, i, MAX_LEN[suffix.type], bool(head), nouns)
        mods = [t[0] for t in toks[j + 1:i]] + ([head] if head else [])
        if start > toks[j + 1][1] if j + 1 < i else False:
            mods[0] = text[start:toks[j + 1][2]]
        label = text[start:end].replace("“", "").replace("”", "")
        if suffix.type == "project" and nxt in gz.suffixes() and gz.suffixes()[nxt].type == "place":
            continue  # 中心|商务区: the name goes on
        # a dictionary word tagged as a name that ends with the suffix is one already: 同济大学, 复兴岛
        whole = len(head) >= 2 and segment.is_known(word) and segment.pos_tag(word) in _NAME_TAGS
        relaxed = (suffix.text in _ROADLIKE and nxt in _LI_NEXT) or whole
        if suffix.type == "project" and any(w in _JOINS or "等" in w for w in mods):
            continue  # 科创空间|和|文创园区, 文|旅等|项目: a list, not one name
        if (label in gz.generic_labels() or _NUMERIC.match(label) or label[0] == "-"
                or segment.pos_tag(label) in ("i", "l")):
            continue
        # a building verb makes a facility a project; schools and hospitals only when it stands right by them
        facility = suffix.build and suffix.type != "organisation"
        quoted = quoted and any(not _weak(m) for m in mods)  # a quoted generic is still generic: “试点平台”
        named = quoted or _specific(mods, suffix, relaxed)
        built = ((facility or (suffix.type == "project" and not named and _build_specific(mods, label)))
                 and (building(min(j + 1, i)) or building(i)))
        if not (named or (built and _build_specific(mods, label))):
            continue
        prev = toks[j][0] if j >= 0 else ""
        etype = suffix.type
        done = j >= 1 and toks[j - 1][0] in _DONE
        nxt_build = nxt in gz.BUILD_WORDS and (i + 2 >= len(toks) or toks[i + 2][0] not in _INTO)
        if suffix.build and (built or nxt_build or (prev in _BUILD_BEFORE and not done)):
            etype = "project"
        found.append(_Cand(start, end, etype, label, strong_type=built and facility))
    return found


def _latin_candidates(text: str, toks: list) -> list[_Cand]:
    """Find Latin brand names, with an unknown Chinese prefix when there is one (金隅嘉品Mall)."""
    by_end = {t[2]: k for k, t in enumerate(toks)}
    found = []
    for m in gz.latin_pattern().finditer(text):
        word, start = m.group(), m.start()
        if text[start - 1:start] in "_[" or text[m.end():m.end() + 1] in (":", "]"):
            continue  # conversion artefacts such as [bookmark: _Toc123]
        k = by_end.get(start)
        while k is not None and k >= 0 and _is_cjk(toks[k][0][0]) and not segment.is_known(toks[k][0]):
            start, k = toks[k][1], k - 1
        low = word.lower()
        if start == m.start():
            if low in gz.LATIN_GENERIC or len(word) < 3:
                continue
            if not (any(c.islower() for c in word) or ("-" in word and len(word) >= 4)):
                continue
        found.append(_Cand(start, m.end(), "project", text[start:m.end()]))
    return found


def _org_candidates(text: str, toks: list) -> list[_Cand]:
    """Find organisations from context: 引进A、B等企业, 以X为龙头 (X a known organisation name)."""
    found = []
    for m in gz.org_list_pattern().finditer(text):
        pos = m.start(1)
        for item in m.group(1).split("、"):
            inner = item.strip("“”\"")
            s = pos + item.find(inner)
            if len(inner) >= 2 and inner not in gz.generic_labels():
                found.append(_Cand(s, s + len(inner), "organisation", inner, strong_type=True))
            pos += len(item) + 1
    for i in range(1, len(toks) - 1):
        word, s, e = toks[i]
        if (len(word) >= 2 and segment.pos_tag(word) == "nt" and word not in gz.generic_labels()
                and toks[i - 1][0] in gz.ORG_CONTEXT_BEFORE and toks[i + 1][0] in gz.ORG_CONTEXT_AFTER):
            found.append(_Cand(s, e, "organisation", word, strong_type=True))
    return found


def _quoted_candidates(text: str) -> list[_Cand]:
    """Find quoted names that a building verb creates: 打造“环球国际美食汇”, 开展“春风行动”、“…”."""
    found = []
    for m in gz.quoted_object_pattern().finditer(text):
        spans = [(m.start(1), m.end(1))]
        spans += [(m.start(2) + q.start(1), m.start(2) + q.end(1)) for q in re.finditer("“([^”]+)”", m.group(2))]
        for s, e in spans:
            name = text[s:e]
            suffix = _match_suffix(name)
            if suffix is not None and suffix.type == "place" and not suffix.build:
                continue  # a quoted zone nickname stays a place: 西部“智慧微城区”
            if _namey(name) and not _NUMERIC.match(name) and name not in gz.generic_labels():
                found.append(_Cand(s, e, "project", name, strong_type=True))
    return found


def _place_candidates(text: str, toks: list) -> list[_Cand]:
    """Find places from context (在古美、新虹等街镇) and well-known place names (北京, 长三角)."""
    found = []
    for m in gz.place_list_pattern().finditer(text):
        pos = m.start(1)
        for item in m.group(1).split("、"):
            words = [w for w, _, _ in segment.tokens(item)]
            lead = words[0] if len(words) > 1 and words[0] in gz.boundary_words() else ""  # 在|古美
            name = item[len(lead):]
            if not (len(name) < 2 or name in gz.generic_labels() or name in gz.generic_words() or _NUMERIC.match(name)
                    or any(w in gz.boundary_words() for w in words[bool(lead):])):
                found.append(_Cand(pos + len(lead), pos + len(item), "place", name, strong_type=True))
            pos += len(item) + 1
    known = gz.known_places()
    for k, (word, s, e) in enumerate(toks):
        nxt = toks[k + 1][0] if k + 1 < len(toks) else ""
        if word in known and nxt[:1] not in _NAME_GOES_ON:
            found.append(_Cand(s, e, "place", word))
    return found


def _outside(found: list[_Cand], names: list[_Cand]) -> list[_Cand]:
    """Keep the candidates that do not lie inside a longer name (天津 in 天津北创民众医院)."""
    spans = sorted((c.start, c.end) for c in names)
    starts = [s for s, _ in spans]
    keep = []
    for c in found:
        k = bisect.bisect_right(starts, c.start)
        inside = any(s <= c.start and c.end <= e and e - s > c.end - c.start for s, e in spans[max(0, k - 8):k])
        if not inside:
            keep.append(c)
    return keep


def _propagate(text: str, toks: list, cands: list[_Cand]) -> list[_Cand]:
    """Add the other mentions of every label found, in one pass over the text."""
    types: dict[str, Counter] = {}
    for c in cands:
        types.setdefault(c.label, Counter())[c.type] += 1 + 10 * c.strong_type
    if not types:
        return []
    starts, ends = {t[1] for t in toks}, {t[2] for t in toks}
    taken = {(c.start, c.end) for c in cands}
    pattern = re.compile("|".join(re.escape(lab) for lab in sorted(types, key=len, reverse=True)))
    extra = []
    for m in pattern.finditer(text):
        span, label = (m.start(), m.end()), m.group()
        if span in taken or (len(label) < 4 and not (span[0] in starts and span[1] in ends)):
            continue
        extra.append(_Cand(*span, types[label].most_common(1)[0][0], label))
    return extra


def _retype(cands: list[_Cand]) -> list[_Cand]:
    """Give every mention of a label the type with the strongest evidence (打造|秀谷商业广场 makes it a project)."""
    votes: dict[str, Counter] = {}
    for c in cands:
        votes.setdefault(c.label, Counter())[c.type] += 1 + 10 * c.strong_type
    for c in cands:
        c.type = votes[c.label].most_common(1)[0][0]
    return cands


def _abbreviates(a: str, b: str) -> bool:
    """Tell whether ``a`` is a short form of ``b`` with a few characters left out (大沽炮台 / 大沽口炮台)."""
    if len(a) < 3 or not 0 < len(b) - len(a) <= 2 or a[0] != b[0] or a[-2:] != b[-2:] or a in b:
        return False
    rest = iter(b)
    return all(ch in rest for ch in a)


def _variant(a: str, b: str) -> bool:
    """Tell whether two labels of one type name the same thing (大沽炮台 / 大沽口炮台, 滨海新区 / 天津市滨海新区)."""
    a, b = sorted((a.casefold(), b.casefold()), key=len)
    return a == b or (len(a) >= 3 and b.endswith(a)) or _abbreviates(a, b)


def _stem(label: str) -> str:
    """Return a place label without its admin suffix (大沽街道 → 大沽), or itself when too little is left."""
    for suffix in _ADMIN_SUFFIXES:
        if label.endswith(suffix) and len(label) - len(suffix) >= 2:
            return label[: -len(suffix)]
    return label


def _best_label(group: list[str], counts: Counter) -> str:
    """Pick the label of a merged entity: the most used, counting short forms for their full name."""

    def score(lab: str) -> tuple[int, int, str]:
        shorts = sum(counts[o] for o in group if o != lab and (o in lab or _abbreviates(o.casefold(), lab.casefold())))
        return counts[lab] + shorts, len(lab), lab

    return max(group, key=score)


def _groups(labels: list[str]) -> list[list[str]]:
    """Group labels into variants of one name: same stem (大沽街 / 大沽街道), or a variant pair (union-find)."""
    parent = list(range(len(labels)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    by_stem: dict[str, int] = {}
    for x, lab in enumerate(labels):
        first = by_stem.setdefault(_stem(lab), x)
        if first != x:
            parent[root(x)] = root(first)
    for x in range(len(labels)):
        for y in range(x + 1, len(labels)):
            if root(x) != root(y) and _variant(labels[x], labels[y]):
                parent[root(y)] = root(x)
    out: dict[int, list[str]] = {}
    for k, lab in enumerate(labels):
        out.setdefault(root(k), []).append(lab)
    return list(out.values())


def _locator(plan: Plan):
    """Return a function giving the id of the deepest outline node containing a position."""
    starts: dict[int, list[int]] = {}

    def find(nodes: list[Node], pos: int) -> Node | None:
        key = id(nodes)
        if key not in starts:
            starts[key] = [n.start for n in nodes]
        k = bisect.bisect_right(starts[key], pos) - 1
        for node in reversed(nodes[: k + 1]):
            if node.start <= pos < node.end:
                return node
        return None

    def locate(pos: int) -> str:
        nodes, best = plan.outline, plan.id
        while nodes:
            node = find(nodes, pos)
            if node is None:
                break
            best, nodes = node.id, node.children
        return best

    return locate


def entity_id(etype: str, label: str) -> str:
    """Return the stable, URL-safe id of an entity: type and a short hash of its label.

    >>> entity_id("place", "河北路")
    'place-bcad3d7659'
    """
    return f"{etype}-{hashlib.sha1(label.encode('utf-8')).hexdigest()[:10]}"


def _dedupe(cands: list[_Cand]) -> list[_Cand]:
    """Keep one candidate per span, preferring a type that came from context."""
    best: dict[tuple[int, int], _Cand] = {}
    for c in cands:
        old = best.get((c.start, c.end))
        if old is None or (c.strong_type and not old.strong_type):
            best[(c.start, c.end)] = c
    return sorted(best.values(), key=lambda c: (c.start, c.end))


def _build(plan: Plan, cands: list[_Cand]) -> list[Entity]:
    """Merge candidates into entities with their mentions, ordered by first mention."""
    locate, entities = _locator(plan), []
    for etype in ("place", "organisation", "project"):
        mine = [c for c in cands if c.type == etype]
        counts = Counter(c.label for c in mine)
        for group in _groups(sorted(counts)):
            label = _best_label(group, counts)
            members = set(group)
            mentions = [Mention(locate(c.start), c.start, c.end, plan.text[c.start:c.end])
                        for c in mine if c.label in members]
            aliases = sorted(members - {label})
            entities.append(Entity(entity_id(etype, label), etype, label, aliases, mentions))
    return sorted(entities, key=lambda e: (e.mentions[0].start, e.type))


def extract_entities(plan: Plan) -> list[Entity]:
    """Return the places, organisations and projects named in ``plan``, with every mention."""
    toks = segment.tokens(plan.text)
    cands = _suffix_candidates(plan.text, toks) + _latin_candidates(plan.text, toks) + _quoted_candidates(plan.text)
    cands = _dedupe(cands + _org_candidates(plan.text, toks) + _outside(_place_candidates(plan.text, toks), cands))
    cands = _dedupe(_retype(cands) + _propagate(plan.text, toks, cands))
    return _build(plan, cands)
