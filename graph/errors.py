"""Errors of the graph layer; the CLI and web layers turn them into messages and statuses."""

from __future__ import annotations


class GraphError(Exception):
    """Something went wrong in the graph layer."""

    status = 500


class StoreMissing(GraphError):
    """There is no graph store at the given path (the data directory was never built)."""

    status = 404


class NotFound(GraphError):
    """No goal, item or entity matches what was asked for."""

    status = 404


class Ambiguous(GraphError):
    """The words given match several items equally well."""

    status = 400


class QueryError(GraphError):
    """A SPARQL query is malformed, not read-only, or took too long."""

    status = 400
