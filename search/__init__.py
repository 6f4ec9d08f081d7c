"""Plan models → a whoosh index with our own Chinese analysis, and searching it.

``build_index(plans, path, tagger=None, words=(), cache=None)`` writes the index
(plans: a list or an ``ingest.planset.PlanSet``; ``cache``: a directory where each
plan's analysis is kept, so a rebuild analyses only changed plans); ``open_index(path,
expander=None)`` returns a thread-safe ``Searcher`` whose ``search(...)``
returns a plain dict of hits, facets and (optionally) an explanation.
"""

from search.errors import BadParameter, IndexMissing, SearchError
from search.index import build_index, open_index

__all__ = ["BadParameter", "IndexMissing", "SearchError", "build_index", "open_index"]
