"""The catalog of a build: which plan holds each node and entity, written once so readers never load every plan.

A server answering for thousands of plans cannot hold every plan model (a
model takes about half a megabyte in memory), nor walk them all to find one
node.  At build time :func:`write_catalog` writes ``catalog.sqlite`` beside
``manifest.json``: one row per plan (listing fields and counts), per node (its
plan, kind, citation and breadcrumb), per entity and plan, and per mention
(node → entity), and one row per target (the indicators table, filtered, sorted and paged in SQL), with
an index of the characters and character pairs of each target's indicator and text, so a word filter reads
the targets holding the word rather than every target.  :class:`Catalog` answers lookups from that file without
loading any plan; the models themselves are loaded one at a time on demand.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Container, Iterable, Iterator
from pathlib import Path

from ingest.model import Plan, Target
from web.present import anchor, citation, plan_counts, short_title
from web.words import POS_BITS, POS_MASK, status_token, target_key, word_query, word_tokens

FILE = "catalog.sqlite"
#: Bump when the tables change; a build whose catalog has another version is catalogued again in memory.
VERSION = 6
#: Mentions an entity page lists (the first ones in plan order: a place named in thousands of plans), and the
#: characters of context kept on each side of one.
MENTIONS_SHOWN = 100
CONTEXT = 60

#: A target's own fields, kept as columns without a declared type, so each value comes back as the model had it.
TARGET_FIELDS = tuple(f.name for f in dataclasses.fields(Target))
QUOTED_FIELDS = ", ".join(f'"{name}"' for name in TARGET_FIELDS)  # "end" is an SQL keyword
TARGET_COLUMNS = ", ".join(f't."{name}"' for name in TARGET_FIELDS)
#: The indicators table's sort columns: empty values last, then plan order and target order (a stable sort's ties).
TARGET_SORTS = {"plan": "short", "indicator": "indicator", "value": "value", "year": "year", "baseline": "baseline"}

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE plans (ord INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, title TEXT NOT NULL, counts TEXT NOT NULL);
CREATE TABLE nodes (id TEXT PRIMARY KEY, plan INTEGER NOT NULL, kind TEXT NOT NULL, label TEXT NOT NULL,
                    citation TEXT NOT NULL, path TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE entities (id TEXT NOT NULL, plan INTEGER NOT NULL, pos INTEGER NOT NULL, label TEXT NOT NULL,
                       type TEXT NOT NULL, mentions INTEGER NOT NULL, aliases TEXT NOT NULL,
                       PRIMARY KEY (id, plan, pos)) WITHOUT ROWID;
CREATE TABLE mentions (node TEXT NOT NULL, entity TEXT NOT NULL, PRIMARY KEY (node, entity)) WITHOUT ROWID;
CREATE TABLE contexts (entity TEXT NOT NULL, n INTEGER NOT NULL, plan INTEGER NOT NULL, node TEXT NOT NULL,
                       before TEXT NOT NULL, surface TEXT NOT NULL, after TEXT NOT NULL,
                       PRIMARY KEY (entity, n)) WITHOUT ROWID;
"""
TARGETS = f"""
CREATE TABLE targets (plan INTEGER NOT NULL, pos INTEGER NOT NULL, short TEXT NOT NULL, cite TEXT,
                      {QUOTED_FIELDS}, PRIMARY KEY (plan, pos)) WITHOUT ROWID;
CREATE TABLE target_counts (plan INTEGER NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL,
                            PRIMARY KEY (plan, status)) WITHOUT ROWID;
""" + "".join(f"CREATE INDEX targets_by_{key} ON targets "
              f"(({column} IS NULL OR {column} = ''), {column}, plan, pos, status);\n"
              for key, column in TARGET_SORTS.items())
#: Every character and pair of neighbouring characters of a target's indicator and of its text, and its status,
#: as tokens (``web.words``), keyed by target.  Only which targets hold a token is kept (detail=none, and no
#: sizes: nothing is ranked): a word of one or two characters is one token, so its hits are exact; a longer
#: word's hits are the targets holding all of its pairs, which the word test then narrows.
WORDS = ("CREATE VIRTUAL TABLE target_words USING fts5(tokens, content='', detail=none, columnsize=0, "
         "tokenize='ascii');\n")
#: What a page's routes cost, in microseconds measured at 4,000 plans: reading a target to test its words,
#: putting a hit in a set, stepping over a sort index entry, joining a hit to its target and sorting it.
COST_READ, COST_SET, COST_STEP, COST_JOIN = 1.2, 0.13, 0.22, 2.0
#: Filters remembered per catalog (word counts serve both the total and the page's choice of query plan).
COUNTS_KEPT = 16


def write_catalog(build: Path, plans: Iterable[Plan]) -> None:
    """Write ``catalog.sqlite`` for ``plans`` (in manifest order) into a build directory."""
    path = build / FILE
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        # Merging the word index into one b-tree frees its earlier segments' pages: give them back to the disk.
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        fill(db, plans)
        db.executescript("PRAGMA incremental_vacuum;")  # executescript: one execute frees one page
    finally:
        db.close()


def fill(db: sqlite3.Connection, plans: Iterable[Plan]) -> None:
    """Create the tables in ``db`` and add one plan at a time."""
    db.executescript(SCHEMA + TARGETS + WORDS)
    db.execute("INSERT INTO meta VALUES ('version', ?)", (str(VERSION),))
    shown: Counter[str] = Counter()  # mention contexts kept so far per entity
    for ord_, plan in enumerate(plans):
        add_plan(db, ord_, plan, shown)
    # One b-tree instead of one segment per few plans: smaller, and a word is one lookup.
    db.execute("INSERT INTO target_words (target_words) VALUES ('optimize')")
    db.commit()


def add_plan(db: sqlite3.Connection, ord_: int, plan: Plan, shown: Counter[str]) -> None:
    """Add one plan's rows; ``shown`` counts the mention contexts each entity has in the plans before."""
    db.execute("INSERT INTO plans VALUES (?, ?, ?, ?)",
               (ord_, plan.id, plan.title, json.dumps(plan_counts(plan), ensure_ascii=False)))
    cites = {node.id: citation(plan, node, path) for node, path in plan.walk_with_path()}
    # A node id given twice keeps its last node, as a dict filled in plan order would.
    db.executemany("INSERT OR REPLACE INTO nodes VALUES (?, ?, ?, ?, ?, ?)", (
        (node.id, ord_, node.kind, node.title or node.text[:40], cites[node.id],
         json.dumps([p.title for p in path], ensure_ascii=False))
        for node, path in plan.walk_with_path()))
    if len(plan.targets) > POS_MASK:
        raise ValueError(f"{plan.id}: {len(plan.targets)} targets, more than the catalog keys ({POS_MASK})")
    short = short_title(plan)
    marks = ", ".join("?" * (4 + len(TARGET_FIELDS)))
    db.executemany(f"INSERT INTO targets VALUES ({marks})", (
        (ord_, pos, short, cites.get(t.node_id), *(getattr(t, name) for name in TARGET_FIELDS))
        for pos, t in enumerate(plan.targets)))
    db.executemany("INSERT INTO target_words (rowid, tokens) VALUES (?, ?)", (
        (target_key(ord_, pos), " ".join([*word_tokens(t.indicator), *word_tokens(t.text), status_token(t.status)]))
        for pos, t in enumerate(plan.targets)))
    db.executemany("INSERT INTO target_counts VALUES (?, ?, ?)",
                   ((ord_, status, n) for status, n in Counter(t.status for t in plan.targets).items()))
    db.executemany("INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?, ?)", (
        (e.id, ord_, pos, e.label, e.type, len(e.mentions), json.dumps(e.aliases, ensure_ascii=False))
        for pos, e in enumerate(plan.entities)))
    db.executemany("INSERT OR IGNORE INTO mentions VALUES (?, ?)", (
        (m.node_id, e.id) for e in plan.entities for m in e.mentions))
    db.executemany("INSERT INTO contexts VALUES (?, ?, ?, ?, ?, ?, ?)", contexts(ord_, plan, cites, shown))


def contexts(ord_: int, plan: Plan, nodes: Container[str], shown: Counter[str]) -> Iterator[tuple]:
    """The rows of the mentions an entity page lists: each entity's first ``MENTIONS_SHOWN`` in plan order, in
    passages of the plan (``nodes``), with ``CONTEXT`` characters on each side."""
    text = plan.text
    for e in plan.entities:
        for m in e.mentions:
            if m.node_id in nodes and shown[e.id] < MENTIONS_SHOWN:
                yield (e.id, shown[e.id], ord_, m.node_id, text[max(0, m.start - CONTEXT): m.start], m.surface,
                       text[m.end: m.end + CONTEXT])
                shown[e.id] += 1


class Catalog:
    """Read-only lookups in a build's catalog; one connection shared by the server's threads under a lock."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db
        self._lock = threading.Lock()
        self._counts: dict[TargetFilter, dict[int, int]] = {}

    @classmethod
    def open(cls, build: Path, plans: Iterable[Plan] | None = None) -> Catalog:
        """Open the build's catalog file; builds made before catalogs existed are catalogued in memory from
        ``plans`` (a callable's result is only asked for then)."""
        path = build / FILE
        if path.exists():
            db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            if db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone() == (str(VERSION),):
                return cls(db)
            db.close()
        db = sqlite3.connect(":memory:", check_same_thread=False)
        fill(db, plans() if callable(plans) else plans or [])
        return cls(db)

    def _all(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _one(self, sql: str, args: tuple = ()) -> tuple | None:
        with self._lock:
            return self._db.execute(sql, args).fetchone()

    def plans(self) -> list[tuple[str, str, dict]]:
        """Every plan as (id, title, counts), in manifest order."""
        return [(pid, title, json.loads(counts))
                for pid, title, counts in self._all("SELECT id, title, counts FROM plans ORDER BY ord")]

    def node(self, node_id: str) -> dict | None:
        """A node's plan id, kind, label, citation and breadcrumb titles, or None."""
        row = self._one("SELECT p.id, n.kind, n.label, n.citation, n.path FROM nodes n JOIN plans p ON p.ord = n.plan "
                        "WHERE n.id = ?", (node_id,))
        if row is None:
            return None
        plan, kind, label, cite, path = row
        return {"plan": plan, "kind": kind, "label": label, "citation": cite, "path": json.loads(path)}

    def has_node(self, node_id: str) -> bool:
        return self._one("SELECT 1 FROM nodes WHERE id = ?", (node_id,)) is not None

    def node_ids(self) -> list[str]:
        """Every node id (for the rare caller that walks them all)."""
        return [row[0] for row in self._all("SELECT id FROM nodes")]

    def nodes_of_kind(self, kind: str) -> list[tuple[str, str, str]]:
        """(node id, label, plan id) of every node of one kind, in plan order."""
        return self._all("SELECT n.id, n.label, p.id FROM nodes n JOIN plans p ON p.ord = n.plan "
                         "WHERE n.kind = ? ORDER BY n.plan", (kind,))

    def entity_plans(self, entity_id: str) -> list[str]:
        """The ids of the plans that mention an entity, in manifest order."""
        return [row[0] for row in self._all("SELECT p.id FROM entities e JOIN plans p ON p.ord = e.plan "
                                            "WHERE e.id = ? GROUP BY e.plan ORDER BY e.plan", (entity_id,))]

    def entity(self, entity_id: str) -> dict | None:
        """An entity's label, type and aliases (where it first appears), plan ids and number of mentions, or None."""
        rows = self._all("SELECT p.id, e.label, e.type, e.mentions, e.aliases FROM entities e "
                         "JOIN plans p ON p.ord = e.plan WHERE e.id = ? ORDER BY e.plan, e.pos", (entity_id,))
        if not rows:
            return None
        return {"id": entity_id, "label": rows[0][1], "type": rows[0][2], "aliases": json.loads(rows[0][4]),
                "plans": list(dict.fromkeys(r[0] for r in rows)), "mentions": sum(r[3] for r in rows)}

    def contexts(self, entity_id: str) -> list[tuple[str, str, str, str, str, str, str]]:
        """The mentions an entity page lists, in order: (plan id, plan title, node id, citation, before, surface,
        after)."""
        return self._all("SELECT p.id, p.title, c.node, n.citation, c.before, c.surface, c.after FROM contexts c "
                         "JOIN plans p ON p.ord = c.plan JOIN nodes n ON n.id = c.node WHERE c.entity = ? "
                         "ORDER BY c.n", (entity_id,))

    def entity_ids(self) -> list[str]:
        """Every entity id, in order of first appearance."""
        return [row[0] for row in self._all("SELECT id FROM entities GROUP BY id ORDER BY MIN(plan * 1000000 + pos)")]

    def node_plans(self, node_ids: Iterable[str]) -> dict[str, str]:
        """The plan id of each of ``node_ids`` the catalog knows."""
        return dict(self._chunked("SELECT n.id, p.id FROM nodes n JOIN plans p ON p.ord = n.plan "
                                  "WHERE n.id IN ({})", node_ids))

    def entities_in(self, node_ids: Iterable[str]) -> dict[str, int]:
        """How many of ``node_ids`` mention each entity."""
        counts: dict[str, int] = {}
        for entity, count in self._chunked("SELECT entity, COUNT(*) FROM mentions WHERE node IN ({}) "
                                           "GROUP BY entity", node_ids):
            counts[entity] = counts.get(entity, 0) + count
        return counts

    def _chunked(self, sql: str, keys: Iterable[str]) -> list[tuple]:
        """Run ``sql`` (one ``IN ({})`` list) over the distinct ``keys``, a few hundred at a time."""
        keys = list(dict.fromkeys(keys))
        out = []
        for start in range(0, len(keys), 500):
            chunk = keys[start: start + 500]
            out += self._all(sql.format(",".join("?" * len(chunk))), tuple(chunk))
        return out

    def top_entities(self, types: tuple[str, ...], limit: int) -> list[dict]:
        """The most mentioned entities of some types, one per label: an entity's count is its mentions in one
        plan; ties keep plan order, then the plan's entity order."""
        marks = ",".join("?" * len(types))
        rows = self._all(
            "SELECT id, label, type, mentions FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY label "
            f"ORDER BY mentions DESC, plan, pos) AS r FROM entities WHERE type IN ({marks})) "
            "WHERE r = 1 ORDER BY mentions DESC, plan, pos LIMIT ?", (*types, limit))
        return [{"id": i, "label": label, "type": kind, "mentions": n} for i, label, kind, n in rows]

    def plan_ord(self, plan_id: str) -> int | None:
        """A plan's place in the manifest, or None."""
        row = self._one("SELECT ord FROM plans WHERE id = ?", (plan_id,))
        return row[0] if row else None

    def targets(self, where: TargetFilter, sort: str = "plan", offset: int = 0, limit: int = -1) -> list[dict]:
        """The targets matching ``where``, sorted by a column (empty values last, ties in plan and target order),
        ``limit`` of them from ``offset``; each a target's fields with its plan, short title, link and citation."""
        column = TARGET_SORTS[sort]
        order = f"(t.{column} IS NULL OR t.{column} = ''), t.{column}, t.plan, t.pos"
        sql, args = where.sql()
        # Only the page's keys are chosen first, so rows skipped to reach a page are never joined.
        route = self._route(where, offset, limit)
        if route == "hits":  # the word index's hits, each joined to its target, then sorted
            keys = (f"SELECT t.plan, t.pos FROM target_words w CROSS JOIN targets t ON t.plan = w.rowid >> {POS_BITS}"
                    f" AND t.pos = w.rowid & {POS_MASK} WHERE target_words MATCH ? AND {sql}")
            args = (where.match(), *args)
        elif route == "set":  # along a sort index (holding the status too) up to the page, testing the exact hits' set
            sql, args = dataclasses.replace(where, words="").sql()  # a word test would read every target passed
            keys = (f"SELECT t.plan, t.pos FROM targets t WHERE (t.plan << {POS_BITS} | t.pos) IN "
                    f"(SELECT rowid FROM target_words WHERE target_words MATCH ?) AND {sql}")
            args = (where.match(), *args)
        else:  # along a sort index up to the page, reading each target to test the words
            keys = f"SELECT t.plan, t.pos FROM targets t WHERE {sql}"
        rows = self._all(
            f"SELECT p.id, t.short, n.id IS NOT NULL, COALESCE(t.cite, n.citation), {TARGET_COLUMNS} "
            f"FROM ({keys} ORDER BY {order} LIMIT ? OFFSET ?) k "
            "JOIN targets t ON t.plan = k.plan AND t.pos = k.pos JOIN plans p ON p.ord = t.plan "
            f"LEFT JOIN nodes n ON n.id = t.node_id ORDER BY {order}", (*args, limit, offset))
        return [target_row(row) for row in rows]

    def _route(self, where: TargetFilter, offset: int, limit: int) -> str:
        """The cheapest way to a page's keys, by the counts: "scan" a sort index up to the page, reading each
        target (about (offset + limit) × targets / hits of them), or scan it testing a "set" of the word index's
        hits when they are exact, or join and sort all the "hits"."""
        if not where.words or where.plan is not None:
            return "scan"  # one plan's targets are few, however many plans there are
        hits = self.count_targets(where)
        if not hits:
            return "hits"
        end = hits if limit < 0 else min(offset + limit, hits)
        scanned = end * self.count_targets(dataclasses.replace(where, words="")) / hits
        costs = {"scan": COST_READ * scanned, "hits": COST_JOIN * hits}
        if where.exact:
            costs["set"] = COST_SET * hits + COST_STEP * scanned
        return min(costs, key=costs.__getitem__)

    def target_counts(self, where: TargetFilter) -> dict[int, int]:
        """How many targets match ``where`` in each plan (by manifest place) that has any, in manifest order."""
        with self._lock:
            counts = self._counts.get(where)
        if counts is None:
            counts = dict(self._all(*where.count_sql()))
            with self._lock:
                if len(self._counts) >= COUNTS_KEPT:
                    self._counts.clear()
                self._counts[where] = counts
        return dict(counts)

    def count_targets(self, where: TargetFilter) -> int:
        """How many targets match ``where``."""
        return sum(self.target_counts(where).values())

    def target_plans(self, counts: dict[int, int], limit: int) -> list[tuple[str, str, int]]:
        """(id, title, count) of the ``limit`` plans with the highest ``counts``, ties in manifest order."""
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
        marks = ",".join("?" * len(top))
        rows = self._all(f"SELECT ord, id, title FROM plans WHERE ord IN ({marks})", tuple(o for o, _ in top))
        titles = {ord_: (plan_id, title) for ord_, plan_id, title in rows}
        return [(*titles[o], n) for o, n in top if n]

    def close(self) -> None:
        with self._lock:
            self._db.close()


@dataclasses.dataclass(frozen=True)
class TargetFilter:
    """The indicators page's filters: one plan (its manifest place), a status, words in the indicator or text."""

    plan: int | None = None
    status: str = ""
    words: str = ""

    def sql(self) -> tuple[str, tuple]:
        """A WHERE clause on ``targets t`` and its arguments."""
        terms, args = ["1"], []
        if self.plan is not None:
            terms.append("t.plan = ?")
            args.append(self.plan)
        if self.status:
            terms.append("t.status = ?")
            args.append(self.status)
        if self.words:
            # instr, not LIKE: a plain case-sensitive substring test, as Python's ``in``.
            terms.append("(instr(t.indicator, ?) > 0 OR instr(t.text, ?) > 0)")
            args += [self.words, self.words]
        return " AND ".join(terms), tuple(args)

    @property
    def exact(self) -> bool:
        """Whether the word index's hits are exactly the matching targets: a word of one or two characters is
        one token (a longer word's pairs can all occur without it)."""
        return len(self.words) <= 2

    def match(self) -> str:
        """The word index query for targets that may match: the words' tokens, and the status's."""
        return word_query(self.words) + (f' AND "{status_token(self.status)}"' if self.status else "")

    def count_sql(self) -> tuple[str, tuple]:
        """A query counting the matching targets per plan, in manifest order, and its arguments."""
        sql, args = self.sql()
        if not self.words:  # the per-plan, per-status counts written at build time
            return f"SELECT t.plan, SUM(t.n) FROM target_counts t WHERE {sql} GROUP BY t.plan ORDER BY t.plan", args
        keys, bounds = "", ()
        if self.plan is not None:
            keys, bounds = " AND w.rowid BETWEEN ? AND ?", (target_key(self.plan, 0), target_key(self.plan, POS_MASK))
        if self.exact:  # the hits are the answer, and no target is read
            return (f"SELECT w.rowid >> {POS_BITS}, COUNT(*) FROM target_words w WHERE target_words MATCH ?{keys} "
                    "GROUP BY 1 ORDER BY 1", (self.match(), *bounds))
        return (f"SELECT t.plan, COUNT(*) FROM target_words w CROSS JOIN targets t ON t.plan = w.rowid >> {POS_BITS} "
                f"AND t.pos = w.rowid & {POS_MASK} WHERE target_words MATCH ?{keys} AND {sql} "
                "GROUP BY t.plan ORDER BY t.plan", (self.match(), *bounds, *args))


def target_row(row: tuple) -> dict:
    """A target's fields, then its plan's short title and id, and its reader link and citation when its node exists."""
    plan_id, short, has_node, cite, *values = row
    out = dict(zip(TARGET_FIELDS, values, strict=True))
    out.update(plan=short, plan_id=plan_id)
    if has_node:
        out.update(url=f"/plan/{plan_id}#{anchor(out['node_id'])}", citation=cite)
    return out
