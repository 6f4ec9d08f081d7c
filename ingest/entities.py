"""Places, organisations and projects named in a plan (placeholder: none yet)."""

from __future__ import annotations

from ingest.model import Entity, Plan


def extract_entities(plan: Plan) -> list[Entity]:
    """Return the entities of ``plan`` with every mention."""
    return []
