"""Plan models → whoosh index (placeholder until the search issue lands)."""

from __future__ import annotations

from pathlib import Path


def build_index(plans, path: Path, tagger=None) -> None:
    """Build the search index for ``plans`` under ``path``."""
    Path(path).mkdir(parents=True, exist_ok=True)
