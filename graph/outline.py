"""An in-memory index of the outline read back from the store: the shared basis of trace and explore.

Built from a handful of SPARQL queries once per open store and cached on it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from graph.errors import NotFound
from graph.namespace import PGID
from graph.rows import select as saved_rows
from graph.store import GraphStore

HEADINGS = {"part", "chapter", "section", "subsection"}
KIND_OF_CLASS = {"Project": "project", "Place": "place", "Organisation": "organisation"}

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

    def find_entity(self, name: str) -> dict:
        """Return the project, place or organisation named ``name`` (id, label, alias, else part of a label)."""
        name = name.strip()
        for ent in self.entities.values():
            if name in (ent["id"], ent["iri"], ent["label"], *ent["aliases"]):
                return ent
        close = [e for e in self.entities.values() if name and (name in e["label"] or e["label"] in name)]
        if not close:
            raise NotFound(f"找不到项目、地点或机构 no project, place or organisation matches {name!r}")
        return min(close, key=lambda e: (abs(len(e["label"]) - len(name)), e["label"]))


def _resource(row: dict) -> dict:
    """Turn one row of Q_RESOURCES into the dict trace works with."""
    kind = row["kind"] or ("goal" if row["phrase"] else "node")
    is_heading = kind in HEADINGS
    rank = 0 if row["phrase"] else 1 if is_heading else 2 if row["goal"] else 3 if kind == "task" else 4
    sid = short_id(row["s"])
    return {"iri": row["s"], "id": sid, "node_id": sid[5:] if sid.startswith("node/") else sid,
            "label": row["label"], "kind": kind, "plan": row["ptitle"], "plan_id": row["pid"],
            "parent": row["parent"], "order": row["order"] or 0, "order_key": (row["pid"], row["start"] or 0),
            "text": row["text"], "is_goal": bool(row["goal"]), "is_phrase": bool(row["phrase"]),
            "is_heading": is_heading, "rank": rank}


def load_index(store: GraphStore) -> OutlineIndex:
    """Read the outline and its links back from the store."""
    index = OutlineIndex()
    for row in saved_rows(store, "resources", Q_RESOURCES):
        index.resources[row["s"]] = _resource(row)
    for iri, r in sorted(index.resources.items(), key=lambda kv: kv[1]["order"]):
        (index.phrases if r["is_phrase"] else index.children)[r["parent"]].append(iri)
    for row in saved_rows(store, "entities", Q_ENTITIES):
        ent = index.entities.setdefault(row["e"], {
            "iri": row["e"], "id": short_id(row["e"]), "label": row["label"],
            "kind": KIND_OF_CLASS[row["type"].rsplit("#", 1)[-1]], "aliases": []})
        if row["alias"] and row["alias"] not in ent["aliases"]:
            ent["aliases"].append(row["alias"])
    for row in saved_rows(store, "mentions", Q_MENTIONS):
        if row["e"] in index.entities and row["node"] in index.resources:
            index.mentions[row["node"]].append(index.entities[row["e"]])
            index.mentioned_in[row["e"]].append(row["node"])
    for row in saved_rows(store, "targets", Q_TARGETS):
        index.targets[row["node"]].append({
            "id": short_id(row["t"]), "label": row["label"], "indicator": row["ind"], "value": row["value"],
            "unit": row["unit"], "year": row["year"], "status": row["status"]})
    for row in saved_rows(store, "links", Q_LINKS):
        if row["type"].endswith("servesGoal"):
            index.served_by[row["to"]].append((row["from"], row["score"]))
            index.serves[row["from"]].append((row["to"], row["score"]))
        elif row["from"] in index.entities and row["to"] in index.entities:
            index.places_of[row["from"]].append(index.entities[row["to"]])
    return index


def plan_index(store: GraphStore) -> OutlineIndex:
    """Return the outline index of ``store``, built once per open store."""
    return store.cached("outline-index", lambda: load_index(store))
