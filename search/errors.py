"""Errors of the search layer."""

from __future__ import annotations


class SearchError(Exception):
    """Base class of search errors."""


class IndexMissing(SearchError):
    """There is no search index at the given path (build the data first)."""


class BadParameter(SearchError):
    """A search parameter is invalid (a bad page or limit); the message says which and why."""
