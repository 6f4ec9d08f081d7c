"""Broad terms' units and weights as flat arrays beside the whoosh segment, read without unpickling.

Whoosh keeps a term's postings in pickled blocks of 128, each with every posting's
positions.  Scoring a broad word (发展 holds 100,000 units at 4,000 plans) unpickled
all of them, positions included: most of a first search for it.  Terms with at
least ``MIN_POSTINGS`` postings are written a second time here, as the segment is
written: their units (uint32) and weights (float32, as whoosh stores them), found
through a table of 64-bit digests of (field, term) kept sorted.  The scorer reads
them as slices of memory-mapped files.  Other terms, and phrases (they need
positions), read whoosh's postings as before; an index without these files works
as before too.
"""

from __future__ import annotations

import hashlib
from array import array
from pathlib import Path

import numpy as np

UNITS, WEIGHTS, TABLE = "postings-units.bin", "postings-weights.bin", "postings-table.npy"
#: Terms with fewer postings than this are left to whoosh (a few blocks unpickle quickly).
MIN_POSTINGS = 512


def term_key(field: str, term: bytes) -> int:
    """Return the 64-bit digest that finds a term's postings (signed, as numpy's int64 holds it)."""
    digest = hashlib.blake2b(field.encode("utf-8") + b"\0" + term, digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


class PostingsWriter:
    """Append broad terms' postings to the flat files in ``path``; ``close`` writes the table."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.units = open(self.path / UNITS, "wb")  # noqa: SIM115 - closed in close()
        self.weights = open(self.path / WEIGHTS, "wb")  # noqa: SIM115 - closed in close()
        self.rows: list[tuple[int, int, int]] = []
        self.at = 0

    def add(self, field: str, term: bytes, units: array, weights) -> None:
        """Keep one term's postings (units ascending) when it has at least ``MIN_POSTINGS``."""
        n = len(units)
        if n < MIN_POSTINGS:
            return
        array("I", units).tofile(self.units)
        array("f", weights).tofile(self.weights)
        self.rows.append((term_key(field, term), self.at, n))
        self.at += n

    def close(self) -> None:
        """Close the files and write the table, sorted by digest."""
        self.units.close()
        self.weights.close()
        table = np.array(sorted(self.rows), dtype=np.int64).reshape(-1, 3)
        np.save(self.path / TABLE, table.T.copy())

    def discard(self) -> None:
        """Close and remove the files (the segment was not written)."""
        self.units.close()
        self.weights.close()
        for name in (UNITS, WEIGHTS, TABLE):
            (self.path / name).unlink(missing_ok=True)


class PostingsTable:
    """The broad terms' postings of one index, memory-mapped."""

    def __init__(self, keys: np.ndarray, starts: np.ndarray, counts: np.ndarray, units: np.ndarray,
                 weights: np.ndarray):
        self.keys, self.starts, self.counts = keys, starts, counts
        self.units, self.weights = units, weights

    @classmethod
    def load(cls, path: Path) -> PostingsTable | None:
        """Open the table in ``path``, or return None when the index has none."""
        path = Path(path)
        if not all((path / name).exists() for name in (UNITS, WEIGHTS, TABLE)):
            return None
        keys, starts, counts = np.load(path / TABLE)
        if not len(keys):
            return cls(keys, starts, counts, np.zeros(0, np.uint32), np.zeros(0, np.float32))
        return cls(keys, starts, counts, np.memmap(path / UNITS, dtype=np.uint32, mode="r"),
                   np.memmap(path / WEIGHTS, dtype=np.float32, mode="r"))

    def get(self, field: str, term: bytes, count: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Return a term's units (int64) and weights (float64) if it is here with ``count`` postings, else None."""
        key = term_key(field, term)
        i = int(np.searchsorted(self.keys, key))
        if i == len(self.keys) or self.keys[i] != key or self.counts[i] != count:
            return None
        start = int(self.starts[i])
        end = start + count
        return self.units[start:end].astype(np.int64), self.weights[start:end].astype(np.float64)
