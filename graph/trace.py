"""Trace a goal down to the tasks, projects, places, organisations and targets that carry it out, and back.

A goal is named by id or by words: the words may be an enumerated goal item
("民生福祉对标"), a heading ("盐光互补新能源产业") or any goal statement; a
heading covers its own subtree.
"""

from __future__ import annotations

from collections import Counter

from graph.errors import Ambiguous, NotFound
from graph.links import _core, phrase_score
from graph.outline import OutlineIndex, find_entity, plan_index
from graph.store import GraphStore
from graph.summary import summary

ENTITY_KINDS = ("project", "place", "organisation")


CLOSE = 0.8


def _plans_matching(store: GraphStore, plan: str | None) -> set[str] | None:
    """Return the IRIs of the plans ``plan`` names (id, title or part of the title); None for every plan."""
    if not plan:
        return None
    return {p["plan"] for p in summary(store).plans() if plan in (p["id"], p["title"]) or plan in p["title"]}


def _candidates(store: GraphStore, words: str) -> set[int] | None:
    """Return (by number) the resources whose label or goal text may hold ``words``; None when ``words`` is too
    short for the indexes to narrow anything down."""
    found = summary(store)
    in_label, in_goal = found.containing(words), found.containing(words, goal=1)
    if in_label is None or in_goal is None:
        return None
    return in_label | in_goal


def _close_labels(store: GraphStore, words: str) -> dict[str, dict]:
    """Return the resources whose label may score CLOSE with ``words``: their label has enough of its characters.

    The characters a label shares with ``words`` bound their common subsequence, so no close label is missed.
    """
    core = Counter(_core(words))
    need = CLOSE * sum(core.values()) - 1e-9
    if need <= 0:
        return {}
    found = summary(store)
    close = {}
    for r in found.resources(found.with_chars(core, need), by="n"):
        label = Counter(_core(r["label"]))
        if sum(min(k, label[ch]) for ch, k in core.items()) >= need:
            close[r["iri"]] = r
    return close


def _by_id(store: GraphStore, words: str, plans: set[str] | None) -> dict | None:
    """Return the resource whose id, IRI or outline node id is ``words`` (the first by IRI), if any."""
    found = summary(store)
    hits = found.query("SELECT iri, plan FROM res WHERE iri = ? UNION SELECT iri, plan FROM res WHERE sid = ? "
                       "UNION SELECT iri, plan FROM res WHERE node_id = ?", (words, words, words))
    hits = sorted(iri for iri, plan in hits if plans is None or plan in plans)
    return found.resources(hits[:1])[0] if hits else None


def _rows(store: GraphStore, words: str, plans: set[str] | None, close: dict[str, dict]) -> list[dict]:
    """Return the resources (by IRI, in the plans asked for) that may match ``words``: ``close`` ones and those
    the indexes find (every one when they cannot narrow down)."""
    found = summary(store)
    candidates = _candidates(store, words)
    rows = found.resources([n for (n,) in found.query("SELECT n FROM res")] if candidates is None else candidates,
                           by="n")
    rows = sorted({**close, **{r["iri"]: r for r in rows}}.values(), key=lambda r: r["iri"])
    return [r for r in rows if plans is None or r["plan_iri"] in plans]


def resolve_goal(store: GraphStore, goal: str, plan: str | None = None) -> dict:
    """Return the traceable resource (goal item, goal statement, heading or task) named by ``goal``."""
    plans = _plans_matching(store, plan)
    if plans is not None and not _has_resources(store, plans):
        raise NotFound(f"没有规划匹配 no plan matches {plan!r}")
    words = goal.strip()
    exact = _by_id(store, words, plans)
    if exact is not None:
        return exact
    ranked = []
    close = _close_labels(store, words)
    for r in _rows(store, words, plans, close):
        label = r["label"]
        if label.strip("。. ") == words:
            tier = 0
        elif words in label:
            tier = 1
        elif r["is_goal"] and words in (r.get("text") or ""):
            tier = 2
        elif r["iri"] in close and phrase_score(words, label)[0] >= CLOSE:
            tier = 3
        else:
            continue
        ranked.append((tier, r["rank"], len(label), r["order_key"], r))
    if not ranked:
        raise NotFound(f"找不到目标 no goal, heading or task matches {goal!r}"
                       + (f" in {plan!r}" if plan else ""))
    ranked.sort(key=lambda x: x[:4])
    best = ranked[0]
    rivals = {x[4]["plan"] for x in ranked if x[:3] == best[:3]}
    if len(rivals) > 1 and not plan:
        raise Ambiguous(f"{goal!r} 出现在多个规划 matches goals in several plans: {'、'.join(sorted(rivals))}; "
                        "use --plan")
    return best[4]


def _has_resources(store: GraphStore, plans: set[str]) -> bool:
    """Tell whether any of the plans has a traceable resource."""
    found = summary(store)
    return any(found.query("SELECT 1 FROM res WHERE plan = ? LIMIT 1", (p,)) for p in plans)


def _entity_children(index: OutlineIndex, node_iri: str, seen: set[str]) -> list[dict]:
    """Return the projects, places and organisations a node names, projects with their places."""
    out = []
    for ent in index.mentions.get(node_iri, []):
        if ent["iri"] in seen:
            continue
        seen.add(ent["iri"])
        places = [{"id": p["id"], "kind": "place", "label": p["label"], "children": []}
                  for p in index.places_of.get(ent["iri"], [])]
        out.append({"id": ent["id"], "kind": ent["kind"], "label": ent["label"], "children": places})
    return sorted(out, key=lambda c: ENTITY_KINDS.index(c["kind"]))


def _target_children(index: OutlineIndex, node_iri: str) -> list[dict]:
    """Return the targets stated in a node."""
    return [{"id": t["id"], "kind": "target", "label": t["label"], "indicator": t.get("indicator"),
             "value": t.get("value"), "unit": t.get("unit"), "year": t.get("year"), "children": []}
            for t in index.targets.get(node_iri, [])]


def node_tree(index: OutlineIndex, node_iri: str, seen: set[str] | None = None, depth: int = 0) -> dict:
    """Return the tree of a heading or item: sub-items, then named entities and targets."""
    seen = set() if seen is None else seen
    r = index.resources[node_iri]
    kids = [goal_tree(index, k, depth + 1) if index.phrases.get(k) and depth < 2 else node_tree(index, k, seen, depth)
            for k in index.children.get(node_iri, [])]
    own = _entity_children(index, node_iri, seen) + _target_children(index, node_iri)
    return {"id": r["id"], "iri": node_iri, "kind": "goal" if r["is_goal"] and not r["is_heading"] else "task",
            "node_kind": r["kind"], "label": r["label"], "plan": r["plan"], "children": kids + own}


def goal_tree(index: OutlineIndex, goal_iri: str, depth: int = 0) -> dict:
    """Return the tree of a goal: the goal items it enumerates, the headings serving them and their subtrees."""
    r = index.resources[goal_iri]
    seen: set[str] = set()
    heads = sorted(index.served_by.get(goal_iri, []), key=lambda hs: index.resources[hs[0]]["order_key"])
    served = [node_tree(index, h, seen, depth + 1) | {"score": s} for h, s in heads if h in index.resources]
    phrases = [goal_tree(index, p, depth) for p in index.phrases.get(goal_iri, [])]
    if not served and not phrases:
        return node_tree(index, goal_iri) | {"kind": "goal"}
    return {"id": r["id"], "iri": goal_iri, "kind": "goal", "node_kind": r["kind"], "label": r["label"],
            "plan": r["plan"], "children": phrases + served}


def trace(store: GraphStore, goal: str, plan: str | None = None) -> dict:
    """Trace a goal (id or words) to tasks, projects, places, organisations and targets."""
    found = resolve_goal(store, goal, plan)
    index = plan_index(store, found["plan_iri"])
    tree = goal_tree(index, found["iri"]) if found["is_goal"] else node_tree(index, found["iri"])
    tree["kind"] = "goal"
    return {"goal": {"id": found["id"], "label": found["label"], "plan": found["plan"],
                     "plan_id": found["plan_id"], "node_kind": found["kind"]},
            "tree": tree}


def trace_from(store: GraphStore, name: str) -> dict:
    """Trace back from a project, place or organisation: the tasks that name it and the goals they serve."""
    ent = find_entity(store, name)
    found = summary(store)
    nodes = [node for node, _ in found.mentioned_in(ent["iri"])]
    rows = _with_ancestors(found, nodes)
    serves = found.serves(rows)
    rows |= {r["iri"]: r for r in found.resources({g for goals in serves.values() for g, _ in goals} - rows.keys())}
    tasks = []
    for node_iri in nodes:
        path = _ancestors(rows, node_iri)
        goals = [{"id": rows[g]["id"], "kind": "goal", "label": rows[g]["label"], "score": s, "children": []}
                 for n in [node_iri, *path] for g, s in serves.get(n, [])]
        r = rows[node_iri]
        tasks.append({"id": r["id"], "kind": "task", "node_kind": r["kind"], "label": r["label"], "plan": r["plan"],
                      "path": [rows[p]["label"] for p in reversed(path)], "children": goals})
    return {"from": {"id": ent["id"], "kind": ent["kind"], "label": ent["label"]},
            "tree": {"id": ent["id"], "kind": ent["kind"], "label": ent["label"], "children": tasks},
            "goals": list({g["id"]: g for t in tasks for g in t["children"]}.values())}


def _with_ancestors(found, nodes: list[str]) -> dict[str, dict]:
    """Return the resource dicts of ``nodes`` and of all their outline ancestors, by IRI (a level at a time)."""
    rows: dict[str, dict] = {}
    wanted = set(nodes)
    while wanted:
        fetched = found.resources(wanted)
        rows |= {r["iri"]: r for r in fetched}
        wanted = {r["parent"] for r in fetched} - rows.keys()
        wanted = {p for p in wanted if p}
    return rows


def _ancestors(rows: dict[str, dict], iri: str) -> list[str]:
    """Return the outline ancestors of a node, nearest first (as ``OutlineIndex.ancestors``)."""
    out = []
    parent = rows.get(iri, {}).get("parent")
    while parent in rows:
        out.append(parent)
        parent = rows[parent].get("parent")
    return out
