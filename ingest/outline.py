"""Recover a plan's heading tree from its numbering (first, simple version)."""

from __future__ import annotations

import re

from ingest.model import Node
from ingest.read import SourceLine

# (style name, pattern) in the usual nesting order of official documents.
STYLES = [
    ("part", re.compile(r"^(第[一二三四五六七八九十百]+部分)\s*(.*)$")),
    ("chapter", re.compile(r"^(第[一二三四五六七八九十百]+章)\s*(.*)$")),
    ("section", re.compile(r"^(第[一二三四五六七八九十百]+节)\s*(.*)$")),
    ("cn", re.compile(r"^([一二三四五六七八九十]+、)\s*(.*)$")),
    ("paren_cn", re.compile(r"^([（(][一二三四五六七八九十]+[)）])\s*(.*)$")),
    ("arabic", re.compile(r"^(\d+[、.．])\s*(.*)$")),
]


def match_style(text: str) -> tuple[str, str, str] | None:
    """Return (style, number, title) when ``text`` starts with a heading number."""
    for style, pattern in STYLES:
        m = pattern.match(text)
        if m and len(m.group(2)) <= 60:
            return style, m.group(1), m.group(2)
    return None


def parse_outline(lines: list[SourceLine], offsets: list[int], plan_id: str) -> list[Node]:
    """Build the outline tree; ``offsets[i]`` is where ``lines[i]`` starts in the plan text."""
    roots: list[Node] = []
    stack: list[tuple[str, Node]] = []
    order: list[str] = []
    for line, start in zip(lines, offsets):
        end = start + len(line.text)
        found = match_style(line.text)
        if found:
            style, number, title = found
            if style not in order:
                order.append(style)
            while stack and order.index(stack[-1][0]) >= order.index(style):
                stack.pop()
            kind = style if style in ("part", "chapter", "section") else "section"
            node = Node("", kind, title, number, line.text, start, end)
            (stack[-1][1].children if stack else roots).append(node)
            stack.append((style, node))
        else:
            node = Node("", "paragraph", line.text[:30], "", line.text, start, end)
            (stack[-1][1].children if stack else roots).append(node)
        for _, open_node in stack:
            open_node.end = end
    assign_ids(roots, plan_id)
    return roots


def assign_ids(nodes: list[Node], prefix: str) -> None:
    """Give every node a stable id from the plan id and its position."""
    for i, node in enumerate(nodes, 1):
        node.id = f"{prefix}.{i}" if "." in prefix or "/" in prefix else f"{prefix}/{i}"
        assign_ids(node.children, node.id)
