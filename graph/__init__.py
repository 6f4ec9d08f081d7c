"""Plan models → RDF knowledge graph: build the store, then trace, compare, export and query it.

The interface the rest of plangraph uses (all results are plain JSON-ready dicts):

- ``build_store(plans, path, cache=None)``: build the Oxigraph store of ``plans`` (a list or a PlanSet, one plan
  at a time) in a fresh directory; with ``cache``, only changed plans are serialised again.
- ``open_store(path) -> GraphStore``: a cheap read-only handle (several processes may read at once);
  ``drop_remote(path)`` deletes a build's graph from the SPARQL server it was written to.
- ``trace(store, goal, plan=None)`` / ``trace_from(store, name)``: goal → tasks → projects, places,
  organisations and targets; and the reverse.
- ``compare(store, themes, plans=None)`` and ``write_xlsx(result, path)``: plans side by side per theme.
- ``themes_overview(store)``: per theme, per plan item counts.
- ``entity(store, id)`` and ``neighbourhood(store, id, depth=1, limit=…)``: one entity, and a small graph
  of nodes and edges around any resource (for ECharts).
- ``export(store, fmt)`` and ``sparql(store, query, timeout_s=…, limit=…)``: the whole graph, and
  read-only SPARQL.
- ``graph.themes.load_thesaurus()``: the SKOS theme thesaurus (``tag``, ``expand``, ``resolve``).

Errors are the classes of ``graph.errors`` (``GraphError`` and its subclasses).
"""

from __future__ import annotations

import importlib
import sys
import types

#: Public name → the module defining it; each module is imported on first use, so ``import graph`` stays cheap
#: (no rdflib, networkx or store until a command needs them).
_HOMES = {
    "build_store": "graph.build", "compare": "graph.compare", "themes_overview": "graph.compare",
    "write_xlsx": "graph.compare", "Ambiguous": "graph.errors", "GraphError": "graph.errors",
    "NotFound": "graph.errors", "QueryError": "graph.errors", "StoreMissing": "graph.errors",
    "entity": "graph.explore", "neighbourhood": "graph.explore", "export": "graph.export", "sparql": "graph.export",
    "GraphStore": "graph.store", "open_store": "graph.store", "drop_remote": "graph.store",
    "trace": "graph.trace", "trace_from": "graph.trace",
}

__all__ = sorted(_HOMES)


def _export(name: str) -> property:
    """Return a property loading ``name`` from its module; importing a submodule of the same name
    (``graph.compare``) must not replace the function, so setting it is ignored."""

    def get(module: types.ModuleType) -> object:
        return getattr(importlib.import_module(_HOMES[name]), name)

    def ignore(module: types.ModuleType, value: object) -> None:
        pass

    return property(get, ignore)


class _Package(types.ModuleType):
    """The ``graph`` package, whose public names load lazily."""


for _name in _HOMES:
    setattr(_Package, _name, _export(_name))
sys.modules[__name__].__class__ = _Package
