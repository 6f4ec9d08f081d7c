"""Plan models → RDF triples → the on-disk store, in one bulk load.

Every fact carries its provenance: the outline node it comes from
(``pg:sourceNode``) and its character span in the plan text
(``pg:charStart``/``pg:charEnd``).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS, XSD

from graph import links
from graph.namespace import ENTITY_CLASS, NODE_CLASS, PG, PGID, THEME
from graph.store import write_store
from graph.themes import Thesaurus, load_thesaurus
from ingest.model import Node, Plan

UNSAFE = re.compile(r"[\s<>\"{}|\\^`#?%]")
HEADING_KINDS = {"part", "chapter", "section", "subsection"}
ITEM_KINDS = {"task", "goal", "principle", "paragraph"}
ENTITY_LINK = {"project": PG.realisedBy, "place": PG.locatedIn, "organisation": PG.involves}


def iri(*parts: str) -> URIRef:
    """Return the instance IRI for a path of parts (unsafe characters percent-escaped, CJK kept)."""
    path = "/".join(UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", p) for p in parts)
    return PGID[path]


def scoped(plan: Plan, local_id: str) -> str:
    """Return an id made unique across plans (ingest ids usually start with the plan id already)."""
    return local_id if local_id.startswith(plan.id + "/") else f"{plan.id}/{local_id}"


def node_iri(plan: Plan, node_id: str) -> URIRef:
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
    """Collects the triples of many plans in memory, for one bulk load."""

    def __init__(self, thesaurus: Thesaurus):
        self.thesaurus = thesaurus
        self.triples: list[tuple] = []
        self.links = 0

    def add(self, s: URIRef, p: URIRef, o: object) -> None:
        """Add one triple; plain Python values become typed literals, None is skipped."""
        if o is None or o == "":
            return
        if not isinstance(o, URIRef | Literal):
            o = Literal(o, datatype=XSD.decimal) if isinstance(o, float) else Literal(o)
        self.triples.append((s, p, o))

    def span(self, s: URIRef, plan: Plan, source: URIRef, start: int, end: int) -> None:
        """Record where a fact comes from: its plan, source node and character span."""
        self.add(s, PG.inPlan, iri("plan", plan.id))
        self.add(s, PG.sourceNode, source)
        self.add(s, PG.charStart, int(start))
        self.add(s, PG.charEnd, int(end))

    def link(self, kind: URIRef, src: URIRef, dst: URIRef, score: float, method: str, evidence: str,
             plan: Plan, source: URIRef, start: int, end: int) -> None:
        """Add a direct link and a qualified pg:Link with its score and evidence."""
        self.add(src, kind, dst)
        self.links += 1
        qualified = iri("link", plan.id, str(self.links))
        self.add(qualified, RDF.type, PG.Link)
        for p, o in ((PG.linkFrom, src), (PG.linkTo, dst), (PG.linkType, kind), (PG.score, float(score)),
                     (PG.method, method), (PG.evidence, evidence)):
            self.add(qualified, p, o)
        self.span(qualified, plan, source, start, end)

    def tag(self, item: URIRef, text: str, plan: Plan, source: URIRef, start: int, end: int) -> None:
        """Tag an item with its themes; each tag keeps its evidence and where it was found."""
        for theme in self.thesaurus.tag(text):
            concept = THEME[theme.id]
            self.add(item, DCTERMS.subject, concept)
            tag = URIRef(f"{item}/theme/{theme.id}")
            self.add(tag, RDF.type, PG.ThemeTag)
            self.add(tag, PG.item, item)
            self.add(tag, PG.theme, concept)
            self.add(tag, PG.evidence, theme.evidence)
            at = plan.text.find(theme.evidence, start, end)
            self.span(tag, plan, source, at if at >= 0 else start,
                      at + len(theme.evidence) if at >= 0 else end)

    def plan(self, plan: Plan) -> None:
        """Add one plan: metadata, outline, goals, targets, entities and their links."""
        p = iri("plan", plan.id)
        self.add(p, RDF.type, PG.Plan)
        self.add(p, RDFS.label, plan.title)
        self.add(p, DCTERMS.title, plan.title)
        self.add(p, DCTERMS.identifier, plan.id)
        self.add(p, DCTERMS.source, plan.source)
        for prop, value in ((PG.planKind, plan.kind), (PG.period, plan.period), (PG.startYear, plan.start_year),
                            (PG.endYear, plan.end_year), (PG.street, plan.street)):
            self.add(p, prop, value)
        self.outline(plan)
        self.goals(plan)
        self.targets(plan)
        self.entities(plan)

    def outline(self, plan: Plan) -> None:
        """Add every outline node with its structure, text, span and themes."""
        plan_iri = iri("plan", plan.id)
        for node, path in plan.walk_with_path():
            n = node_iri(plan, node.id)
            parent = node_iri(plan, path[-1].id) if path else plan_iri
            siblings = path[-1].children if path else plan.outline
            self.add(n, RDF.type, NODE_CLASS.get(node.kind, PG.Node))
            if is_goal(node, path) and node.kind != "goal":
                self.add(n, RDF.type, PG.Goal)
            self.add(n, RDFS.label, node_label(node))
            self.add(n, PG.nodeKind, node.kind)
            if is_background([*path, node]):
                self.add(n, PG.background, True)
            self.add(n, PG.number, node.number)
            self.add(n, PG.text, node.text)
            self.add(n, PG.partOf, parent)
            self.add(n, PG.order, next(i for i, s in enumerate(siblings) if s is node))
            self.add(n, PROV.wasDerivedFrom, plan_iri)
            self.span(n, plan, n, node.start, node.end)
            self.tag(n, node.text or node.title, plan, n, node.start, node.end)

    def goals(self, plan: Plan) -> None:
        """Split goal statements into the items they enumerate and link each to the headings carrying it."""
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
                self.add(g, RDF.type, PG.GoalPhrase)
                self.add(g, RDF.type, PG.Goal)
                self.add(g, RDFS.label, phrase)
                self.add(g, PG.partOf, node_iri(plan, node.id))
                self.add(g, PG.order, i)
                self.span(g, plan, node_iri(plan, node.id), offset + at, offset + at + len(phrase))
                self.tag(g, phrase, plan, node_iri(plan, node.id), offset + at, offset + at + len(phrase))
                for m in targets:
                    head = m.target
                    self.link(PG.servesGoal, node_iri(plan, head.id), g, m.score, "phrase-lcs", m.evidence,
                              plan, node_iri(plan, head.id), head.start, head.end)

    def targets(self, plan: Plan) -> None:
        """Add numeric targets with their indicator, the node they belong to, span and themes."""
        for t in plan.targets:
            tg = iri("target", scoped(plan, t.id))
            source = node_iri(plan, t.node_id)
            self.add(tg, RDF.type, PG.Target)
            self.add(tg, RDFS.label, t.text[:60] if t.text else t.indicator)
            for prop, value in ((PG.value, t.value), (PG.valueMax, t.value_max), (PG.unit, t.unit),
                                (PG.year, t.year), (PG.comparator, t.comparator), (PG.baseline, t.baseline),
                                (PG.baselineYear, t.baseline_year), (PG.attribute, t.attribute),
                                (PG.status, t.status), (PG.extractedFrom, t.source), (PG.text, t.text)):
                self.add(tg, prop, float(value) if isinstance(value, int | float) and prop in
                         (PG.value, PG.valueMax, PG.baseline) else value)
            self.add(tg, PG.measures, source)
            self.span(tg, plan, source, t.start, t.end)
            if t.indicator:
                ind = iri("indicator", re.sub(r"[（(].*?[)）]|\s", "", t.indicator) or t.indicator)
                self.add(tg, PG.indicator, ind)
                self.add(ind, RDF.type, PG.Indicator)
                self.add(ind, RDFS.label, t.indicator)
                self.add(ind, SKOS.prefLabel, Literal(t.indicator, lang="zh"))
            self.tag(tg, f"{t.indicator} {t.text}", plan, source, t.start, t.end)

    def entities(self, plan: Plan) -> None:
        """Add entities (merged across plans by type and label), their mentions and the links they imply."""
        per_node: dict[str, list[tuple]] = {}
        for k, ent in enumerate(plan.entities):
            e = iri(ent.type, ent.label)
            self.add(e, RDF.type, ENTITY_CLASS.get(ent.type, PG.Entity))
            self.add(e, RDFS.label, ent.label)
            for alias in ent.aliases:
                self.add(e, SKOS.altLabel, alias)
            for j, m in enumerate(ent.mentions):
                source = node_iri(plan, m.node_id)
                mi = iri("mention", plan.id, f"{k}-{j}")
                self.add(mi, RDF.type, PG.Mention)
                self.add(mi, PG.entity, e)
                self.add(mi, PG.surface, m.surface)
                self.span(mi, plan, source, m.start, m.end)
                self.add(source, PG.mentions, e)
                self.add(source, ENTITY_LINK.get(ent.type, PG.mentions), e)
                per_node.setdefault(m.node_id, []).append((ent, e, m))
        for node_id, found in per_node.items():
            self.project_places(plan, node_id, found)

    def project_places(self, plan: Plan, node_id: str, found: list[tuple]) -> None:
        """Link projects to the places the same clause names."""
        projects = [(e, ent.label, m.start) for ent, e, m in found if ent.type == "project"]
        places = [(e, ent.label, m.start) for ent, e, m in found if ent.type == "place"]
        if not projects or not places:
            return
        for match in links.project_places(projects, places, plan.text):
            proj, place = match.target
            self.link(PG.locatedIn, proj, place, match.score, "mention-clause", match.evidence, plan,
                      node_iri(plan, node_id), *links.clause_bounds(plan.text, next(
                          m.start for ent, e, m in found if e == proj)))

    def similar(self, plans: list[Plan]) -> None:
        """Link each item to the most similar items of the other plans (TF-IDF over jieba words)."""
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
            self.link(PG.similarTo, src, dst, m.score, "tfidf-cosine", m.evidence, plan, src, node.start, node.end)


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
