"""Plan models → RDF triples → the on-disk store, one plan at a time.

Every fact carries its provenance: the outline node it comes from
(``pg:sourceNode``) and its character span in the plan text
(``pg:charStart``/``pg:charEnd``).

The builder writes each plan's triples as N-Triples text (terms spelt once as
strings, no term objects) and Oxigraph's own parser loads them, so memory holds
one plan's triples at a time. Cross-plan facts need no other plan: an entity
shared by plans gets its type and label in every plan that mentions it (the
store keeps one copy), and the similarity links are computed last from each
plan's words only.

With a cache directory (``build_store(..., cache=DIR)``) each plan's N-Triples
and item words are kept as ``<plan key>-<version>``; a rebuild serialises only
the plans whose model or whose builder code changed, then recomputes the
similarity links (they depend on every plan) and loads everything into a fresh
store. The store is not patched in place (a copy of the previous store with
per-plan named graphs replaced): readers would then query the union of the
named graphs, where a triple stated by several plans (an entity's type and
label) matches once per graph (Oxigraph's ``use_default_graph_as_union``
answers it twice for two graphs), which changes rows and counts, and the remote
mode would have to name every plan graph in every query.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import pickle
import re
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from graph import links, rows
from graph.namespace import ENTITY_CLASS, NODE_CLASS, PG, PGID, PREFIXES, THEME
from graph.similar import Similarity
from graph.store import Chained, open_store, write_store
from graph.themes import Thesaurus, load_thesaurus
from ingest.model import Node, Plan
from ingest.planset import PlanSet

#: Characters an IRI path may not hold raw (and # ? % of our own paths): control, private-use and non-characters
#: too, so every IRI the builder spells is valid and the store loads the N-Triples without checking them again.
UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\s<>\"{}|\\^`#?%\ue000-\uf8ff\ufdd0-\ufdef\ufff0-\uffff]")
HEADING_KINDS = {"part", "chapter", "section", "subsection"}
ITEM_KINDS = {"task", "goal", "principle", "paragraph"}
ENTITY_LINK = {"project": "realisedBy", "place": "locatedIn", "organisation": "involves"}
XSD = PREFIXES["xsd"]
#: N-Triples string escapes (the four characters a quoted literal may not hold raw).
ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
INTEGER, DECIMAL, BOOLEAN = f"^^<{XSD}integer>", f"^^<{XSD}decimal>", f"^^<{XSD}boolean>"
PGID_NS, THEME_NS = str(PGID), str(THEME)


def _nt(value: str) -> str:
    """Return an IRI as an N-Triples term."""
    return f"<{value}>"


@functools.cache
def vocab() -> dict[str, str]:
    """Return every vocabulary IRI the builder writes as an N-Triples term, by name (PG names as they are)."""
    v = {name: _nt(str(PG._NS) + name) for name in PG.__annotations__}
    v.update(type=_nt(PREFIXES["rdf"] + "type"), label=_nt(PREFIXES["rdfs"] + "label"),
             title=_nt(PREFIXES["dcterms"] + "title"), identifier=_nt(PREFIXES["dcterms"] + "identifier"),
             source=_nt(PREFIXES["dcterms"] + "source"), subject=_nt(PREFIXES["dcterms"] + "subject"),
             derived=_nt(PREFIXES["prov"] + "wasDerivedFrom"), alt_label=_nt(PREFIXES["skos"] + "altLabel"),
             pref_label=_nt(PREFIXES["skos"] + "prefLabel"))
    return v


@functools.cache
def classes() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Return node kind → class, entity type → class and entity type → link property, as N-Triples terms."""
    v = vocab()
    return ({k: _nt(str(c)) for k, c in NODE_CLASS.items()}, {k: _nt(str(c)) for k, c in ENTITY_CLASS.items()},
            {k: v[p] for k, p in ENTITY_LINK.items()})


def literal(value: object) -> ox.Literal:
    """Return the typed literal rdflib's ``Literal(value)`` would make (floats as xsd:decimal)."""
    return ox.Literal(**_literal_args(value)) if isinstance(value, bool | int | float | str) else _rdflib(value)


def _literal_args(value: bool | int | float | str) -> dict:
    if isinstance(value, bool):
        return {"value": "true" if value else "false", "datatype": ox.NamedNode(XSD + "boolean")}
    if isinstance(value, int):
        return {"value": str(value), "datatype": ox.NamedNode(XSD + "integer")}
    if isinstance(value, float):
        return {"value": str(value), "datatype": ox.NamedNode(XSD + "decimal")}
    return {"value": value}


def _rdflib(value: object) -> ox.Literal:
    from rdflib import Literal

    from graph.store import to_ox

    return to_ox(Literal(value))


def nt_literal(value: object) -> str:
    """Return the N-Triples spelling of ``literal(value)`` (a plain string stays untyped)."""
    if isinstance(value, str):
        return f'"{value.translate(ESCAPES)}"'
    if isinstance(value, bool):
        return f'"{"true" if value else "false"}"{BOOLEAN}'
    if isinstance(value, int):
        return f'"{value}"{INTEGER}'
    if isinstance(value, float):
        return f'"{value}"{DECIMAL}'
    return str(_rdflib(value))


def _escape(match: re.Match) -> str:
    return f"%{ord(match.group()):02X}"


def iri(*parts: str) -> str:
    """Return the instance IRI for a path of parts (unsafe characters percent-escaped, CJK kept), as a term."""
    path = "/".join(UNSAFE.sub(_escape, p) if UNSAFE.search(p) else p for p in parts)
    return f"<{PGID_NS}{path}>"


def scoped(plan: Plan, local_id: str) -> str:
    """Return an id made unique across plans (ingest ids usually start with the plan id already)."""
    return local_id if local_id.startswith(plan.id + "/") else f"{plan.id}/{local_id}"


def node_iri(plan: Plan, node_id: str) -> str:
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


class TripleWriter:
    """Collects one plan's triples as N-Triples lines (terms are N-Triples strings, values plain Python).

    Qualified links are numbered per plan (``link/<plan>/<n>``), so a plan's triples never depend on the others.
    """

    def __init__(self, plan_id: str, plan: Plan | None = None, thesaurus: Thesaurus | None = None, links: int = 0):
        self.plan, self.thesaurus = plan, thesaurus
        self.plan_id = plan_id
        self.plan_iri = iri("plan", plan_id)
        self.lines: list[str] = []
        self.links = links
    def rel(self, s: str, p: str, o: str) -> None:
        """Add a triple whose object is an IRI term."""
        self.lines.append(f"{s} {p} {o} .\n")

    def add(self, s: str, p: str, value: object) -> None:
        """Add a triple whose object is a value (a typed literal); None and "" are skipped."""
        if value is None or value == "":
            return
        self.lines.append(f"{s} {p} {nt_literal(value)} .\n")

    def text(self) -> str:
        """Return the collected triples as N-Triples text."""
        return "".join(self.lines)

    def span(self, s: str, source: str, start: int, end: int) -> None:
        """Record where a fact comes from: its plan, source node and character span."""
        v = vocab()
        self.lines.append(f"{s} {v['inPlan']} {self.plan_iri} .\n{s} {v['sourceNode']} {source} .\n"
                          f'{s} {v["charStart"]} "{int(start)}"{INTEGER} .\n'
                          f'{s} {v["charEnd"]} "{int(end)}"{INTEGER} .\n')

    def link(self, kind: str, src: str, dst: str, score: float, method: str, evidence: str,
             source: str, start: int, end: int) -> None:
        """Add a direct link and a qualified pg:Link with its score and evidence."""
        v = vocab()
        self.rel(src, kind, dst)
        self.links += 1
        qualified = iri("link", self.plan_id, str(self.links))
        self.rel(qualified, v["type"], v["Link"])
        self.rel(qualified, v["linkFrom"], src)
        self.rel(qualified, v["linkTo"], dst)
        self.rel(qualified, v["linkType"], kind)
        self.add(qualified, v["score"], float(score))
        self.add(qualified, v["method"], method)
        self.add(qualified, v["evidence"], evidence)
        self.span(qualified, source, start, end)

    def tag(self, item: str, text: str, source: str, start: int, end: int) -> None:
        """Tag an item with its themes; each tag keeps its evidence and where it was found."""
        v = vocab()
        for theme in self.thesaurus.tag(text):
            concept = f"<{THEME_NS}{theme.id}>"
            self.rel(item, v["subject"], concept)
            tag = f"{item[:-1]}/theme/{theme.id}>"
            self.rel(tag, v["type"], v["ThemeTag"])
            self.rel(tag, v["item"], item)
            self.rel(tag, v["theme"], concept)
            self.add(tag, v["evidence"], theme.evidence)
            at = self.plan.text.find(theme.evidence, start, end)
            self.span(tag, source, at if at >= 0 else start, at + len(theme.evidence) if at >= 0 else end)

    def write_plan(self) -> None:
        """Add the plan: metadata, outline, goals, targets, entities and their links."""
        v, plan, p = vocab(), self.plan, self.plan_iri
        self.rel(p, v["type"], v["Plan"])
        self.add(p, v["label"], plan.title)
        self.add(p, v["title"], plan.title)
        self.add(p, v["identifier"], plan.id)
        self.add(p, v["source"], plan.source)
        for prop, value in (("planKind", plan.kind), ("period", plan.period), ("startYear", plan.start_year),
                            ("endYear", plan.end_year), ("street", plan.street)):
            self.add(p, v[prop], value)
        self.outline()
        self.goals()
        self.targets()
        self.entities()

    def outline(self) -> None:
        """Add every outline node with its structure, text, span and themes."""
        v, plan = vocab(), self.plan
        node_class = classes()[0]
        for node, path in plan.walk_with_path():
            n = node_iri(plan, node.id)
            parent = node_iri(plan, path[-1].id) if path else self.plan_iri
            siblings = path[-1].children if path else plan.outline
            self.rel(n, v["type"], node_class.get(node.kind, v["Node"]))
            if is_goal(node, path) and node.kind != "goal":
                self.rel(n, v["type"], v["Goal"])
            self.add(n, v["label"], node_label(node))
            self.add(n, v["nodeKind"], node.kind)
            if is_background([*path, node]):
                self.add(n, v["background"], True)
            self.add(n, v["number"], node.number)
            self.add(n, v["text"], node.text)
            self.rel(n, v["partOf"], parent)
            self.add(n, v["order"], next(i for i, s in enumerate(siblings) if s is node))
            self.rel(n, v["derived"], self.plan_iri)
            self.span(n, n, node.start, node.end)
            self.tag(n, node.text or node.title, n, node.start, node.end)

    def goals(self) -> None:
        """Split goal statements into the items they enumerate and link each to the headings carrying it."""
        v, plan = vocab(), self.plan
        heads = [(n, n.title) for n, _ in plan.walk_with_path() if n.title and n.kind in HEADING_KINDS | {"task"}]
        for node, path in plan.walk_with_path():
            if not is_goal(node, path):
                continue
            offset = plan.text.find(node.text, node.start) if node.text else -1
            offset = offset if offset >= 0 else node.start
            n = node_iri(plan, node.id)
            for i, (phrase, at) in enumerate(links.goal_phrases(node.text)):
                targets = [m for m in links.match_headings(phrase, heads) if m.target is not node]
                if not targets:
                    continue
                g = iri("goal", plan.id, f"{node.id.rsplit('/', 1)[-1]}-{i}")
                self.rel(g, v["type"], v["GoalPhrase"])
                self.rel(g, v["type"], v["Goal"])
                self.add(g, v["label"], phrase)
                self.rel(g, v["partOf"], n)
                self.add(g, v["order"], i)
                self.span(g, n, offset + at, offset + at + len(phrase))
                self.tag(g, phrase, n, offset + at, offset + at + len(phrase))
                for m in targets:
                    head = node_iri(plan, m.target.id)
                    self.link(v["servesGoal"], head, g, m.score, "phrase-lcs", m.evidence, head,
                              m.target.start, m.target.end)

    def targets(self) -> None:
        """Add numeric targets with their indicator, the node they belong to, span and themes."""
        v, plan = vocab(), self.plan
        for t in plan.targets:
            tg = iri("target", scoped(plan, t.id))
            source = node_iri(plan, t.node_id)
            self.rel(tg, v["type"], v["Target"])
            self.add(tg, v["label"], t.text[:60] if t.text else t.indicator)
            for prop, value in (("value", t.value), ("valueMax", t.value_max), ("unit", t.unit), ("year", t.year),
                                ("comparator", t.comparator), ("baseline", t.baseline),
                                ("baselineYear", t.baseline_year), ("attribute", t.attribute),
                                ("status", t.status), ("extractedFrom", t.source), ("text", t.text)):
                self.add(tg, v[prop], float(value) if isinstance(value, int | float) and prop in
                         ("value", "valueMax", "baseline") else value)
            self.rel(tg, v["measures"], source)
            self.span(tg, source, t.start, t.end)
            if t.indicator:
                ind = iri("indicator", re.sub(r"[（(].*?[)）]|\s", "", t.indicator) or t.indicator)
                self.rel(tg, v["indicator"], ind)
                self.rel(ind, v["type"], v["Indicator"])
                self.add(ind, v["label"], t.indicator)
                self.lines.append(f'{ind} {v["pref_label"]} {nt_literal(t.indicator)}@zh .\n')
            self.tag(tg, f"{t.indicator} {t.text}", source, t.start, t.end)

    def entities(self) -> None:
        """Add entities (merged across plans by type and label), their mentions and the links they imply."""
        v, plan = vocab(), self.plan
        _, entity_class, entity_link = classes()
        per_node: dict[str, list[tuple]] = {}
        for k, ent in enumerate(plan.entities):
            e = iri(ent.type, ent.label)
            self.rel(e, v["type"], entity_class.get(ent.type, v["Entity"]))
            self.add(e, v["label"], ent.label)
            for alias in ent.aliases:
                self.add(e, v["alt_label"], alias)
            for j, m in enumerate(ent.mentions):
                source = node_iri(plan, m.node_id)
                mi = iri("mention", plan.id, f"{k}-{j}")
                self.rel(mi, v["type"], v["Mention"])
                self.rel(mi, v["entity"], e)
                self.add(mi, v["surface"], m.surface)
                self.span(mi, source, m.start, m.end)
                self.rel(source, v["mentions"], e)
                self.rel(source, entity_link.get(ent.type, v["mentions"]), e)
                per_node.setdefault(m.node_id, []).append((ent, e, m))
        for node_id, found in per_node.items():
            self.project_places(node_id, found)

    def project_places(self, node_id: str, found: list[tuple]) -> None:
        """Link projects to the places the same clause names."""
        v, plan = vocab(), self.plan
        projects = [(e, ent.label, m.start) for ent, e, m in found if ent.type == "project"]
        places = [(e, ent.label, m.start) for ent, e, m in found if ent.type == "place"]
        if not projects or not places:
            return
        for match in links.project_places(projects, places, plan.text):
            proj, place = match.target
            self.link(v["locatedIn"], proj, place, match.score, "mention-clause", match.evidence,
                      node_iri(plan, node_id), *links.clause_bounds(plan.text, next(
                          m.start for ent, e, m in found if e == proj)))


@dataclass
class Part:
    """One plan's share of the graph: its N-Triples, how many triples and links it has, and the words of its
    items for the similarity links (IRI term, start, end, words)."""

    triples: bytes
    count: int
    links: int
    items: list[tuple[str, int, int, list[str]]]


def plan_part(plan: Plan, thesaurus: Thesaurus) -> Part:
    """Return the triples of one plan and the words of its items (the only input the similarity links need)."""
    from ingest.segment import cut

    writer = TripleWriter(plan.id, plan, thesaurus)
    writer.write_plan()
    items = [(node_iri(plan, node.id), node.start, node.end, cut(node.text)) for node in plan.walk()
             if node.kind in ITEM_KINDS and len(node.text) >= 15]
    triples = writer.text().encode("utf-8")
    return Part(triples, triples.count(b"\n"), writer.links, items)


#: The sources whose change changes a plan's triples or words: the cache version hashes them.
VERSIONED = (("graph", "build.py"), ("graph", "links.py"), ("graph", "namespace.py"), ("graph", "themes.py"),
             ("graph", "themes.ttl"), ("ingest", "segment.py"), ("ingest", "data/userdict.txt"))


@functools.cache
def version() -> str:
    """Return a digest of the code and data a plan's cached triples depend on."""
    digest = hashlib.sha256()
    for package, name in VERSIONED:
        digest.update(resources.files(package).joinpath(*name.split("/")).read_bytes())
    from ingest.segment import engine

    digest.update(engine().encode())
    return digest.hexdigest()[:16]


class PartCache:
    """Per-plan parts kept across builds in a directory, as ``<plan key>-<version>.nt.gz`` (gzip level 1: a
    tenth of the size, 0.3 s CPU to write and 0.2 s to read per 80 MB) and ``.items``."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def files(self, key: str) -> tuple[Path, Path]:
        stem = f"{key}-{version()}"
        return self.folder / f"{stem}.nt.gz", self.folder / f"{stem}.items"

    def get(self, key: str) -> tuple[Path, dict] | None:
        """Return the N-Triples file and the rest of a cached part, or None."""
        nt, rest = self.files(key)
        if not (nt.is_file() and rest.is_file()):
            return None
        return nt, pickle.loads(rest.read_bytes())

    def put(self, key: str, rest: dict, triples: bytes) -> Path:
        """Store a part: its N-Triples and the rest (each file written aside and renamed, so a reader never sees
        half of one)."""
        nt, extra = self.files(key)
        for target, data in ((nt, gzip.compress(triples, compresslevel=1, mtime=0)),
                             (extra, pickle.dumps(rest, protocol=pickle.HIGHEST_PROTOCOL))):
            aside = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            aside.write_bytes(data)
            os.replace(aside, target)
        return nt

    def prune(self) -> None:
        """Delete the parts an older code version wrote."""
        current = f"-{version()}."
        for file in self.folder.iterdir():
            if file.name.endswith((".nt.gz", ".items")) and current not in file.name:
                file.unlink(missing_ok=True)


def write_similar_links(similarity: Similarity, counts: dict[str, int], out: BinaryIO) -> int:
    """Write the links from each item to the most similar items of the other plans; return how many triples.

    Items are keyed (IRI term, plan id, start, end); ``counts`` gives how many links each plan has numbered."""
    writers: dict[str, TripleWriter] = {}
    similar, written = vocab()["similarTo"], 0
    for m in similarity.matches():
        (src, plan_id, start, end), (dst, *_) = m.target
        writer = writers.get(plan_id)
        if writer is None:
            writer = writers[plan_id] = TripleWriter(plan_id, links=counts[plan_id])
        writer.link(similar, src, dst, m.score, "tfidf-cosine", m.evidence, src, start, end)
        text = writer.text()
        writer.lines.clear()
        written += text.count("\n")
        out.write(text.encode("utf-8"))
    return written


def build_triples(plans: list[Plan]) -> list[tuple]:
    """Return every triple of ``plans`` (without the ontology and thesaurus) as pyoxigraph triples."""
    with tempfile.TemporaryDirectory() as tmp:
        parts, _ = write_parts(plans, Path(tmp), None)
        with Chained(parts) as data:
            return [tuple(q.triple) for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


def _given(plan: Plan) -> Callable[[], Plan]:
    return lambda: plan


def keyed(plans: Sequence[Plan], cache: Path | None) -> Iterator[tuple[str | None, Callable[[], Plan]]]:
    """Yield (key, load plan) pairs, so a cached plan is never loaded; plain lists get keys (a digest of each
    model, not free) only for the cache."""
    if cache is not None:
        plans = PlanSet.of(plans)
    if not hasattr(plans, "keys"):
        yield from ((None, _given(plan)) for plan in plans)
        return
    for index, key in enumerate(plans.keys):
        yield key, functools.partial(plans.__getitem__, index)


def write_parts(plans: Sequence[Plan], staging: Path, cache: Path | None) -> tuple[list[Path], dict[str, int]]:
    """Write the N-Triples of ``plans`` one plan at a time (from ``cache`` when it has them); return the files
    to load, in order, and how many triples they hold per plan id (in order; similarity links under "")."""
    thesaurus, store = load_thesaurus(), PartCache(cache) if cache is not None else None
    files, counts, total, similarity = [], {}, {}, Similarity()
    fresh = staging / "plans.nt"
    with open(fresh, "wb") as out:
        for key, load in keyed(plans, cache):
            hit = store.get(key) if store else None
            if hit is None:
                plan = load()
                part = plan_part(plan, thesaurus)
                rest = {"plan": plan.id, "count": part.count, "links": part.links, "items": part.items}
                if store:
                    files.append(store.put(key, rest, part.triples))
                else:
                    out.write(part.triples)
            else:
                file, rest = hit
                files.append(file)
            total[rest["plan"]] = rest["count"]
            counts[rest["plan"]] = rest["links"]
            for iri, start, end, words in rest["items"]:
                similarity.add((iri, rest["plan"], start, end), rest["plan"], words)
        if len(total) > 1:
            total[""] = write_similar_links(similarity, counts, out)
    if store:
        store.prune()
    return [*files, fresh], total


def build_store(plans: Sequence[Plan], path: Path, cache: Path | None = None) -> None:
    """Build the graph store for ``plans`` (a list or a PlanSet) under ``path`` (a fresh staging directory),
    one plan at a time; with ``cache`` (a directory kept across builds) only changed plans are serialised again."""
    started = time.perf_counter()
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    parts, counts = write_parts(plans, path, cache)
    meta = {"plans": [p for p in counts if p], "triples": sum(counts.values()),
            "seconds": round(time.perf_counter() - started, 2)}
    try:
        write_store(path, parts, meta)
        save_rows(path, plans, parts[:-1] if cache is not None else None)
    finally:
        parts[-1].unlink(missing_ok=True)


def save_rows(path: Path, plans: Sequence[Plan], parts: list[Path] | None = None) -> None:
    """Save the per-plan rows readers start from: from each plan's own cached N-Triples file (``parts``, one per
    plan, whose contributions are kept beside them) when given and the store is embedded, else asking the loaded
    store (no triple in memory)."""
    with open_store(path) as store:
        rows.save_from_store(path, store, plans, None if store.remote else parts)
