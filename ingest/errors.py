"""Errors raised while reading and parsing plan files."""

from __future__ import annotations

from pathlib import Path


class IngestError(Exception):
    """A plan file could not be ingested; the message names the file and why."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
