"""networkx views derived from the RDF graph on demand; the RDF graph stays the truth.

Only meaningful relations become edges; bookkeeping resources (mentions, theme
tags, qualified links) and generic properties (types, spans) are left out.
"""

from __future__ import annotations

import networkx as nx

from graph.outline import short_id
from graph.store import GraphStore

#: The relations a view shows, with the Chinese label of each edge.
RELATIONS = {
    "partOf": "属于", "servesGoal": "服务目标", "realisedBy": "由项目落实", "locatedIn": "位于",
    "involves": "涉及机构", "similarTo": "相似", "measures": "指标所在", "indicator": "指标",
}
CATEGORY = {"Plan": "plan", "GoalPhrase": "goal", "Goal": "goal", "Task": "task", "Project": "project",
            "Place": "place", "Organisation": "organisation", "Target": "target", "Indicator": "indicator",
            "Concept": "theme"}

EDGE_PREDICATES = "dcterms:subject " + " ".join(f"pg:{name}" for name in RELATIONS)
Q_EDGES = "SELECT ?s ?p ?o WHERE { VALUES ?p { " + EDGE_PREDICATES + " } ?s ?p ?o . }"
CLASSES = ("pg:Plan, pg:Node, pg:Part, pg:Chapter, pg:Section, pg:Subsection, pg:Task, pg:Goal, pg:GoalPhrase, "
           "pg:Principle, pg:Paragraph, pg:Table, pg:Target, pg:Indicator, pg:Project, pg:Place, pg:Organisation, "
           "skos:Concept")
Q_NODES = """
SELECT ?s ?label ?type ?kind WHERE { %s
  ?s a ?type . OPTIONAL { ?s rdfs:label ?label } OPTIONAL { ?s skos:prefLabel ?label FILTER(lang(?label) = "zh") }
  OPTIONAL { ?s pg:nodeKind ?kind }
  FILTER(?type IN (""" + CLASSES + """))
}"""


def _category(types: set[str], kind: str | None) -> str:
    """Pick the most specific category of a resource from its classes."""
    for name in ("GoalPhrase", "Project", "Place", "Organisation", "Target", "Indicator", "Concept", "Plan", "Goal"):
        if name in types:
            return CATEGORY[name]
    return "task" if kind in (None, "task", "paragraph", "principle") else kind


def knowledge_view(store: GraphStore) -> nx.MultiDiGraph:
    """Return the directed multigraph of plans, outline, goals, entities, targets and themes."""

    def make() -> nx.MultiDiGraph:
        view = nx.MultiDiGraph()
        types: dict[str, set[str]] = {}
        for row in store.select(Q_NODES % ""):
            types.setdefault(row["s"], set()).add(row["type"].rsplit("#", 1)[-1].rsplit("/", 1)[-1])
            view.add_node(row["s"], label=row["label"] or short_id(row["s"]), kind=row["kind"])
        for node, names in types.items():
            view.nodes[node]["category"] = _category(names, view.nodes[node].get("kind"))
        for row in store.select(Q_EDGES):
            if row["s"] in view and row["o"] in view:
                name = row["p"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]
                view.add_edge(row["s"], row["o"], key=name, label=RELATIONS.get(name, "主题"))
        return view

    return store.cached("knowledge-view", make)


def undirected(store: GraphStore, drop: tuple[str, ...] = ("plan", "theme")) -> nx.Graph:
    """Return an undirected simple view for paths, without hub nodes (plans, themes) that make every path short."""
    view = knowledge_view(store)
    keep = [n for n, d in view.nodes(data=True) if d.get("category") not in drop]
    return nx.Graph(view.subgraph(keep))


def node_info(store: GraphStore, iris: list[str]) -> dict[str, dict]:
    """Return the label and category of some nodes of the knowledge view, as ``knowledge_view`` gives them."""
    info: dict[str, dict] = {}
    types: dict[str, set[str]] = {}
    for start in range(0, len(iris), 200):
        values = " ".join(f"<{i}>" for i in iris[start:start + 200])
        for row in store.select(Q_NODES % f"VALUES ?s {{ {values} }}"):
            types.setdefault(row["s"], set()).add(row["type"].rsplit("#", 1)[-1].rsplit("/", 1)[-1])
            info[row["s"]] = {"label": row["label"] or short_id(row["s"]), "kind": row["kind"]}
    for node, names in types.items():
        info[node]["category"] = _category(names, info[node]["kind"])
    return info


def edges_between(store: GraphStore, iris: list[str]) -> list[dict]:
    """Return the knowledge-view edges among some of its nodes (by source, then target, in the order given)."""
    if not iris:
        return []
    rank = {iri: i for i, iri in enumerate(iris)}
    # One query per node: Oxigraph joins a VALUES list of subjects with ?s ?p ?o by scanning, a bound one by index.
    query = "SELECT DISTINCT ?p ?o WHERE { VALUES ?p { " + EDGE_PREDICATES + " } <%s> ?p ?o }"
    rows = [{"s": iri, **row} for iri in iris for row in store.select(query % iri)]
    edges = []
    for row in sorted((r for r in rows if r["o"] in rank), key=lambda r: (rank[r["s"]], rank[r["o"]], r["p"])):
        name = row["p"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        edges.append({"source": short_id(row["s"]), "target": short_id(row["o"]), "label": RELATIONS.get(name, "主题"),
                      "relation": name})
    return edges
