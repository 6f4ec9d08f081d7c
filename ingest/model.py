"""The typed model of one plan: outline, targets, tables and entity mentions.

Everything downstream (graph/, search/, web/) reads these dataclasses and
nothing else from ingest.  Every span is a pair of character offsets into
``Plan.text`` (the cleaned document text), so a citation can always be
checked against the text it came from.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

#: Node kinds, outermost first.  ``part``/``subsection`` appear only where a
#: document has them.
NODE_KINDS = (
    "part",
    "chapter",
    "section",
    "subsection",
    "task",
    "goal",
    "principle",
    "paragraph",
    "table",
)

#: Entity types extracted from the text.
ENTITY_TYPES = ("place", "organisation", "project")


@dataclass
class Node:
    """One node of a plan's outline: a heading, an item or a paragraph.

    ``start``/``end`` span the whole node including its descendants;
    ``text`` is the node's own text (its heading line, or the item or
    paragraph itself), never the text of its children.
    """

    id: str
    kind: str
    title: str
    number: str = ""
    text: str = ""
    start: int = 0
    end: int = 0
    children: list[Node] = field(default_factory=list)

    def walk(self) -> Iterator[Node]:
        """Yield this node and every descendant, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def to_dict(self) -> dict:
        """Return the node as plain JSON-ready data."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "number": self.number,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "children": [c.to_dict() for c in self.children],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Node:
        """Rebuild a node (and its subtree) from ``to_dict`` output."""
        kids = [cls.from_dict(c) for c in data.get("children", [])]
        return cls(**{**data, "children": kids})


@dataclass
class Target:
    """A numeric target or indicator, from a sentence or an indicator table.

    ``status`` is ``"target"`` for something to reach and ``"achieved"`` for
    a past result (2020年完成…), which is kept as a baseline, not a target.
    """

    id: str
    node_id: str
    text: str
    indicator: str
    value: float | None
    unit: str = ""
    value_max: float | None = None
    year: int | None = None
    comparator: str = ""
    baseline: float | None = None
    baseline_year: int | None = None
    attribute: str = ""
    source: str = "sentence"  # "sentence" | "table"
    status: str = "target"  # "target" | "achieved"
    start: int = 0
    end: int = 0


@dataclass
class Table:
    """A table rebuilt into rows and columns (专栏, 主要指标表…)."""

    id: str
    node_id: str
    title: str
    number: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    start: int = 0
    end: int = 0


@dataclass
class Mention:
    """Where an entity is named: the node and the exact span of the surface."""

    node_id: str
    start: int
    end: int
    surface: str


@dataclass
class Entity:
    """A place, organisation or project, with every mention of it."""

    id: str
    type: str
    label: str
    aliases: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class Plan:
    """One plan document: metadata, cleaned text and everything found in it."""

    id: str
    title: str
    source: str
    text: str
    kind: str = ""
    period: str = ""
    start_year: int | None = None
    end_year: int | None = None
    street: str = ""
    sha256: str = ""
    outline: list[Node] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)

    def walk(self) -> Iterator[Node]:
        """Yield every outline node in document order."""
        for top in self.outline:
            yield from top.walk()

    def walk_with_path(self) -> Iterator[tuple[Node, list[Node]]]:
        """Yield every node with the list of its ancestors (outermost first)."""

        def visit(node: Node, path: list[Node]) -> Iterator[tuple[Node, list[Node]]]:
            yield node, path
            for child in node.children:
                yield from visit(child, [*path, node])

        for top in self.outline:
            yield from visit(top, [])

    def node(self, node_id: str) -> Node | None:
        """Return the node with this id, or None."""
        return next((n for n in self.walk() if n.id == node_id), None)

    def summary(self) -> dict:
        """Return the metadata the ``plans`` listing shows."""
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "kind": self.kind,
            "period": self.period,
            "street": self.street,
        }

    def to_dict(self) -> dict:
        """Return the whole plan as plain JSON-ready data."""
        data = asdict(self)
        data["outline"] = [n.to_dict() for n in self.outline]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Plan:
        """Rebuild a plan from ``to_dict`` output."""
        entities = [
            Entity(**{**e, "mentions": [Mention(**m) for m in e.get("mentions", [])]})
            for e in data.get("entities", [])
        ]
        return cls(
            **{
                **data,
                "outline": [Node.from_dict(n) for n in data.get("outline", [])],
                "targets": [Target(**t) for t in data.get("targets", [])],
                "tables": [Table(**t) for t in data.get("tables", [])],
                "entities": entities,
            }
        )
