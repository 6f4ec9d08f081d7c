"""Numeric targets from sentences and indicator tables (placeholder: none yet)."""

from __future__ import annotations

from ingest.model import Plan, Target


def extract_targets(plan: Plan) -> list[Target]:
    """Return the numeric targets of ``plan``."""
    return []
