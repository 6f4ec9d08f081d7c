"""Tables flattened one cell per line, rebuilt into rows (placeholder: none yet)."""

from __future__ import annotations

from ingest.model import Plan, Table


def extract_tables(plan: Plan) -> list[Table]:
    """Return the tables of ``plan``."""
    return []


def find_table_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """Return ``(first, stop)`` line ranges of tables flattened one cell per line.

    ``first`` is the caption line (专栏1…, 表1…) when there is one; ``stop`` is
    exclusive.  The outline makes one ``table`` node of each range.
    """
    return []
