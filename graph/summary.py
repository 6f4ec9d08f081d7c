"""Small per-plan summaries of the graph, computed once at build time from the loaded store.

Trace, explore and compare used to start from whole-graph query answers held in
memory; at thousands of plans those do not fit, and every request looped over
them. The build answers the readers' queries one plan at a time in Python
(``graph.rows``) and keeps the answers in one SQLite file beside the store
(``summary.sqlite``). Each plan's share (its ``contribution``) is made from the
plan's own N-Triples in the build cache and kept beside them, so a rebuild makes
only the changed plans' shares again; what spans plans (entities, the labels
plans give one indicator, the plan list, the themes overview, the frequency
tables) is merged when the file is assembled. Without a cache, or with a remote
store, the build asks the store for one plan's triples at a time instead.

- ``plan``: per plan, its outline rows (resources, mentions, targets, links) and
  its compare rows (theme tags with target fields, item texts), pickled;
- ``res`` with ``gram``/``chars``: every traceable resource with the character
  pairs of its label (and of a goal's text) and the characters of its label, so
  goal resolution looks at a few candidates instead of every label;
- ``entity``/``entity_key``/``entity_gram``, ``mention`` and ``place``: entities,
  which nodes mention them and the places projects are located in, by entity;
- ``kv``: the plan list, the themes overview and the goals to pick from (``outline.Q_GOALS``).

A request reads only the rows it needs. Readers of a build without the file (or
of an older version) get the same summary made in memory from the store.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import pickle
import sqlite3
import threading
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from graph import rows as answers
from graph.store import GraphStore

SUMMARY_FILE = "summary.sqlite"
VERSION = 5

SCHEMA = """
CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE plan (iri TEXT PRIMARY KEY, id TEXT, title TEXT, outline BLOB, compare BLOB);
CREATE TABLE res (n INTEGER PRIMARY KEY, iri TEXT UNIQUE, plan TEXT, sid TEXT, node_id TEXT, row BLOB);
CREATE TABLE gram (g TEXT, n INTEGER, goal INTEGER);
CREATE TABLE chars (c TEXT, n INTEGER);
CREATE TABLE entity (iri TEXT PRIMARY KEY, rows BLOB);
CREATE TABLE entity_key (k TEXT, iri TEXT);
CREATE TABLE entity_gram (g TEXT, iri TEXT);
CREATE TABLE mention (e TEXT, node TEXT, plan TEXT, pos INTEGER);
CREATE TABLE place (e TEXT, place TEXT, score REAL);
CREATE TABLE serve (node TEXT, goal TEXT, score REAL);
"""
INDEXES = """
CREATE INDEX res_plan ON res (plan); CREATE INDEX res_sid ON res (sid); CREATE INDEX res_node ON res (node_id);
CREATE INDEX gram_g ON gram (g, goal); CREATE INDEX chars_c ON chars (c);
CREATE INDEX entity_key_k ON entity_key (k); CREATE INDEX entity_gram_g ON entity_gram (g);
CREATE INDEX mention_e ON mention (e); CREATE INDEX mention_node ON mention (node);
CREATE INDEX place_e ON place (e); CREATE INDEX serve_node ON serve (node);
CREATE TABLE gram_df AS SELECT g, goal, COUNT(*) AS n FROM gram GROUP BY g, goal;
CREATE INDEX gram_df_g ON gram_df (g, goal);
CREATE TABLE chars_df AS SELECT c, COUNT(*) AS n FROM chars GROUP BY c;
CREATE INDEX chars_df_c ON chars_df (c);
CREATE TABLE entity_gram_df AS SELECT g, COUNT(*) AS n FROM entity_gram GROUP BY g;
CREATE INDEX entity_gram_df_g ON entity_gram_df (g);
"""

#: One plan's triples: every resource placed in it, the plan itself, and the indicators its targets measure.
Q_PLAN_TRIPLES = (
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s pg:inPlan <%(plan)s> . ?s ?p ?o }",
    "CONSTRUCT { <%(plan)s> ?p ?o } WHERE { <%(plan)s> ?p ?o }",
    "CONSTRUCT { ?i ?p ?o } WHERE { ?t pg:inPlan <%(plan)s> ; pg:indicator ?i . ?i ?p ?o }",
)


def dumps(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def packed(value: object) -> bytes:
    """Return ``value`` pickled and compressed (a plan's rows repeat their IRIs a lot)."""
    return zlib.compress(dumps(value), 1)


def unpacked(blob: bytes) -> object:
    return pickle.loads(zlib.decompress(blob))


def grams(text: str) -> set[str]:
    """Return the distinct character pairs of ``text``."""
    return {text[i:i + 2] for i in range(len(text) - 1)}


def plan_triples(store: GraphStore, plan: str) -> Iterator[tuple]:
    """Yield the (subject, predicate, object) pyoxigraph terms of one plan's triples."""
    for query in Q_PLAN_TRIPLES:
        for triple in store.raw_query(query % {"plan": plan}):
            yield tuple(triple)[:3]


def contribution(facts: answers.Facts, known: dict[str, list[dict]] | None = None) -> dict:
    """Return one plan's share of the summary from its triples (``facts``): its plan rows (``Q_PLANS``), the rows
    of the ``plan``, ``res`` (with their character pairs and characters), ``mention``, ``serve`` and ``place``
    tables, its goals, theme counts and themes used, the entities its triples describe (type, label and alias
    values) and the labels of the indicators its targets measure. ``known``: the ``Q_ENTITIES`` rows by entity
    (default: those of the entities ``facts`` describe, which are all those its mentions name)."""
    from graph.compare import family_counts
    from graph.links import _core
    from graph.outline import load_index

    described = _described(facts)
    if known is None:
        known = _by_entity(answers.entities(described))
    plans = [{"plan": s, "title": title, "id": pid} for s, props in facts.items()
             if answers.P + "Plan" in props.get(answers.TYPE, ())
             for title in props.get(answers.TITLE, ()) for pid in props.get(answers.IDENTIFIER, ())]
    outline = {"resources": answers.resources(facts), "mentions": answers.mentions(facts),
               "targets": answers.targets(facts), "links": answers.links(facts)}
    tags, fields, texts = answers.tags(facts), answers.target_fields(facts), answers.texts(facts)
    compare = {"tags": tags, "fields": {r["t"]: r for r in fields}, "texts": texts}
    named = {r["e"] for r in outline["mentions"] if r["e"] in known}
    index = load_index(outline, {e: known[e] for e in named})
    out = {"plans": plans, "outline": packed(outline), "compare": packed(compare), "res": [], "mention": [],
           "serve": [(src, goal, score) for src, goals in index.serves.items() for goal, score in goals],
           "place": [(r["from"], r["to"], r["score"]) for r in outline["links"] if r["type"].endswith("locatedIn")],
           "counts": family_counts(tags), "goals": answers.goals(facts),
           "used": sorted({r["theme"].rsplit("/", 1)[-1] for r in tags}), "entities": described,
           "indicators": _indicator_labels(facts)}
    for iri, r in index.resources.items():
        goal = sorted(grams(r["text"])) if r["is_goal"] and r["text"] else []
        out["res"].append((iri, r["plan_iri"], r["id"], r["node_id"], dumps(r), sorted(grams(r["label"])), goal,
                           sorted(set(_core(r["label"])))))
    for node, named_here in index.mentions.items():
        out["mention"] += [(e["iri"], node, pos) for pos, e in enumerate(named_here)]
    return out


def _described(facts: answers.Facts) -> dict[str, dict[str, dict]]:
    """Return the type, label and alias values of the entities (projects, places, organisations) in ``facts``."""
    wanted = (answers.TYPE, answers.LABEL, answers.ALT_LABEL)
    return {s: {p: dict(props[p]) for p in wanted if p in props} for s, props in facts.items()
            if any(t in props.get(answers.TYPE, ()) for t in answers.ENTITY_TYPES)}


def _indicator_labels(facts: answers.Facts) -> dict[str, list]:
    """Return the labels of every indicator the targets in ``facts`` measure, by indicator."""
    found = {ind for props in facts.values() if answers.P + "Target" in props.get(answers.TYPE, ())
             for ind in props.get(answers.P + "indicator", ())}
    return {ind: list(facts.get(ind, {}).get(answers.LABEL, ())) for ind in sorted(found)}


def assemble(db: sqlite3.Connection, entities: dict[str, list[dict]], parts: Iterable[dict]) -> None:
    """Fill ``db`` (empty) from the entity rows (``Q_ENTITIES`` by entity) and every plan's ``contribution``."""
    from graph.compare import overview_of
    from graph.outline import entity_info

    db.executescript(SCHEMA)
    longest = 0
    for e, erows in entities.items():
        info = entity_info(erows)
        longest = max(longest, len(info["label"]))
        db.execute("INSERT INTO entity VALUES (?, ?)", (e, dumps(erows)))
        keys = {info["id"], e, info["label"], *info["aliases"]}
        db.executemany("INSERT INTO entity_key VALUES (?, ?)", ((k, e) for k in keys))
        db.executemany("INSERT INTO entity_gram VALUES (?, ?)", ((g, e) for g in grams(info["label"])))
    plans, counts, used, goals = [], {}, set(), []
    for part in parts:
        for row in part["plans"]:
            plans.append(row)
            plan = row["plan"]
            db.execute("INSERT INTO plan VALUES (?, ?, ?, ?, ?)",
                       (plan, row["id"], row["title"], part["outline"], part["compare"]))
            for iri, plan_iri, sid, node_id, blob, label, goal, chars in part["res"]:
                n = db.execute("INSERT INTO res (iri, plan, sid, node_id, row) VALUES (?, ?, ?, ?, ?)",
                               (iri, plan_iri, sid, node_id, blob)).lastrowid
                db.executemany("INSERT INTO gram VALUES (?, ?, ?)", [(g, n, 0) for g in label] +
                               [(g, n, 1) for g in goal])
                db.executemany("INSERT INTO chars VALUES (?, ?)", ((c, n) for c in chars))
            db.executemany("INSERT INTO mention VALUES (?, ?, ?, ?)", ((e, node, plan, pos)
                                                                        for e, node, pos in part["mention"]))
            db.executemany("INSERT INTO serve VALUES (?, ?, ?)", part["serve"])
            db.executemany("INSERT INTO place VALUES (?, ?, ?)", part["place"])
            counts[plan] = part["counts"]
            goals += part["goals"]
            used.update(part["used"])
    db.executescript(INDEXES)
    put(db, "plans", plans)
    put(db, "longest-entity", longest)
    put(db, "overview", overview_of(plans, counts, used))
    put(db, "used-themes", sorted(used))
    put(db, "goals", sorted(goals, key=lambda r: (r["plan"], r["order"] is not None, r["order"] or 0, r["label"])))
    put(db, "version", VERSION)
    db.commit()


def entity_rows(store: GraphStore) -> dict[str, list[dict]]:
    """Return the rows of ``outline.Q_ENTITIES`` by entity."""
    from graph.outline import Q_ENTITIES

    return _by_entity(store.select(Q_ENTITIES))


def _by_entity(rows: Iterable[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row["e"], []).append(row)
    return out


def write(db: sqlite3.Connection, store: GraphStore) -> None:
    """Fill ``db`` (empty) with the summary of ``store``, asking it for one plan's triples at a time."""
    from graph.compare import Q_PLANS

    entities = entity_rows(store)
    parts = (contribution(answers.facts(plan_triples(store, row["plan"])), entities)
             for row in store.select(Q_PLANS))
    assemble(db, entities, parts)


def put(db: sqlite3.Connection, key: str, value: object) -> None:
    db.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", (key, dumps(value)))


#: The sources whose change changes a plan's contribution (besides those of its triples): its cache name hashes them.
CONTRIBUTION_SOURCES = ("summary.py", "rows.py", "outline.py", "compare.py", "links.py", "store.py", "themes.py",
                        "themes.ttl")


@functools.cache
def contribution_version() -> str:
    """Return a digest of the code a cached contribution depends on."""
    digest = hashlib.sha256()
    for name in CONTRIBUTION_SOURCES:
        digest.update(resources.files("graph").joinpath(name).read_bytes())
    return digest.hexdigest()[:12]


def part_facts(file: Path) -> answers.Facts:
    """Return the facts of one plan's N-Triples file (gzip when named ``.gz``)."""
    data = Path(file).read_bytes()
    if file.name.endswith(".gz"):
        data = gzip.decompress(data)
    return answers.facts(q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))


#: The keys of a contribution every plan's is read for before any plan's rows are written.
HEAD = ("plans", "entities", "indicators")


def _kept_head(nt: Path, kept: Path) -> dict:
    """Return the head (``HEAD`` keys) of the contribution of the plan whose triples are ``nt``, kept in ``kept``
    (made and kept there first when missing): the head and the rest are two pickles, so the head reads alone."""
    if kept.is_file():
        with open(kept, "rb") as file:
            return pickle.load(file)
    part = contribution(part_facts(nt))
    head = {key: part.pop(key) for key in HEAD}
    aside = kept.with_name(f"{kept.name}.{os.getpid()}.tmp")
    aside.write_bytes(dumps(head) + dumps(part))
    os.replace(aside, kept)
    return head


def _kept(kept: Path) -> dict:
    """Return a kept contribution whole."""
    with open(kept, "rb") as file:
        head = pickle.load(file)
        return {**head, **pickle.load(file)}


def from_parts(parts: list[tuple[Path, Path]]) -> tuple[dict[str, list[dict]], Iterator[dict]] | None:
    """Return the entity rows and every plan's contribution (in ``Q_PLANS`` order, read one at a time) from each
    plan's own N-Triples file and the file keeping its contribution, (``nt``, ``kept``); None when two parts
    describe one plan (the store then merges them: ask it instead).

    A plan's triples outside its file do not change its rows: the similarity links (``pg:similarTo``, not a
    link type the outline keeps, and without label or text) and the labels other plans give an indicator its
    targets measure, which are added here (such a plan's contribution is made again, not kept); entities are
    merged across plans."""
    heads = [(nt, kept, _kept_head(nt, kept)) for nt, kept in parts]
    iris = [row["plan"] for *_, head in heads for row in head["plans"]]
    if len(iris) != len(set(iris)) or any(len(head["plans"]) != 1 for *_, head in heads):
        return None
    described: answers.Facts = defaultdict(lambda: defaultdict(dict))
    labels: dict[str, dict] = defaultdict(dict)
    for *_, head in heads:
        for e, props in head["entities"].items():
            for pred, values in props.items():
                described[e][pred].update(values)
        for ind, own in head["indicators"].items():
            labels[ind].update(dict.fromkeys(own))
    heads.sort(key=lambda found: found[2]["plans"][0]["id"])

    def contributions() -> Iterator[dict]:
        for nt, kept, head in heads:
            extra = {ind: [label for label in labels[ind] if label not in own]
                     for ind, own in head["indicators"].items()}
            if not any(extra.values()):
                yield _kept(kept)
                continue
            facts = part_facts(nt)
            for ind, more in extra.items():
                facts[ind][answers.LABEL].update(dict.fromkeys(more))
            yield contribution(facts)

    return _by_entity(answers.entities(described)), contributions()


def save(path: Path, store: GraphStore, parts: list[tuple[Path, Path]] | None = None) -> None:
    """Write the summary into the graph directory ``path``: from each plan's N-Triples file and kept contribution
    (``parts``, see ``from_parts``) when given, else asking the loaded ``store`` one plan at a time."""
    target = Path(path) / SUMMARY_FILE
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    made = from_parts(parts) if parts is not None else None
    db = sqlite3.connect(partial)
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        if made is None:
            write(db, store)
        else:
            assemble(db, *made)
    finally:
        db.close()
    partial.replace(target)


class Summary:
    """Read access to a summary database; safe to share between threads (one connection per thread)."""

    def __init__(self, path: Path | None, memory: sqlite3.Connection | None = None):
        self.path, self._memory = path, memory
        self._local = threading.local()
        self._lock = threading.Lock()

    def query(self, sql: str, args: Iterable = ()) -> list[tuple]:
        """Run one read query; return all its rows."""
        if self._memory is not None:
            with self._lock:
                return self._memory.execute(sql, tuple(args)).fetchall()
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                                  check_same_thread=False)
        return db.execute(sql, tuple(args)).fetchall()

    def get(self, key: str) -> object:
        found = self.query("SELECT value FROM kv WHERE key = ?", (key,))
        return pickle.loads(found[0][0]) if found else None

    def plans(self) -> list[dict]:
        """Return the plans (``Q_PLANS`` rows: plan IRI, title, id), by id."""
        return self.get("plans")

    def outline_rows(self, plan: str) -> dict | None:
        found = self.query("SELECT outline FROM plan WHERE iri = ?", (plan,))
        return unpacked(found[0][0]) if found else None

    def compare_rows(self, plans: list[str]) -> dict[str, dict]:
        """Return the compare rows (tags, target fields, texts) of each plan IRI asked for."""
        marks = ",".join("?" * len(plans))
        return {iri: unpacked(blob) for iri, blob in
                self.query(f"SELECT iri, compare FROM plan WHERE iri IN ({marks})", plans)}

    def entity_rows(self, iris: Iterable[str]) -> dict[str, list[dict]]:
        """Return the ``Q_ENTITIES`` rows of the entities asked for that exist."""
        iris = list(dict.fromkeys(iris))
        out = {}
        for start in range(0, len(iris), 500):
            chunk = iris[start:start + 500]
            marks = ",".join("?" * len(chunk))
            out.update((e, pickle.loads(blob)) for e, blob in
                       self.query(f"SELECT iri, rows FROM entity WHERE iri IN ({marks})", chunk))
        return out

    def query_entities(self) -> list[str]:
        """Return the IRI of every entity."""
        return [iri for (iri,) in self.query("SELECT iri FROM entity")]

    def resources(self, keys: Iterable, by: str = "iri") -> list[dict]:
        """Return the resource dicts (as ``outline._resource`` makes them) asked for by IRI (or by number,
        ``by="n"``, as the character indexes list them), in IRI order."""
        keys = list(dict.fromkeys(keys))
        out = []
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            out += [pickle.loads(blob) for (blob,) in
                    self.query(f"SELECT row FROM res WHERE {by} IN ({marks})", chunk)]
        return sorted(out, key=lambda r: r["iri"])

    def postings(self, table: str, column: str, keys: Iterable[str], extra: str = "", args: tuple = (),
                 ref: str = "iri") -> set:
        """Return what an inverted table lists (``ref``: entity IRIs, or resource numbers) under any of ``keys``."""
        keys = list(keys)
        if not keys:
            return set()
        marks = ",".join("?" * len(keys))
        return {found for (found,) in self.query(f"SELECT {ref} FROM {table} WHERE {column} IN ({marks}){extra}",
                                                 (*keys, *args))}

    def frequency(self, table: str, column: str, key: str, extra: str = "", args: tuple = ()) -> int:
        found = self.query(f"SELECT n FROM {table} WHERE {column} = ?{extra}", (key, *args))
        return found[0][0] if found else 0

    def containing(self, text: str, goal: int = 0) -> set[int] | None:
        """Return the numbers of the resources whose label (``goal=1``: goal text) has every character pair of
        ``text`` (a superset of those containing ``text``); None when ``text`` is too short to have pairs."""
        pairs = grams(text)
        if not pairs:
            return None
        rare = sorted(pairs, key=lambda g: self.frequency("gram_df", "g", g, " AND goal = ?", (goal,)))[:2]
        found = None
        for g in rare:
            these = self.postings("gram", "g", [g], " AND goal = ?", (goal,), ref="n")
            found = these if found is None else found & these
        return found

    def with_chars(self, chars: Counter, need: float) -> set[int]:
        """Return (by number) a superset of the resources whose label shares ``need`` of ``chars`` (with counts).

        A label sharing none of the rarest characters R has at most ``total - count(R)`` of them, so once
        that is below ``need`` every such label has one of R (a prefix filter).
        """
        total = sum(chars.values())
        chosen, left = [], total
        for ch in sorted(chars, key=lambda c: (self.frequency("chars_df", "c", c), c)):
            if left < need:
                break
            chosen.append(ch)
            left -= chars[ch]
        return self.postings("chars", "c", chosen, ref="n")

    def mentioned_in(self, entity: str) -> list[tuple[str, str]]:
        """Return (node, plan) of the nodes mentioning ``entity``, by node IRI."""
        return sorted(self.query("SELECT node, plan FROM mention WHERE e = ?", (entity,)))

    def co_named(self, entity: str, limit: int) -> list[tuple[str, int]]:
        """Return the ``limit`` entities most often named in the nodes naming ``entity`` (a node counted once per
        mention of ``entity`` in it), with how often; ties in the order first named (by node, then position)."""
        return self.query("SELECT b.e, COUNT(*) AS n FROM mention a JOIN mention b ON b.node = a.node "
                          "WHERE a.e = ? AND b.e != ? GROUP BY b.e "
                          "ORDER BY n DESC, MIN(b.node || char(1) || printf('%012d', b.pos)) LIMIT ?",
                          (entity, entity, limit))

    def serves(self, nodes: Iterable[str]) -> dict[str, list[tuple[str, float]]]:
        """Return, per node, the goals it serves with their scores (as ``OutlineIndex.serves`` orders them)."""
        out: dict[str, list[tuple[str, float]]] = {}
        for node, goal, score in sorted(self._chunked("SELECT node, goal, score FROM serve WHERE node IN ({})",
                                                      nodes)):
            out.setdefault(node, []).append((goal, score))
        return out

    def _chunked(self, sql: str, keys: Iterable[str]) -> list[tuple]:
        """Run ``sql`` (one ``IN ({})`` list) over ``keys`` a few hundred at a time."""
        keys = list(dict.fromkeys(keys))
        out = []
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            out += self.query(sql.format(",".join("?" * len(chunk))), chunk)
        return out

    def places(self, entities: Iterable[str]) -> list[tuple[str, str, float]]:
        """Return (entity, place, score) of every located-in link from the entities, by entity, place, score."""
        entities = list(entities)
        out = []
        for start in range(0, len(entities), 500):
            chunk = entities[start:start + 500]
            marks = ",".join("?" * len(chunk))
            out += self.query(f"SELECT e, place, score FROM place WHERE e IN ({marks})", chunk)
        return sorted(out)


def summary(store: GraphStore) -> Summary:
    """Return the summary of ``store``: the build's file, else one made in memory from the store (once)."""

    def make() -> Summary:
        path = store.path / SUMMARY_FILE
        if path.is_file():
            found = Summary(path)
            if found.get("version") == VERSION:
                return found
        db = sqlite3.connect(":memory:", check_same_thread=False)
        write(db, store)
        return Summary(None, db)

    return store.cached("summary", make)
