"""Recover a plan's heading tree from its numbering, styles and sequence continuity.

How levels are found: every numbering style (``一、``, ``（一）``, ``1.``…) and
every format style (docx/Markdown heading level, a bold line) gets a rank in
the order it first appears; a heading closes every open heading of the same or
a deeper rank.  A number in a style that is not open but that continues the
sequence of an open level of the same family (``（2）`` after ``（一）``, ``三、``
after ``2、``) is a glitch and joins that level.

Heading kinds: ``第X部分`` is a ``part``, ``第X章`` a ``chapter``, ``第X节`` a
``section``.  Other headings take their kind from their depth: a top-level
heading is a ``chapter`` and each level below is one step finer
(chapter → section → subsection), so a plan numbered 一、/（一）/1. reads as
chapters, sections and subsections just like one numbered 第X章/第X节.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest import items
from ingest.model import Node
from ingest.numbering import EXPLICIT_KINDS, Number, content_span, is_wrapped_bold, match_number, numeral_value
from ingest.read import SourceLine
from ingest.tables import find_table_blocks

MAX_HEADING = 50
MAX_BARE = 25
MIN_BODY = 40
BARE_STOP = re.compile(r"[。；;，,：:！？!?、]")
INNER_STOP = re.compile(r"[。；;！？!?：:]")
CAPTION = re.compile(r"^((?:专栏|表)\s*\d+)[\s　:：]*(.*)$")
KIND_STEPS = ["part", "chapter", "section", "subsection"]


@dataclass
class Line:
    """One non-empty source line, reduced to what the outline needs."""

    start: int
    text: str
    number: Number | None
    style: str | None = None  # a format style key ("L2", "bold") for unnumbered styled lines
    heading: bool = False


@dataclass
class Open:
    """An open level of the tree: its rank, style, last number and node."""

    rank: float
    style: str
    family: str
    value: int
    node: Node
    heading: bool


@dataclass
class Builder:
    """Grows the tree line by line, keeping the stack of open levels.

    Paragraphs attach to the deepest open level, heading or numbered item; an
    item that ends up holding real content is promoted to a heading later.
    """

    roots: list[Node] = field(default_factory=list)
    stack: list[Open] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    styles: dict[int, str] = field(default_factory=dict)  # heading node -> style
    item_styles: dict[int, str] = field(default_factory=dict)  # numbered item node -> style
    inline: dict[int, int] = field(default_factory=dict)  # item node -> children split from its own line
    last: dict[float, tuple[int, bool]] = field(default_factory=dict)  # rank -> (parent id, was heading)

    def rank_for(self, style: str, family: str, value: int) -> tuple[float, str]:
        """Return the rank (and canonical style) a numbered or styled line belongs to."""
        for entry in reversed(self.stack):
            if entry.style == style:
                return entry.rank, entry.style
        # Only a style never seen before can be a glitch of another (三、 after 2、): a style the
        # document already uses keeps its own level (3﹒ after （二） continues 1﹒ 2﹒, not 二、).
        for entry in reversed(self.stack):
            if family and style not in self.order and entry.family == family and value == entry.value + 1:
                return entry.rank, entry.style
        if style not in self.order:
            self.order.append(style)
        rank = float(self.order.index(style))
        if value == 1 and self.stack and rank <= self.stack[-1].rank:
            # A sequence that starts afresh opens a level below, it does not close one.
            return self.stack[-1].rank + 0.01, style
        return rank, style

    def open(self, line: Line) -> None:
        """Place a numbered or styled line and open its level."""
        style = line.number.style if line.number else line.style
        family = line.number.family if line.number else ""
        value = line.number.value if line.number else 0
        rank, canonical = self.rank_for(style, family, value)
        while self.stack and self.stack[-1].rank >= rank:
            self.stack.pop()
        parent = self.stack[-1].node if self.stack else None
        # Siblings that began as items stay items: one level is numbered one way.
        heading = line.heading and self.last.get(rank, (None, True)) != (id(parent), False)
        node = heading_node(line) if heading else content_node(line.text, line.start, line.number.text)
        self.attach(node, parent)
        self.stack.append(Open(rank, canonical, family, value, node, heading))
        self.last[rank] = (id(parent), heading)
        if heading:
            self.styles[id(node)] = style
        else:
            self.item_styles[id(node)] = style
            self.inline[id(node)] = len(node.children)

    def add_content(self, node: Node, plain: bool = False) -> None:
        """Attach a paragraph or table to the deepest open level.

        A ``plain`` paragraph (no lead sentence, no enumeration) closes open
        items first: the lead-sentence paragraphs of an item run end with it.
        """
        while plain and self.stack and not self.stack[-1].heading:
            self.stack.pop()
        self.attach(node, self.stack[-1].node if self.stack else None)

    def attach(self, node: Node, parent: Node | None) -> None:
        """Append ``node`` to ``parent`` (or to the roots)."""
        (parent.children if parent else self.roots).append(node)


def parse_outline(lines: list[SourceLine], offsets: list[int], plan_id: str) -> list[Node]:
    """Build the outline tree; ``offsets[i]`` is where ``lines[i]`` starts in the plan text."""
    blocks = dict(find_table_blocks([line.text for line in lines]))
    analysed = analyse(lines, offsets)
    builder = Builder()
    i = 0
    while i < len(lines):
        if i in blocks:
            builder.add_content(table_node(lines, offsets, i, blocks[i]))
            i = max(blocks[i], i + 1)
            continue
        line = analysed[i]
        if line is not None:
            place(builder, line)
        i += 1
    finish(builder, plan_id)
    return builder.roots


def analyse(lines: list[SourceLine], offsets: list[int]) -> list[Line | None]:
    """Reduce every line to its content and decide which lines are headings."""
    out: list[Line | None] = []
    for src, offset in zip(lines, offsets):
        a, b = content_span(src.text)
        text = src.text[a:b]
        if not text:
            out.append(None)
            continue
        styled = src.level is not None or src.bold or is_wrapped_bold(src.text)
        style = (f"L{src.level}" if src.level is not None else "bold") if styled else None
        out.append(Line(offset + a, text, line_number(text), style))
    kept = [x for x in out if x is not None]
    mark_bare_headings(kept)
    mark_headings(kept)
    return out


def mark_bare_headings(lines: list[Line]) -> None:
    """Style short unpunctuated lines between body paragraphs as headings (plain-text exports lose bold).

    Only when there are several, so a lone 前言 or subtitle does not become a level.
    """
    found = [line for i, line in enumerate(lines[1:-1], 1)
             if not line.number and not line.style and len(line.text) <= MAX_BARE
             and not BARE_STOP.search(line.text)
             and len(lines[i - 1].text) >= MIN_BODY and len(lines[i + 1].text) >= MIN_BODY]
    if len(found) >= 2:
        for line in found:
            line.style = "bare"


def line_number(text: str) -> Number | None:
    """Return a line's heading number, or its lone leading enumeration marker (一是…)."""
    found = match_number(text)
    if found:
        return found
    _, enum = items.split_enumeration(text)
    if len(enum) == 1 and enum[0][0] == 0:
        marker = enum[0][2]
        return Number("shi", "shi", numeral_value(marker[:-1]), marker, text[len(marker):])
    return None


def mark_headings(lines: list[Line]) -> None:
    """Decide which lines are headings: heading-like numbered lines and styled short lines."""
    for line in lines:
        if line.number:
            line.heading = heading_like(line.number.rest)
        elif line.style:
            line.heading = heading_like(line.text)
    first_numbered = next((i for i, x in enumerate(lines) if x.heading and x.number), len(lines))
    counts: dict[str, int] = {}
    for line in lines:
        if line.heading and line.style and not line.number:
            counts[line.style] = counts.get(line.style, 0) + 1
    for line in lines[:first_numbered]:
        # A styled line that stands alone before the numbering is a (sub)title, not a level.
        if line.heading and not line.number and counts.get(line.style, 0) == 1:
            line.heading = False


def heading_like(rest: str) -> bool:
    """Tell a heading title from a sentence: short, with no sentence punctuation inside."""
    body = rest.strip().rstrip("。.；;：:")
    return 0 < len(body) <= MAX_HEADING and not INNER_STOP.search(body) and not CAPTION.match(body)


def place(builder: Builder, line: Line) -> None:
    """Add one analysed line to the tree."""
    caption = CAPTION.match(line.text)
    if caption and not line.number and len(caption.group(2)) <= MAX_HEADING:
        node = Node("", "table", caption.group(2) or caption.group(1), caption.group(1).replace(" ", ""),
                    line.text, line.start, line.start + len(line.text))
        builder.add_content(node)
    elif line.heading or line.number:
        builder.open(line)
    else:
        node = content_node(line.text, line.start, "")
        builder.add_content(node, plain=not node.children and not items.lead_title(line.text))


def heading_node(line: Line) -> Node:
    """Make the node of a heading line (its kind is settled in ``finish``)."""
    rest = line.number.rest if line.number else line.text
    title = rest.strip().strip("*").rstrip("。.；;：:").strip()
    number = line.number.text if line.number else ""
    return Node("", "section", title, number, line.text, line.start, line.start + len(line.text))


def content_node(text: str, start: int, number: str) -> Node:
    """Make an item or paragraph node, splitting out any inline enumeration as children."""
    skip = len(text) - len(text[len(number):].lstrip()) if number else 0
    body = text[skip:]
    lead_end, enum = items.split_enumeration(body)
    own = text[: skip + lead_end] if enum else text
    title = items.lead_title(body) or items.short_title(body) if own.strip() else ""
    node = Node("", "paragraph", title, number, own, start, start + len(text))
    for s, e, num in ((s + skip, e + skip, num) for s, e, num in enum):
        sub = text[s:e][len(num):].lstrip("，,、：: ")
        child = Node("", "paragraph", items.lead_title(sub) or items.short_title(sub), num, text[s:e],
                     start + s, start + e)
        node.children.append(child)
    return node


def table_node(lines: list[SourceLine], offsets: list[int], first: int, stop: int) -> Node:
    """Make one ``table`` node of the lines ``first:stop`` (a box or a flattened table)."""
    stop = max(stop, first + 1)
    a, b = content_span(lines[first].text)
    caption = lines[first].text[a:b]
    m = CAPTION.match(caption)
    start = offsets[first] + a
    end = offsets[stop - 1] + len(lines[stop - 1].text)
    text = "\n".join(line.text for line in lines[first:stop])[a:]
    return Node("", "table", (m.group(2) if m else "") or caption, m.group(1).replace(" ", "") if m else "",
                text, start, end)


def finish(builder: Builder, plan_id: str) -> None:
    """Lift enumerations out of lead-less paragraphs, settle kinds, spans and ids."""
    builder.roots[:] = promote(builder.roots, builder)
    builder.roots[:] = lift(builder.roots)
    for node in builder.roots:
        if id(node) not in builder.styles:
            node.kind = "table" if node.kind == "table" else "paragraph"
        settle(node, builder.styles, None, None)
    for i, node in enumerate(builder.roots, 1):
        number(node, f"{plan_id}/{i}")


def promote(nodes: list[Node], builder: Builder) -> list[Node]:
    """Make items that hold content headings; hand a lone trailing paragraph back to the parent."""
    out: list[Node] = []
    for node in nodes:
        node.children = promote(node.children, builder)
        out.append(node)
        if id(node) not in builder.item_styles:
            continue
        extra = node.children[builder.inline[id(node)]:]
        if len(extra) >= 2 or any(c.number or id(c) in builder.styles for c in extra):
            builder.styles[id(node)] = builder.item_styles[id(node)]
        elif extra:
            del node.children[builder.inline[id(node)]:]
            out.extend(extra)
    return out


def lift(nodes: list[Node]) -> list[Node]:
    """Replace a paragraph that is only an enumeration by its items (they become siblings)."""
    out: list[Node] = []
    for node in nodes:
        node.children = lift(node.children)
        if not node.text.strip() and not node.number and node.children:
            out.extend(node.children)
        else:
            out.append(node)
    return out


def settle(node: Node, styles: dict[int, str], parent_kind: str | None, context: str | None) -> None:
    """Set the kind of ``node``'s subtree (``node`` itself is settled), and stretch spans over children."""
    if id(node) in styles:
        node.kind = heading_kind(styles[id(node)], parent_kind)
        context = items.context_of(node.title) or context
        mark_content(node, styles, context)
        parent_kind = node.kind
    else:
        for child in node.children:
            if child.kind != "table" and id(child) not in styles:
                child.kind = items.content_kind(context, child.text) if parent_kind else "paragraph"
    for child in node.children:
        settle(child, styles, parent_kind, context)
    if node.children:
        node.end = max(node.end, max(c.end for c in node.children))


def heading_kind(style: str, parent_kind: str | None) -> str:
    """Return a heading's kind from its style, or one step finer than its parent."""
    if style in EXPLICIT_KINDS:
        return EXPLICIT_KINDS[style]
    if parent_kind is None:
        return "chapter"
    step = KIND_STEPS.index(parent_kind) if parent_kind in KIND_STEPS else len(KIND_STEPS) - 1
    return KIND_STEPS[min(step + 1, len(KIND_STEPS) - 1)]


def mark_content(heading: Node, styles: dict[int, str], context: str | None) -> None:
    """Give the direct content children of a heading their kinds (intro paragraphs stay paragraphs)."""
    content = [c for c in heading.children if c.kind != "table" and id(c) not in styles]
    has_subheadings = any(id(c) in styles for c in heading.children)
    flags = [is_item(c) for c in content]
    # item_after[i]: some child after position i is an item (computed once: linear, not quadratic).
    item_after = [False] * len(content)
    for i in range(len(content) - 2, -1, -1):
        item_after[i] = item_after[i + 1] or flags[i + 1]
    for i, child in enumerate(content):
        kind = items.content_kind(context, child.text)
        intro = not flags[i] and item_after[i]
        # A numbered item stays an item beside numbered sub-headings (1﹒ beside 2﹒ that holds a 专栏).
        if kind != "principle" and ((has_subheadings and not child.number) or (kind == "task" and intro)):
            kind = "paragraph"
        child.kind = kind


def is_item(node: Node) -> bool:
    """Tell an item (numbered, enumerated or with a lead-sentence title) from plain prose."""
    return bool(node.number or node.children or items.lead_title(node.text))


def number(node: Node, node_id: str) -> None:
    """Give ``node`` and its subtree stable positional ids."""
    node.id = node_id
    for i, child in enumerate(node.children, 1):
        number(child, f"{node_id}.{i}")
