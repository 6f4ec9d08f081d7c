"""Our ontology as code: every IRI of plangraph's vocabulary, declared once.

``PG`` is the ontology (classes and properties, see ``ontology.ttl``);
``PGID`` is where instance data lives; ``THEME`` is the SKOS thesaurus.
Like rdflib's own namespaces, a misspelt term fails loudly.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

BASE = "https://w3id.org/plangraph/"


class PG(DefinedNamespace):
    """The plangraph ontology (Chinese government plans)."""

    _fail = True
    _NS = Namespace(BASE + "ontology#")

    # classes
    Plan: URIRef
    Node: URIRef
    Part: URIRef
    Chapter: URIRef
    Section: URIRef
    Subsection: URIRef
    Task: URIRef
    Goal: URIRef
    GoalPhrase: URIRef
    Principle: URIRef
    Paragraph: URIRef
    Table: URIRef
    Target: URIRef
    Indicator: URIRef
    Entity: URIRef
    Place: URIRef
    Organisation: URIRef
    Project: URIRef
    Mention: URIRef
    ThemeTag: URIRef
    Link: URIRef
    # structure
    partOf: URIRef
    inPlan: URIRef
    order: URIRef
    number: URIRef
    text: URIRef
    nodeKind: URIRef
    planKind: URIRef
    period: URIRef
    startYear: URIRef
    endYear: URIRef
    street: URIRef
    background: URIRef
    # links
    servesGoal: URIRef
    realisedBy: URIRef
    mentions: URIRef
    locatedIn: URIRef
    involves: URIRef
    similarTo: URIRef
    measures: URIRef
    # targets
    indicator: URIRef
    value: URIRef
    valueMax: URIRef
    unit: URIRef
    year: URIRef
    comparator: URIRef
    baseline: URIRef
    baselineYear: URIRef
    attribute: URIRef
    status: URIRef
    extractedFrom: URIRef
    # provenance and qualification
    sourceNode: URIRef
    charStart: URIRef
    charEnd: URIRef
    surface: URIRef
    entity: URIRef
    item: URIRef
    theme: URIRef
    evidence: URIRef
    linkFrom: URIRef
    linkTo: URIRef
    linkType: URIRef
    score: URIRef
    method: URIRef


PGID = Namespace(BASE + "id/")
THEME = Namespace(BASE + "theme/")

#: Outline node kinds (ingest.model.NODE_KINDS) → ontology class.
NODE_CLASS = {
    "part": PG.Part,
    "chapter": PG.Chapter,
    "section": PG.Section,
    "subsection": PG.Subsection,
    "task": PG.Task,
    "goal": PG.Goal,
    "principle": PG.Principle,
    "paragraph": PG.Paragraph,
    "table": PG.Table,
}

#: Entity types (ingest.model.ENTITY_TYPES) → ontology class.
ENTITY_CLASS = {"place": PG.Place, "organisation": PG.Organisation, "project": PG.Project}

#: Prefixes bound in exports and available in SPARQL queries.
PREFIXES = {
    "pg": str(PG._NS),
    "pgid": str(PGID),
    "theme": str(THEME),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "sh": "http://www.w3.org/ns/shacl#",
}
