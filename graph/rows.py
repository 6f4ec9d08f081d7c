"""The answers of the readers' queries computed in Python from triples, and saving them at build time.

Trace, explore and compare start from a handful of queries (outline, entities,
mentions, targets, links, theme tags). At build time ``graph.summary`` fetches one
plan's triples at a time from the loaded store and answers these queries for that
plan here, in a fraction of the time Oxigraph takes over the whole graph. Each
function must return exactly what ``GraphStore.select`` returns for the query of
the same name in ``graph.outline`` / ``graph.compare``, restricted to the triples
given (``tests/test_graph.py`` checks it plan by plan).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from importlib import import_module
from itertools import product
from pathlib import Path

import pyoxigraph as ox

from graph.namespace import PG, PREFIXES
from graph.store import GraphStore, from_ox

P = str(PG._NS)
TYPE = PREFIXES["rdf"] + "type"
LABEL = PREFIXES["rdfs"] + "label"
TITLE, IDENTIFIER = PREFIXES["dcterms"] + "title", PREFIXES["dcterms"] + "identifier"
ALT_LABEL = PREFIXES["skos"] + "altLabel"
ENTITY_TYPES = [P + "Project", P + "Place", P + "Organisation"]

Facts = dict[str, dict[str, dict]]


def facts(triples: Iterable[tuple]) -> Facts:
    """Return subject → predicate → plain values (as ``from_ox`` gives them; a dict used as an ordered set,
    since the builder may add a triple twice) of pyoxigraph triples."""
    out: Facts = defaultdict(lambda: defaultdict(dict))
    names: dict[object, str] = {}
    named = ox.NamedNode
    for s, p, o in triples:
        pred = names.get(p)
        if pred is None:
            pred = names[p] = p.value
        out[s.value][pred][o.value if type(o) is named else from_ox(o)] = None
    return out


def _opt(values: dict | None) -> Iterable:
    """Return the values of an OPTIONAL pattern: the bound ones, else one unbound."""
    return values or [None]


def _key(value: object) -> tuple:
    """Return a sort key ordering unbound first, as SPARQL's ORDER BY does."""
    return (value is not None, value if value is not None else 0)


def resources(f: Facts) -> list[dict]:
    """Answer ``outline.Q_RESOURCES``."""
    rows = []
    for s, props in f.items():
        if P + "partOf" not in props or P + "inPlan" not in props or LABEL not in props:
            continue
        types = props.get(TYPE, ())
        for plan, label, parent in product(props[P + "inPlan"], props[LABEL], props[P + "partOf"]):
            pf = f.get(plan, {})
            for ptitle, pid, kind, order, start, text in product(
                    pf.get(TITLE, ()), pf.get(IDENTIFIER, ()), _opt(props.get(P + "nodeKind")),
                    _opt(props.get(P + "order")), _opt(props.get(P + "charStart")), _opt(props.get(P + "text"))):
                rows.append({"s": s, "label": label, "kind": kind, "plan": plan, "pid": pid, "ptitle": ptitle,
                             "parent": parent, "order": order, "start": start, "text": text,
                             "phrase": P + "GoalPhrase" in types, "goal": P + "Goal" in types})
    return sorted(rows, key=lambda r: r["s"])


def mentions(f: Facts) -> list[dict]:
    """Answer ``outline.Q_MENTIONS``."""
    first: dict[tuple[str, str], int] = {}
    for props in f.values():
        if P + "Mention" not in props.get(TYPE, ()):
            continue
        for e, node, st in product(props.get(P + "entity", ()), props.get(P + "sourceNode", ()),
                                   props.get(P + "charStart", ())):
            if (node, e) not in first or st < first[node, e]:
                first[node, e] = st
    return [{"node": node, "e": e, "first": st}
            for (node, e), st in sorted(first.items(), key=lambda kv: (kv[0][0], kv[1], kv[0][1]))]


def entities(f: Facts) -> list[dict]:
    """Answer ``outline.Q_ENTITIES``."""
    rows = []
    for e, props in f.items():
        types = props.get(TYPE, ())
        for kind in (t for t in ENTITY_TYPES if t in types):
            for label, alias in product(props.get(LABEL, ()), _opt(props.get(ALT_LABEL))):
                rows.append({"e": e, "label": label, "type": kind, "alias": alias})
    return sorted(rows, key=lambda r: (r["e"], _key(r["alias"]), r["type"], r["label"]))


def _indicators(f: Facts, props: dict) -> list:
    """Return the labels of a target's indicator (``pg:indicator/rdfs:label``), or one unbound."""
    return _opt([label for ind in props.get(P + "indicator", ()) for label in f.get(ind, {}).get(LABEL, ())])


def targets(f: Facts) -> list[dict]:
    """Answer ``outline.Q_TARGETS``."""
    rows = []
    for t, props in f.items():
        if P + "Target" not in props.get(TYPE, ()):
            continue
        for node, label, ind, value, unit, year, status in product(
                props.get(P + "measures", ()), props.get(LABEL, ()), _indicators(f, props),
                _opt(props.get(P + "value")), _opt(props.get(P + "unit")), _opt(props.get(P + "year")),
                _opt(props.get(P + "status"))):
            rows.append({"t": t, "node": node, "label": label, "ind": ind, "value": value, "unit": unit,
                         "year": year, "status": status})
    return sorted(rows, key=lambda r: (r["t"], _key(r["ind"])))


def links(f: Facts) -> list[dict]:
    """Answer ``outline.Q_LINKS``."""
    rows = []
    wanted = {P + "servesGoal", P + "locatedIn"}
    for props in f.values():
        if P + "Link" not in props.get(TYPE, ()):
            continue
        for kind, src, dst, score in product(props.get(P + "linkType", ()), props.get(P + "linkFrom", ()),
                                             props.get(P + "linkTo", ()), props.get(P + "score", ())):
            if kind in wanted:
                rows.append({"from": src, "to": dst, "type": kind, "score": score})
    return sorted(rows, key=lambda r: (r["from"], r["to"], r["type"], r["score"]))


def tags(f: Facts) -> list[dict]:
    """Answer ``compare.Q_TAGS``."""
    rows = []
    for props in f.values():
        if P + "ThemeTag" not in props.get(TYPE, ()):
            continue
        for item, theme, ev in product(props.get(P + "item", ()), props.get(P + "theme", ()),
                                       props.get(P + "evidence", ())):
            it = f.get(item, {})
            types = it.get(TYPE, ())
            is_target = P + "Target" in types
            if True in it.get(P + "background", ()) or (is_target and "achieved" in it.get(P + "status", ())):
                continue
            for plan, label, text, kind, start in product(
                    it.get(P + "inPlan", ()), it.get(LABEL, ()), _opt(it.get(P + "text")),
                    _opt(it.get(P + "nodeKind")), _opt(it.get(P + "charStart"))):
                rows.append({"item": item, "theme": theme, "ev": ev, "plan": plan, "label": label, "text": text,
                             "kind": kind, "start": start, "target": is_target})
    return sorted(rows, key=lambda r: (r["plan"], _key(r["start"]), r["item"], r["theme"], r["ev"]))


def target_fields(f: Facts) -> list[dict]:
    """Answer ``compare.Q_TARGET_FIELDS``."""
    rows = []
    for t, props in f.items():
        if P + "Target" not in props.get(TYPE, ()):
            continue
        for ind, value, unit, year, comparator, baseline in product(
                _indicators(f, props), _opt(props.get(P + "value")), _opt(props.get(P + "unit")),
                _opt(props.get(P + "year")), _opt(props.get(P + "comparator")), _opt(props.get(P + "baseline"))):
            rows.append({"t": t, "ind": ind, "value": value, "unit": unit, "year": year, "comparator": comparator,
                         "baseline": baseline})
    return sorted(rows, key=lambda r: (r["t"], _key(r["ind"])))


def texts(f: Facts) -> list[dict]:
    """Answer ``compare.Q_TEXT``."""
    rows = []
    for item, props in f.items():
        if True in props.get(P + "background", ()):
            continue
        for plan, label, text, kind in product(props.get(P + "inPlan", ()), props.get(LABEL, ()),
                                               props.get(P + "text", ()), props.get(P + "nodeKind", ())):
            rows.append({"item": item, "plan": plan, "label": label, "text": text, "kind": kind})
    return sorted(rows, key=lambda r: (r["plan"], r["item"]))


def goals(f: Facts) -> list[dict]:
    """Answer ``trace.Q_GOALS``."""
    rows = []
    for s, props in f.items():
        types = props.get(TYPE, ())
        for cls in (P + "GoalPhrase", P + "Goal"):
            if cls not in types:
                continue
            for label, plan, order in product(props.get(LABEL, ()), props.get(P + "inPlan", ()),
                                              _opt(props.get(P + "order"))):
                for title in f.get(plan, {}).get(TITLE, ()):
                    rows.append({"goal": s, "label": label, "plan": title, "order": order})
    return sorted(rows, key=lambda r: (r["plan"], _key(r["order"]), r["label"]))


ANSWERS: dict[str, Callable[[Facts], list[dict]]] = {
    "resources": resources, "mentions": mentions, "entities": entities, "targets": targets, "links": links,
    "tags": tags, "target-fields": target_fields, "texts": texts, "goals": goals,
}


def queries() -> dict[str, str]:
    """Return the SPARQL query each answer function stands for, by name."""
    compare, outline = import_module("graph.compare"), import_module("graph.outline")  # they import this module
    return {"resources": outline.Q_RESOURCES, "mentions": outline.Q_MENTIONS, "entities": outline.Q_ENTITIES,
            "targets": outline.Q_TARGETS, "links": outline.Q_LINKS, "tags": compare.Q_TAGS,
            "target-fields": compare.Q_TARGET_FIELDS, "texts": compare.Q_TEXT, "goals": outline.Q_GOALS}


def save_from_store(path: Path, store: GraphStore, plans: object = None, parts: list[Path] | None = None) -> None:
    """Save the per-plan summaries readers start from (``graph.summary``): with ``parts`` (each plan's own N-Triples
    file, kept across builds beside the contribution made from it, see ``graph.summary.from_parts``) from those,
    else asking the loaded ``store`` (embedded or remote) one plan at a time; ``plans`` is not needed."""
    summary = import_module("graph.summary")
    if parts is None:
        summary.save(Path(path), store)
        return
    suffix = f"-{summary.contribution_version()}.summary"
    kept = [(nt, nt.with_name(nt.name.removesuffix(".nt.gz") + suffix)) for nt in map(Path, parts)]
    summary.save(Path(path), store, kept)
    current = {file for _, file in kept}
    for folder in {nt.parent for nt in map(Path, parts)}:
        for file in folder.glob("*.summary"):
            if file not in current and not file.name.endswith(suffix):
                file.unlink(missing_ok=True)


def save(path: Path, triples: Iterable[tuple] = ()) -> None:
    """Save the summaries of the store just written under ``path`` (``triples`` are not needed any more)."""
    with GraphStore(Path(path)) as store:
        save_from_store(path, store)
