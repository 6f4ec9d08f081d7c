"""Plan models → RDF knowledge graph: build the store, then trace, compare, export and query it.

The interface the rest of plangraph uses (all results are plain JSON-ready dicts):

- ``build_store(plans, path)``: bulk-build the Oxigraph store of ``plans`` in a fresh directory.
- ``open_store(path) -> GraphStore``: a cheap read-only handle (several processes may read at once).
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

from graph.build import build_store
from graph.compare import compare, themes_overview, write_xlsx
from graph.errors import Ambiguous, GraphError, NotFound, QueryError, StoreMissing
from graph.explore import entity, neighbourhood
from graph.export import export, sparql
from graph.store import GraphStore, open_store
from graph.trace import trace, trace_from

__all__ = [
    "Ambiguous", "GraphError", "GraphStore", "NotFound", "QueryError", "StoreMissing", "build_store",
    "compare", "entity", "export", "neighbourhood", "open_store", "sparql", "themes_overview", "trace",
    "trace_from", "write_xlsx",
]
