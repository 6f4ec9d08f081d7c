"""Plan models → RDF triples → the on-disk store, in one bulk load.

Every fact carries its provenance: the outline node it comes from
(``pg:sourceNode``) and its character span in the plan text
(``pg:charStart``/``pg:charEnd``).
"""

from __future__ import annotations

import functools
import re
import time
from pathlib import Path
from types import SimpleNamespace

import pyoxigraph as ox

from graph import links, rows
from graph.namespace import ENTITY_CLASS, NODE_CLASS, PG, PGID, PREFIXES, THEME
from graph.store import write_store
from graph.themes import Thesaurus, load_thesaurus
from ingest.model import Node, Plan

UNSAFE = re.compile(r"[\s<>\"{}|\\^`#?%]")
HEADING_KINDS = {"part", "chapter", "section", "subsection"}
ITEM_KINDS = {"task", "goal", "principle", "paragraph"}
ENTITY_LINK = {"project": "realisedBy", "place": "locatedIn", "organisation": "involves"}
XSD = PREFIXES["xsd"]


@functools.cache
def vocab() -> SimpleNamespace:
    """Return every vocabulary IRI the builder writes, as pyoxigraph terms made once (PG names as attributes)."""
    pg = {name: ox.NamedNode(str(PG._NS) + name) for name in PG.__annotations__}
    return SimpleNamespace(**pg, type=ox.NamedNode(PREFIXES["rdf"] + "type"),
                           label=ox.NamedNode(PREFIXES["rdfs"] + "label"),
                           title=ox.NamedNode(PREFIXES["dcterms"] + "title"),
                           identifier=ox.NamedNode(PREFIXES["dcterms"] + "identifier"),
                           source=ox.NamedNode(PREFIXES["dcterms"] + "source"),
                           subject=ox.NamedNode(PREFIXES["dcterms"] + "subject"),
                           derived=ox.NamedNode(PREFIXES["prov"] + "wasDerivedFrom"),
                           alt_label=ox.NamedNode(PREFIXES["skos"] + "altLabel"),
                           pref_label=ox.NamedNode(PREFIXES["skos"] + "prefLabel"),
                           node_class={k: ox.NamedNode(str(v)) for k, v in NODE_CLASS.items()},
                           entity_class={k: ox.NamedNode(str(v)) for k, v in ENTITY_CLASS.items()},
                           entity_link={k: pg[v] for k, v in ENTITY_LINK.items()},
                           integer=ox.NamedNode(XSD + "integer"), decimal=ox.NamedNode(XSD + "decimal"),
                           boolean=ox.NamedNode(XSD + "boolean"))


def literal(value: object) -> ox.Literal:
    """Return the typed literal rdflib's ``Literal(value)`` would make (floats as xsd:decimal)."""
    v = vocab()
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=v.boolean)
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=v.integer)
    if isinstance(value, float):
        return ox.Literal(str(value), datatype=v.decimal)
    if isinstance(value, str):
        return ox.Literal(value)
    from rdflib import Literal

    from graph.store import to_ox

    return to_ox(Literal(value))


def _escape(match: re.Match) -> str:
    return f"%{ord(match.group()):02X}"


def iri(*parts: str) -> ox.NamedNode:
    """Return the instance IRI for a path of parts (unsafe characters percent-escaped, CJK kept)."""
    path = "/".join(UNSAFE.sub(_escape, p) if UNSAFE.search(p) else p for p in parts)
    return ox.NamedNode(str(PGID) + path)


def scoped(plan: Plan, local_id: str) -> str:
    """Return an id made unique across plans (ingest ids usually start with the plan id already)."""
    return local_id if local_id.startswith(plan.id + "/") else f"{plan.id}/{local_id}"


def node_iri(plan: Plan, node_id: str) -> ox.NamedNode:
    """Return the IRI of an outline node; text outside every node (the title) belongs to the plan itself."""
    return iri("plan", plan.id) if node_id in ("", plan.id) else iri("node", scoped(plan, node_id))


def node_label(node: Node) -> str:
    """Return a short label: the heading title, else the first clause of the text."""
    if node.title:
        return node.title
    first = re.split(r"[。；！？]", node.text.strip(), maxsplit=1)[0]
    return first[:40] + ("…" if len(first) > 40 else "")


# 指导思想 is the ideological preamble: slogans it names (一带一路…) are not measures the plan takes.
BACKGROUND = re.compile(r"发展基础|发展环境|发展形势|面临形势|形势分析|现状|回顾|主要成就|取得成效|工作基础|指导思想")


def is_background(path: list[Node]) -> bool:
    """Tell whether a node sits in a review or context part (发展基础, 发展环境) rather than the plan proper."""
    return any(BACKGROUND.search(p.title) for p in path if p.title)


def is_goal(node: Node, path: list[Node]) -> bool:
    """Tell whether a node states goals: kind goal, or an item under a heading about 目标."""
    if node.kind == "goal":
        return True
    return node.kind in ITEM_KINDS and any("目标" in p.title and "指标" not in p.title for p in path[-2:])


class TripleBuilder:
    """Collects the triples of many plans in memory as pyoxigraph terms, for one bulk load."""

    def __init__(self, thesaurus: Thesaurus):
        self.thesaurus = thesaurus
        self.triples: list[tuple] = []
        self.links = 0

    def add(self, s: ox.NamedNode, p: ox.NamedNode, o: object) -> None:
        """Add one triple; plain Python values become typed literals, None is skipped."""
        if o is None or o == "":
            return
        if not isinstance(o, ox.NamedNode | ox.Literal):
            o = literal(o)
        self.triples.append((s, p, o))

    def span(self, s: ox.NamedNode, plan: Plan, source: ox.NamedNode, start: int, end: int) -> None:
        """Record where a fact comes from: its plan, source node and character span."""
        V = vocab()
        self.add(s, V.inPlan, iri("plan", plan.id))
        self.add(s, V.sourceNode, source)
        self.add(s, V.charStart, int(start))
        self.add(s, V.charEnd, int(end))

    def link(self, kind: ox.NamedNode, src: ox.NamedNode, dst: ox.NamedNode, score: float, method: str, evidence: str,
             plan: Plan, source: ox.NamedNode, start: int, end: int) -> None:
        """Add a direct link and a qualified pg:Link with its score and evidence."""
        V = vocab()
        self.add(src, kind, dst)
        self.links += 1
        qualified = iri("link", plan.id, str(self.links))
        self.add(qualified, V.type, V.Link)
        for p, o in ((V.linkFrom, src), (V.linkTo, dst), (V.linkType, kind), (V.score, float(score)),
                     (V.method, method), (V.evidence, evidence)):
            self.add(qualified, p, o)
        self.span(qualified, plan, source, start, end)

    def tag(self, item: ox.NamedNode, text: str, plan: Plan, source: ox.NamedNode, start: int, end: int) -> None:
        """Tag an item with its themes; each tag keeps its evidence and where it was found."""
        V = vocab()
        for theme in self.thesaurus.tag(text):
            concept = ox.NamedNode(str(THEME) + theme.id)
            self.add(item, V.subject, concept)
            tag = ox.NamedNode(f"{item.value}/theme/{theme.id}")
            self.add(tag, V.type, V.ThemeTag)
            self.add(tag, V.item, item)
            self.add(tag, V.theme, concept)
            self.add(tag, V.evidence, theme.evidence)
            at = plan.text.find(theme.evidence, start, end)
            self.span(tag, plan, source, at if at >= 0 else start,
                      at + len(theme.evidence) if at >= 0 else end)

    def plan(self, plan: Plan) -> None:
        """Add one plan: metadata, outline, goals, targets, entities and their links."""
        V = vocab()
        p = iri("plan", plan.id)
        self.add(p, V.type, V.Plan)
        self.add(p, V.label, plan.title)
        self.add(p, V.title, plan.title)
        self.add(p, V.identifier, plan.id)
        self.add(p, V.source, plan.source)
        for prop, value in ((V.planKind, plan.kind), (V.period, plan.period), (V.startYear, plan.start_year),
                            (V.endYear, plan.end_year), (V.street, plan.street)):
            self.add(p, prop, value)
        self.outline(plan)
        self.goals(plan)
        self.targets(plan)
        self.entities(plan)

    def outline(self, plan: Plan) -> None:
        """Add every outline node with its structure, text, span and themes."""
        V = vocab()
        plan_iri = iri("plan", plan.id)
        for node, path in plan.walk_with_path():
            n = node_iri(plan, node.id)
            parent = node_iri(plan, path[-1].id) if path else plan_iri
            siblings = path[-1].children if path else plan.outline
            self.add(n, V.type, V.node_class.get(node.kind, V.Node))
            if is_goal(node, path) and node.kind != "goal":
                self.add(n, V.type, V.Goal)
            self.add(n, V.label, node_label(node))
            self.add(n, V.nodeKind, node.kind)
            if is_background([*path, node]):
                self.add(n, V.background, True)
            self.add(n, V.number, node.number)
            self.add(n, V.text, node.text)
            self.add(n, V.partOf, parent)
            self.add(n, V.order, next(i for i, s in enumerate(siblings) if s is node))
            self.add(n, V.derived, plan_iri)
            self.span(n, plan, n, node.start, node.end)
            self.tag(n, node.text or node.title, plan, n, node.start, node.end)

    def goals(self, plan: Plan) -> None:
        """Split goal statements into the items they enumerate and link each to the headings carrying it."""
        V = vocab()
        heads = [(n, n.title) for n, _ in plan.walk_with_path() if n.title and n.kind in HEADING_KINDS | {"task"}]
        for node, path in plan.walk_with_path():
            if not is_goal(node, path):
                continue
            offset = plan.text.find(node.text, node.start) if node.text else -1
            offset = offset if offset >= 0 else node.start
            for i, (phrase, at) in enumerate(links.goal_phrases(node.text)):
                targets = [m for m in links.match_headings(phrase, heads) if m.target is not node]
                if not targets:
                    continue
                g = iri("goal", plan.id, f"{node.id.rsplit('/', 1)[-1]}-{i}")
                self.add(g, V.type, V.GoalPhrase)
                self.add(g, V.type, V.Goal)
                self.add(g, V.label, phrase)
                self.add(g, V.partOf, node_iri(plan, node.id))
                self.add(g, V.order, i)
                self.span(g, plan, node_iri(plan, node.id), offset + at, offset + at + len(phrase))
                self.tag(g, phrase, plan, node_iri(plan, node.id), offset + at, offset + at + len(phrase))
                for m in targets:
                    head = m.target
                    self.link(V.servesGoal, node_iri(plan, head.id), g, m.score, "phrase-lcs", m.evidence,
                              plan, node_iri(plan, head.id), head.start, head.end)

    def targets(self, plan: Plan) -> None:
        """Add numeric targets with their indicator, the node they belong to, span and themes."""
        V = vocab()
        for t in plan.targets:
            tg = iri("target", scoped(plan, t.id))
            source = node_iri(plan, t.node_id)
            self.add(tg, V.type, V.Target)
            self.add(tg, V.label, t.text[:60] if t.text else t.indicator)
            for prop, value in ((V.value, t.value), (V.valueMax, t.value_max), (V.unit, t.unit),
                                (V.year, t.year), (V.comparator, t.comparator), (V.baseline, t.baseline),
                                (V.baselineYear, t.baseline_year), (V.attribute, t.attribute),
                                (V.status, t.status), (V.extractedFrom, t.source), (V.text, t.text)):
                self.add(tg, prop, float(value) if isinstance(value, int | float) and prop in
                         (V.value, V.valueMax, V.baseline) else value)
            self.add(tg, V.measures, source)
            self.span(tg, plan, source, t.start, t.end)
            if t.indicator:
                ind = iri("indicator", re.sub(r"[（(].*?[)）]|\s", "", t.indicator) or t.indicator)
                self.add(tg, V.indicator, ind)
                self.add(ind, V.type, V.Indicator)
                self.add(ind, V.label, t.indicator)
                self.add(ind, V.pref_label, ox.Literal(t.indicator, language="zh"))
            self.tag(tg, f"{t.indicator} {t.text}", plan, source, t.start, t.end)

    def entities(self, plan: Plan) -> None:
        """Add entities (merged across plans by type and label), their mentions and the links they imply."""
        V = vocab()
        per_node: dict[str, list[tuple]] = {}
        for k, ent in enumerate(plan.entities):
            e = iri(ent.type, ent.label)
            self.add(e, V.type, V.entity_class.get(ent.type, V.Entity))
            self.add(e, V.label, ent.label)
            for alias in ent.aliases:
                self.add(e, V.alt_label, alias)
            for j, m in enumerate(ent.mentions):
                source = node_iri(plan, m.node_id)
                mi = iri("mention", plan.id, f"{k}-{j}")
                self.add(mi, V.type, V.Mention)
                self.add(mi, V.entity, e)
                self.add(mi, V.surface, m.surface)
                self.span(mi, plan, source, m.start, m.end)
                self.add(source, V.mentions, e)
                self.add(source, V.entity_link.get(ent.type, V.mentions), e)
                per_node.setdefault(m.node_id, []).append((ent, e, m))
        for node_id, found in per_node.items():
            self.project_places(plan, node_id, found)

    def project_places(self, plan: Plan, node_id: str, found: list[tuple]) -> None:
        """Link projects to the places the same clause names."""
        V = vocab()
        projects = [(e, ent.label, m.start) for ent, e, m in found if ent.type == "project"]
        places = [(e, ent.label, m.start) for ent, e, m in found if ent.type == "place"]
        if not projects or not places:
            return
        for match in links.project_places(projects, places, plan.text):
            proj, place = match.target
            self.link(V.locatedIn, proj, place, match.score, "mention-clause", match.evidence, plan,
                      node_iri(plan, node_id), *links.clause_bounds(plan.text, next(
                          m.start for ent, e, m in found if e == proj)))

    def similar(self, plans: list[Plan]) -> None:
        """Link each item to the most similar items of the other plans (TF-IDF over jieba words)."""
        V = vocab()
        from ingest.segment import cut

        items, where = [], {}
        for plan in plans:
            for node in plan.walk():
                if node.kind in ITEM_KINDS and len(node.text) >= 15:
                    key = node_iri(plan, node.id)
                    items.append((key, plan.id, node.text))
                    where[key] = (plan, node)
        for m in links.similar_items(items, cut):
            src, dst = m.target
            plan, node = where[src]
            self.link(V.similarTo, src, dst, m.score, "tfidf-cosine", m.evidence, plan, src, node.start, node.end)


def build_triples(plans: list[Plan]) -> list[tuple]:
    """Return every triple of ``plans`` (without the ontology and thesaurus)."""
    builder = TripleBuilder(load_thesaurus())
    for plan in plans:
        builder.plan(plan)
    if len(plans) > 1:
        builder.similar(plans)
    return builder.triples


def build_store(plans: list[Plan], path: Path) -> None:
    """Build the graph store for ``plans`` under ``path`` (a fresh staging directory)."""
    started = time.perf_counter()
    triples = build_triples(plans)
    meta = {"plans": [p.id for p in plans], "triples": len(triples),
            "seconds": round(time.perf_counter() - started, 2)}
    write_store(Path(path), triples, meta)
    rows.save(Path(path), triples)
