"""Plan models → RDF graph (placeholder until the graph issue lands)."""

from __future__ import annotations

from pathlib import Path


def build_store(plans, path: Path) -> None:
    """Build the graph store for ``plans`` under ``path``."""
    Path(path).mkdir(parents=True, exist_ok=True)
