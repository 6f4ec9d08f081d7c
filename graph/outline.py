"""An in-memory index of the outline read back from the store: the shared basis of trace and explore.

Built from a handful of SPARQL queries once per open store and cached on it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field

from graph.errors import NotFound
from graph.namespace import PGID
from graph.store import GraphStore
from graph.summary import grams, summary

HEADINGS = {"part", "chapter", "section", "subsection"}
KIND_OF_CLASS = {"Project": "project", "Place": "place", "Organisation": "organisation"}
#: Plan indexes kept in memory per open store.
PLANS_KEPT = 64

Q_RESOURCES = """
SELECT ?s ?label ?kind ?plan ?pid ?ptitle ?parent ?order ?start ?text ?phrase ?goal WHERE {
  ?s pg:inPlan ?plan ; rdfs:label ?label ; pg:partOf ?parent .
  ?plan dcterms:title ?ptitle ; dcterms:identifier ?pid .
  OPTIONAL { ?s pg:nodeKind ?kind } OPTIONAL { ?s pg:order ?order }
  OPTIONAL { ?s pg:charStart ?start } OPTIONAL { ?s pg:text ?text }
  BIND(EXISTS { ?s a pg:GoalPhrase } AS ?phrase) BIND(EXISTS { ?s a pg:Goal } AS ?goal)
} ORDER BY ?s"""
Q_MENTIONS = """
SELECT ?node ?e (MIN(?st) AS ?first) WHERE {
  ?m a pg:Mention ; pg:entity ?e ; pg:sourceNode ?node ; pg:charStart ?st .
} GROUP BY ?node ?e ORDER BY ?node ?first ?e"""
Q_ENTITIES = """
SELECT ?e ?label ?type ?alias WHERE {
  VALUES ?type { pg:Project pg:Place pg:Organisation }
  ?e a ?type ; rdfs:label ?label . OPTIONAL { ?e skos:altLabel ?alias }
} ORDER BY ?e ?alias"""
Q_TARGETS = """
SELECT ?t ?node ?label ?ind ?value ?unit ?year ?status WHERE {
  ?t a pg:Target ; pg:measures ?node ; rdfs:label ?label .
  OPTIONAL { ?t pg:indicator/rdfs:label ?ind } OPTIONAL { ?t pg:value ?value } OPTIONAL { ?t pg:unit ?unit }
  OPTIONAL { ?t pg:year ?year } OPTIONAL { ?t pg:status ?status }
} ORDER BY ?t ?ind"""
Q_LINKS = """
SELECT ?from ?to ?type ?score WHERE {
  VALUES ?type { pg:servesGoal pg:locatedIn }
  ?l a pg:Link ; pg:linkType ?type ; pg:linkFrom ?from ; pg:linkTo ?to ; pg:score ?score .
} ORDER BY ?from ?to"""

#: The goals the graph can trace: goal statements and the goal phrases found in them.
Q_GOALS = """
SELECT ?goal ?label ?plan ?order WHERE {
  ?goal a ?class ; rdfs:label ?label ; pg:inPlan ?p . ?p dcterms:title ?plan .
  FILTER(?class IN (pg:GoalPhrase, pg:Goal))
  OPTIONAL { ?goal pg:order ?order }
} ORDER BY ?plan ?order ?label"""


def short_id(iri: str) -> str:
    """Return the id used in JSON: the IRI without our instance namespace."""
    return iri[len(str(PGID)):] if iri.startswith(str(PGID)) else iri


@dataclass
class OutlineIndex:
    """Nodes, goal items, entities, mentions, targets and scored links of every plan."""

    resources: dict[str, dict] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    phrases: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    entities: dict[str, dict] = field(default_factory=dict)
    mentions: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    mentioned_in: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    targets: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    served_by: dict[str, list[tuple[str, float]]] = field(default_factory=lambda: defaultdict(list))
    serves: dict[str, list[tuple[str, float]]] = field(default_factory=lambda: defaultdict(list))
    places_of: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))

    def ancestors(self, iri: str) -> list[str]:
        """Return the outline ancestors of a node, nearest first."""
        out = []
        parent = self.resources.get(iri, {}).get("parent")
        while parent in self.resources:
            out.append(parent)
            parent = self.resources[parent].get("parent")
        return out


def _resource(row: dict) -> dict:
    """Turn one row of Q_RESOURCES into the dict trace works with."""
    kind = row["kind"] or ("goal" if row["phrase"] else "node")
    is_heading = kind in HEADINGS
    rank = 0 if row["phrase"] else 1 if is_heading else 2 if row["goal"] else 3 if kind == "task" else 4
    sid = short_id(row["s"])
    return {"iri": row["s"], "id": sid, "node_id": sid[5:] if sid.startswith("node/") else sid,
            "label": row["label"], "kind": kind, "plan": row["ptitle"], "plan_id": row["pid"],
            "plan_iri": row["plan"], "parent": row["parent"], "order": row["order"] or 0,
            "order_key": (row["pid"], row["start"] or 0), "text": row["text"], "is_goal": bool(row["goal"]),
            "is_phrase": bool(row["phrase"]), "is_heading": is_heading, "rank": rank}


def entity_info(rows: list[dict]) -> dict:
    """Return the dict of one entity from its rows of Q_ENTITIES (label and kind of the first, every alias)."""
    first = rows[0]
    ent = {"iri": first["e"], "id": short_id(first["e"]), "label": first["label"],
           "kind": KIND_OF_CLASS[first["type"].rsplit("#", 1)[-1]], "aliases": []}
    for row in rows:
        if row["alias"] and row["alias"] not in ent["aliases"]:
            ent["aliases"].append(row["alias"])
    return ent


def load_index(rows: dict[str, list[dict]], entities: dict[str, list[dict]]) -> OutlineIndex:
    """Build the index of the outline rows given (Q_RESOURCES, Q_MENTIONS, Q_TARGETS and Q_LINKS answers, by
    name) and the entities they may name (Q_ENTITIES rows by entity)."""
    index = OutlineIndex()
    for row in rows["resources"]:
        index.resources[row["s"]] = _resource(row)
    for iri, r in sorted(index.resources.items(), key=lambda kv: kv[1]["order"]):
        (index.phrases if r["is_phrase"] else index.children)[r["parent"]].append(iri)
    for e, erows in entities.items():
        index.entities[e] = entity_info(erows)
    for row in rows["mentions"]:
        if row["e"] in index.entities and row["node"] in index.resources:
            index.mentions[row["node"]].append(index.entities[row["e"]])
            index.mentioned_in[row["e"]].append(row["node"])
    for row in rows["targets"]:
        index.targets[row["node"]].append({
            "id": short_id(row["t"]), "label": row["label"], "indicator": row["ind"], "value": row["value"],
            "unit": row["unit"], "year": row["year"], "status": row["status"]})
    for row in rows["links"]:
        if row["type"].endswith("servesGoal"):
            index.served_by[row["to"]].append((row["from"], row["score"]))
            index.serves[row["from"]].append((row["to"], row["score"]))
        elif row["from"] in index.entities and row["to"] in index.entities:
            index.places_of[row["from"]].append(index.entities[row["to"]])
    return index


def _plan_index(store: GraphStore, plan: str) -> OutlineIndex:
    """Build the index of one plan: its outline, with every entity it names and the places those are in
    (located-in links of every plan, as the whole graph has them)."""
    found = summary(store)
    rows = found.outline_rows(plan) or {"resources": [], "mentions": [], "targets": [], "links": []}
    named = {row["e"] for row in rows["mentions"]}
    places = found.places(named)
    entities = found.entity_rows(named | {place for _, place, _ in places})
    index = load_index({**rows, "links": [r for r in rows["links"] if r["type"].endswith("servesGoal")]}, entities)
    for e, place, _ in places:
        if e in index.entities and place in index.entities:
            index.places_of[e].append(index.entities[place])
    return index


def plan_index(store: GraphStore, plan: str) -> OutlineIndex:
    """Return the outline index of one plan (by IRI), keeping the last few used per open store."""
    cache = store.cached("outline-indexes", lambda: Recent(PLANS_KEPT))
    return cache.get(plan, lambda: _plan_index(store, plan))


def goals(store: GraphStore) -> list[dict]:
    """Return every traceable goal (``Q_GOALS`` rows: goal IRI, label, plan title, order), by plan, order, label."""
    return store.cached("goals", lambda: summary(store).get("goals"))


def find_entity(store: GraphStore, name: str) -> dict:
    """Return the project, place or organisation named ``name`` (id, label, alias, else part of a label)."""
    found = summary(store)
    name = name.strip()
    exact = found.postings("entity_key", "k", [name])
    if exact:
        return entity_info(found.entity_rows([min(exact)])[min(exact)])
    close = set()
    if name:
        # A label inside the name is one of its substrings; the name inside a label has its character pairs.
        longest = found.get("longest-entity")
        parts = {name[i:j] for i in range(len(name)) for j in range(i + 1, min(len(name), i + longest) + 1)}
        close = found.postings("entity_key", "k", parts | {""}) | _labels_containing(found, name)
    candidates = [entity_info(rows) for rows in found.entity_rows(sorted(close)).values()]
    candidates = sorted((e for e in candidates if name in e["label"] or e["label"] in name), key=lambda e: e["iri"])
    if not candidates:
        raise NotFound(f"找不到项目、地点或机构 no project, place or organisation matches {name!r}")
    return min(candidates, key=lambda e: (abs(len(e["label"]) - len(name)), e["label"]))


def _labels_containing(found, name: str) -> set[str]:
    """Return the entities whose label may contain ``name`` (every character pair of it)."""
    pairs = grams(name)
    if not pairs:
        return {iri for (iri,) in found.query("SELECT iri FROM entity")}
    result = None
    for g in sorted(pairs, key=lambda g: found.frequency("entity_gram_df", "g", g))[:2]:
        these = found.postings("entity_gram", "g", [g])
        result = these if result is None else result & these
    return result


class Recent:
    """A small thread-safe cache keeping the values used last."""

    def __init__(self, size: int):
        self.size, self.values, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key: str, make):
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
        value = make()
        with self.lock:
            self.values[key] = value
            while len(self.values) > self.size:
                self.values.popitem(last=False)
        return value
