"""Data access for requests: the live build, opened lazily and cached per build directory.

The ``CURRENT`` pointer is re-read on every request, so a rebuild swaps in
cleanly; everything opened from one build (plans, graph store, search index)
is cached on the app under that build's path.
"""

from __future__ import annotations

import importlib
import threading
from functools import cached_property
from pathlib import Path

from flask import current_app

from ingest.model import Entity, Node, Plan
from web.datadir import DataDir, read_manifest, read_plans
from web.errors import NotFound, Unavailable

KEEP_OPEN = 2


class Corpus:
    """Everything read from one build directory: plans, node and entity indexes, store, index."""

    def __init__(self, build: Path):
        self.build = build
        self.manifest = read_manifest(build)
        self.plans: list[Plan] = read_plans(build)
        self.by_id = {p.id: p for p in self.plans}
        self.nodes: dict[str, tuple[Plan, Node, list[Node]]] = {}
        for plan in self.plans:
            for node, path in plan.walk_with_path():
                self.nodes[node.id] = (plan, node, path)
        self.entities: dict[str, list[tuple[Plan, Entity]]] = {}
        for plan in self.plans:
            for entity in plan.entities:
                self.entities.setdefault(entity.id, []).append((plan, entity))
        self._lock = threading.Lock()

    def plan(self, plan_id: str) -> Plan:
        """Return the plan with this id or raise NotFound."""
        try:
            return self.by_id[plan_id]
        except KeyError:
            raise NotFound(f"没有编号为“{plan_id}”的规划。") from None

    def node(self, node_id: str) -> tuple[Plan, Node, list[Node]]:
        """Return (plan, node, ancestors) for a node id or raise NotFound."""
        try:
            return self.nodes[node_id]
        except KeyError:
            raise NotFound(f"没有编号为“{node_id}”的条目。") from None

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
            found = cache[build] = Corpus(build)
            for old in list(cache)[:-KEEP_OPEN]:
                cache.pop(old, None)
    return found
