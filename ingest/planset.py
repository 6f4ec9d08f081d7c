"""Many plans without holding them all: a sequence that loads each plan model from its JSON file on demand.

A city's plans do not fit in memory as models (a plan model takes a megabyte or
more), so the build and the stores walk a :class:`PlanSet` one plan at a time.
Each plan also has a *key*, a digest of its model, so later stages can cache
their per-plan work and redo only the plans that changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from ingest.model import Plan


def plan_key(plan: Plan) -> str:
    """Return a digest of a plan model: equal for equal models, different when anything in it changes."""
    data = json.dumps(plan.to_dict(), ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:24]


class PlanSet(Sequence[Plan]):
    """Plans stored as JSON model files (``Plan.to_dict``), loaded one at a time, with a key each."""

    def __init__(self, files: Iterable[tuple[str, str | Path]]):
        """Take ``(key, path)`` pairs: the key is the digest the model file was stored under."""
        entries = [(key, Path(path)) for key, path in files]
        self.keys: list[str] = [key for key, _ in entries]
        self.paths: list[Path] = [path for _, path in entries]

    @classmethod
    def of(cls, plans: Iterable[Plan] | PlanSet) -> PlanSet | InMemory:
        """Return ``plans`` as a keyed sequence: a PlanSet as it is, a list of models wrapped in memory."""
        return plans if isinstance(plans, PlanSet | InMemory) else InMemory(list(plans))

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return PlanSet(zip(self.keys[index], self.paths[index], strict=True))
        return Plan.from_dict(json.loads(self.paths[index].read_text(encoding="utf-8")))

    def __iter__(self) -> Iterator[Plan]:
        for index in range(len(self.paths)):
            yield self[index]

    def items(self) -> Iterator[tuple[str, Plan]]:
        """Yield ``(key, plan)`` pairs, loading one plan at a time."""
        for index, key in enumerate(self.keys):
            yield key, self[index]


class InMemory(Sequence[Plan]):
    """Plan models already in memory (tests, a single upload), with the same interface as :class:`PlanSet`."""

    def __init__(self, plans: list[Plan]):
        self.plans = plans
        self.keys: list[str] = [plan_key(p) for p in plans]

    def __len__(self) -> int:
        return len(self.plans)

    def __getitem__(self, index):
        return InMemory(self.plans[index]) if isinstance(index, slice) else self.plans[index]

    def items(self) -> Iterator[tuple[str, Plan]]:
        """Yield ``(key, plan)`` pairs."""
        yield from zip(self.keys, self.plans, strict=True)
