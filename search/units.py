"""Plans → units of search: outline nodes, targets, tables and entities, each a flat dict.

A unit's ``text`` is its own text (an item or a paragraph, never a chapter);
long paragraphs are cut into passages of whole sentences.  Units that repeat
the same text at several levels (a task and the paragraph that is the task, a
heading and its only line) share a ``group`` so a search shows one of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from ingest.model import Node, Plan

#: The longest text a unit keeps before it is cut into passages.
MAX_TEXT = 600
#: Which of two units with the same text to show: the more specific kind wins.
#: A target is only grouped with the item that contains its sentence, and the item says more.
KIND_RANK = {"task": 0, "goal": 0, "principle": 0, "paragraph": 1, "table": 2, "subsection": 3, "section": 4,
             "chapter": 5, "part": 6, "target": 8}
HEADINGS = ("part", "chapter", "section", "subsection")

NUMBERING = re.compile(r"^\s*(?:第[一二三四五六七八九十百零〇\d]+[章节部分篇条]"
                       r"|[（(]?[一二三四五六七八九十\d]+[)）、.．]|[一二三四五六七八九十]+是)\s*")
NOT_WORD = re.compile(r"[^0-9A-Za-z\u3400-\u9fff]+")
SENTENCE = re.compile(r"[^。；！？!?;]*[。；！？!?;]?")

Tagger = Callable[[str], list]


def norm(text: str) -> str:
    """Return ``text`` without numbering, punctuation and spaces: the key for duplicates.

    >>> norm("（2） 实施载体内拓工程。") == norm("实施载体内拓工程")
    True
    """
    return NOT_WORD.sub("", NUMBERING.sub("", text or ""))


def lead(text: str) -> str:
    """Return the first sentence of ``text``.

    >>> lead("一是完善养老服务。建设日间照料中心。")
    '一是完善养老服务。'
    """
    return SENTENCE.match(text or "").group(0)


def passages(text: str, size: int = MAX_TEXT) -> list[str]:
    """Cut ``text`` into runs of whole sentences of at most about ``size`` characters."""
    if len(text) <= size:
        return [text]
    out, cur = [], ""
    for sent in (m.group(0) for m in SENTENCE.finditer(text) if m.group(0)):
        if cur and len(cur) + len(sent) > size:
            out.append(cur)
            cur = ""
        while len(sent) > size:  # a run-on sentence: cut it hard
            out.append(sent[:size])
            sent = sent[size:]
        cur += sent
    return [*out, cur] if cur else out


def heading(node: Node) -> str:
    """Return a node's heading line for the outline path."""
    return f"{node.number} {node.title}".strip() if node.number and node.number not in node.title else node.title


def chapter_of(path: list[Node], node: Node) -> str:
    """Return the title of the chapter (or outermost heading) a node belongs to."""
    chapters = [n for n in [*path, node] if n.kind == "chapter"]
    tops = chapters or [n for n in [*path, node] if n.kind in HEADINGS]
    return tops[0].title if tops else ""


def themes_of(tagger: Tagger | None, text: str) -> list[dict]:
    """Return the themes ``tagger`` finds in ``text`` as [{"id", "label"}]."""
    if tagger is None:
        return []
    seen = {}
    for concept in tagger(text):
        seen.setdefault(str(concept.id), str(concept.label))
    return [{"id": k, "label": v} for k, v in seen.items()]


def node_units(plan: Plan) -> Iterator[dict]:
    """Yield one unit per outline node, or per passage of a long node."""
    for node, path in plan.walk_with_path():
        text = node.text or node.title
        if not norm(text):
            continue
        heads = [heading(p) for p in path]
        parts = passages(text)
        for i, part in enumerate(parts):
            uid = node.id if len(parts) == 1 else f"{node.id}#{i + 1}"
            title = node.title if node.kind != "paragraph" and i == 0 else ""
            yield {"id": uid, "node_id": node.id, "kind": node.kind, "title": title or lead(part)[:60],
                   "text": part, "number": node.number, "path": heads,
                   "chapter": chapter_of(path, node)}


def target_units(plan: Plan, by_id: dict[str, dict]) -> Iterator[dict]:
    """Yield one unit per numeric target, placed under the node it was found in."""
    for t in plan.targets:
        home = by_id.get(t.node_id, {})
        path = [*home.get("path", []), home["title"]] if home.get("title") else home.get("path", [])
        yield {"id": t.id, "node_id": t.node_id, "kind": "target", "title": t.indicator or lead(t.text)[:60],
               "text": t.text, "number": "", "path": path, "chapter": home.get("chapter", "")}


def table_units(plan: Plan, by_id: dict[str, dict]) -> Iterator[dict]:
    """Yield one unit per table, its rows flattened to text."""
    for tb in plan.tables:
        home = by_id.get(tb.node_id, {})
        rows = "；".join(" ".join(c for c in row if c) for row in tb.rows)
        body = " ".join(tb.header) + "；" + rows if tb.header else rows
        for i, part in enumerate(passages(body)):
            yield {"id": tb.id if i == 0 else f"{tb.id}#{i + 1}", "node_id": tb.node_id, "kind": "table",
                   "title": tb.title, "text": part, "number": tb.number,
                   "path": home.get("path", []), "chapter": home.get("chapter", "")}


def entity_units(plan: Plan) -> Iterator[dict]:
    """Yield one unit per entity: its name and aliases."""
    for ent in plan.entities:
        aliases = "、".join(a for a in ent.aliases if a != ent.label)
        text = ent.label + (f"（又称{aliases}）" if aliases else "")
        node_id = ent.mentions[0].node_id if ent.mentions else ""
        yield {"id": ent.id, "node_id": node_id, "kind": "entity", "title": ent.label, "text": text,
               "number": "", "path": [], "chapter": "", "entity_type": ent.type}


def assign_groups(units: list[dict], plan: Plan) -> None:
    """Give units that repeat the same text one shared ``group``, ranked so the most specific is kept."""
    owner: dict[str, dict] = {}
    texts = {u["id"]: norm(u["text"]) for u in units if u["kind"] not in ("entity", "target")}
    for u in units:
        key = norm(u["text"])
        if u["kind"] == "target":
            home = texts.get(u["node_id"], "")
            u["group"] = f"{plan.id}:{u['node_id']}" if key and key in home else f"{plan.id}:{u['id']}"
            continue
        if u["kind"] == "entity" or not key:
            u["group"] = f"{plan.id}:{u['id']}"
            continue
        first = owner.setdefault(key, u)
        u["group"] = first.get("group") or f"{plan.id}:{first['id']}"
    for u in units:
        u["rank"] = KIND_RANK.get(u["kind"], 5)


def plan_units(plan: Plan, tagger: Tagger | None = None) -> list[dict]:
    """Return every unit of one plan, with its plan, group and themes."""
    units = list(node_units(plan))
    by_id = {u["id"]: u for u in units}
    units += [*target_units(plan, by_id), *table_units(plan, by_id), *entity_units(plan)]
    assign_groups(units, plan)
    for u in units:
        u.update(plan_id=plan.id, plan=plan.title, themes=themes_of(tagger, f"{u['title']} {u['text']}"))
    return units
