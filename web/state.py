"""Data access for requests: the live build, opened lazily and cached per build directory.

The ``CURRENT`` pointer is re-read on every request, so a rebuild swaps in
cleanly; everything opened from one build (catalog, graph store, search index)
is cached on the app under that build's path.  Plan models are not all held:
the build's catalog (``web.catalog``) says which plan holds a node or an
entity, and models are loaded on demand into a small most-recently-used cache.
"""

from __future__ import annotations

import gc
import importlib
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path

from flask import current_app

from ingest.model import Entity, Node, Plan
from web.catalog import Catalog
from web.datadir import DataDir, load_plan, read_manifest, read_plans
from web.errors import NotFound, Unavailable

KEEP_OPEN = 2
#: Plan models kept in memory per open build (about half a megabyte each); the app's PLAN_CACHE overrides it.
PLAN_CACHE = 64
SUMMARY_FIELDS = ("id", "title", "source", "kind", "period", "street")


class PlanRef:
    """A plan of the build: its listing fields and counts at hand, the rest of its model loaded on first use.

    Attributes the listing does not hold (``text``, ``outline``, ``targets``, ``walk()``…) come from the
    model, which the corpus loads into its cache, so a page that only lists plans loads none of them.
    """

    __slots__ = ("_corpus", "listing")

    def __init__(self, corpus: Corpus, listing: dict):
        self._corpus = corpus
        #: What ``web.present.plan_counts`` returns for this plan, computed at build time.
        self.listing = listing

    id = property(lambda self: self.listing["id"])
    title = property(lambda self: self.listing["title"])
    source = property(lambda self: self.listing["source"])
    kind = property(lambda self: self.listing["kind"])
    period = property(lambda self: self.listing["period"])
    street = property(lambda self: self.listing["street"])

    def summary(self) -> dict:
        """The plan's metadata, as ``Plan.summary``."""
        return {k: self.listing[k] for k in SUMMARY_FIELDS}

    def model(self) -> Plan:
        """The whole plan model (from the corpus' cache)."""
        return self._corpus.model(self.listing["id"])

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.model(), name)

    def __repr__(self) -> str:
        return f"PlanRef({self.listing['id']!r})"


class Loaded:
    """One loaded plan model and, when first asked for, its node and entity indexes."""

    def __init__(self, plan: Plan):
        self.plan = plan

    @cached_property
    def nodes(self) -> dict[str, tuple[Node, list[Node]]]:
        return {node.id: (node, path) for node, path in self.plan.walk_with_path()}

    @cached_property
    def entities(self) -> dict[str, list[Entity]]:
        found: dict[str, list[Entity]] = {}
        for entity in self.plan.entities:
            found.setdefault(entity.id, []).append(entity)
        return found


class Models:
    """The most recently used plan models of a build, at most ``size`` of them."""

    def __init__(self, build: Path, size: int):
        self._build, self._size = build, max(1, size)
        self._cache: OrderedDict[str, Loaded] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, plan_id: str) -> Loaded:
        """Return the loaded plan, loading it (outside the lock: other requests go on) when not cached."""
        with self._lock:
            found = self._cache.get(plan_id)
            if found is not None:
                self._cache.move_to_end(plan_id)
                return found
        loaded = Loaded(load_plan(self._build, plan_id))
        with self._lock:
            loaded = self._cache.setdefault(plan_id, loaded)
            self._cache.move_to_end(plan_id)
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return loaded

    def __len__(self) -> int:
        return len(self._cache)


class Corpus:
    """Everything read from one build directory: plan listing, catalog, plan models on demand, store, index."""

    def __init__(self, build: Path, cache_size: int = PLAN_CACHE):
        self.build = build
        self.manifest = read_manifest(build)
        self.catalog = Catalog.open(build, lambda: read_plans(build))
        self.plans: list[PlanRef] = [PlanRef(self, counts) for _, _, counts in self.catalog.plans()]
        self.by_id = {p.id: p for p in self.plans}
        self.by_title: dict[str, PlanRef] = {}
        for plan in self.plans:
            self.by_title.setdefault(plan.title, plan)  # plans may share a title: the first one answers to it
        self.models = Models(build, cache_size)
        self.nodes = Nodes(self)
        self.entities = Entities(self)
        self._lock = threading.Lock()

    def plan(self, plan_id: str) -> PlanRef:
        """Return the plan with this id or raise NotFound."""
        try:
            return self.by_id[plan_id]
        except KeyError:
            raise NotFound(f"没有编号为“{plan_id}”的规划。") from None

    def plan_by_ref(self, ref: str) -> PlanRef:
        """Return the plan a box or facet names: by id, else by its full title; raise NotFound for neither."""
        found = self.by_id.get(ref)
        found = found if found is not None else self.by_title.get(ref)
        return found if found is not None else self.plan(ref)

    def model(self, plan_id: str) -> Plan:
        """Return the whole model of a plan (loaded on demand) or raise NotFound."""
        return self.models.get(self.plan(plan_id).id).plan

    def node(self, node_id: str) -> tuple[Plan, Node, list[Node]]:
        """Return (plan, node, ancestors) for a node id or raise NotFound."""
        found = self.nodes.get(node_id)
        if found is None:
            raise NotFound(f"没有编号为“{node_id}”的条目。")
        return found

    def node_info(self, node_id: str) -> dict | None:
        """A node's plan id, kind, label, citation and breadcrumb from the catalog, without loading its plan."""
        return self.catalog.node(node_id)

    @cached_property
    def store(self):
        """The graph store of this build, or None while the graph module cannot open one."""
        graph = module("graph")
        if graph is None or not hasattr(graph, "open_store") or not (self.build / "graph").exists():
            return None
        with self._lock:
            try:
                return graph.open_store(self.build / "graph")
            except missing("graph.errors", "StoreMissing"):
                return None

    @cached_property
    def searcher(self):
        """The search index of this build, or None while the search module cannot open one."""
        search = module("search")
        if search is None or not hasattr(search, "open_index") or not (self.build / "index").exists():
            return None
        expander = thesaurus_expander()
        with self._lock:
            try:
                return search.open_index(self.build / "index", expander=expander)
            except missing("search.errors", "IndexMissing"):
                return None


class Nodes(Mapping):
    """Node id → (plan, node, ancestors), loading only the plan that holds the node."""

    def __init__(self, corpus: Corpus):
        self._corpus = corpus

    def __getitem__(self, node_id: str) -> tuple[Plan, Node, list[Node]]:
        info = self._corpus.catalog.node(node_id) if isinstance(node_id, str) else None
        loaded = self._corpus.models.get(info["plan"]) if info else None
        if loaded is None or node_id not in loaded.nodes:
            raise KeyError(node_id)
        node, path = loaded.nodes[node_id]
        return loaded.plan, node, path

    def __contains__(self, node_id: object) -> bool:
        return isinstance(node_id, str) and self._corpus.catalog.has_node(node_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self._corpus.catalog.node_ids())

    def __len__(self) -> int:
        return len(self._corpus.catalog.node_ids())


class Entities(Mapping):
    """Entity id → [(plan, entity)] in every plan that mentions it, loading only those plans."""

    def __init__(self, corpus: Corpus):
        self._corpus = corpus

    def __getitem__(self, entity_id: str) -> list[tuple[Plan, Entity]]:
        plans = self._corpus.catalog.entity_plans(entity_id) if isinstance(entity_id, str) else []
        found = []
        for plan_id in plans:
            loaded = self._corpus.models.get(plan_id)
            found += [(loaded.plan, entity) for entity in loaded.entities.get(entity_id, [])]
        if not found:
            raise KeyError(entity_id)
        return found

    def __contains__(self, entity_id: object) -> bool:
        return isinstance(entity_id, str) and bool(self._corpus.catalog.entity_plans(entity_id))

    def __iter__(self) -> Iterator[str]:
        return iter(self._corpus.catalog.entity_ids())

    def __len__(self) -> int:
        return len(self._corpus.catalog.entity_ids())


def module(name: str):
    """Import a sibling layer (graph, search) or return None when it is missing."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def missing(module_name: str, name: str) -> type[Exception]:
    """The layer's "not built" error class, or a class nothing raises while the layer lacks one."""
    found = getattr(module(module_name), name, None)
    return found if isinstance(found, type) else Placeholder


class Placeholder(Exception):
    """Never raised: stands in for a layer error class that does not exist yet."""


def thesaurus_expander():
    """Return the thesaurus' query expansion function, or None before the graph module has one."""
    try:
        themes = importlib.import_module("graph.themes")
    except ImportError:
        return None
    load = getattr(themes, "load_thesaurus", None)
    if load is None:
        return None
    thesaurus = load()
    return getattr(thesaurus, "expand", None)


def graph_call(name: str):
    """Return the graph module's function ``name``, or None while it does not exist."""
    graph = module("graph")
    return getattr(graph, name, None) if graph is not None else None


def data_dir() -> DataDir:
    """The app's data directory."""
    return DataDir(current_app.config["DATA_DIR"])


def corpus() -> Corpus:
    """Return the corpus of the live build, opening it once per build directory."""
    build = data_dir().current()
    if build is None:
        raise Unavailable("数据目录中还没有构建好的规划，请先运行 plangraph build。")
    cache = current_app.extensions.setdefault("plangraph.corpora", {})
    lock = current_app.extensions.setdefault("plangraph.lock", threading.Lock())
    with lock:
        found = cache.get(build)
        if found is None:
            found = cache[build] = Corpus(build, current_app.config.get("PLAN_CACHE", PLAN_CACHE))
            dropped = [cache.pop(old, None) for old in list(cache)[:-KEEP_OPEN]]
            if dropped and gc.get_freeze_count():
                # `serve` froze what its warm-up loaded; a dropped build's objects (cycles among them) are only
                # reclaimed by a collection that can see them again.
                gc.unfreeze()
    return found
