"""Tables flattened one cell per line, rebuilt into rows (placeholder: none yet)."""

from __future__ import annotations

from ingest.model import Plan, Table


def extract_tables(plan: Plan) -> list[Table]:
    """Return the tables of ``plan``."""
    return []
