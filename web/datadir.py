"""The data directory: versioned builds, swapped in atomically.

Layout::

    DATA/
      CURRENT              name of the live build (replaced atomically)
      builds/<name>/       manifest.json, catalog.sqlite, plans/<id>.json, graph/, index/
      cache/               parsed plans by file hash, for incremental builds

Readers resolve ``CURRENT`` once per request (or per command) and read only
that build, so a rebuild never shows them a mix of old and new data.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from ingest.model import Plan
from ingest.planset import PlanSet, plan_key
from web.catalog import write_catalog

ENV_VAR = "PLANGRAPH_DATA"
DEFAULT = "instance"
KEEP_BUILDS = 2
#: A replaced build stays this long, so requests that resolved CURRENT before the swap can finish on it.
GRACE_SECONDS = 120

log = logging.getLogger(__name__)


class NoData(Exception):
    """The data directory holds no build yet."""


def resolve(data_dir: str | Path | None) -> Path:
    """Return the data directory from the option, else the environment, else ``instance/``."""
    return Path(data_dir or os.environ.get(ENV_VAR) or DEFAULT).resolve()


class DataDir:
    """A data directory and its builds."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    @property
    def builds(self) -> Path:
        return self.root / "builds"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    def current(self) -> Path | None:
        """Return the live build directory, or None before the first build."""
        try:
            name = (self.root / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        path = self.builds / name
        return path if (path / "manifest.json").exists() else None

    def require(self) -> Path:
        """Return the live build directory or raise NoData."""
        current = self.current()
        if current is None:
            raise NoData(f"{self.root}: no data built yet; run `plangraph build` first")
        return current

    def new_build(self) -> Path:
        """Create and return an empty staging directory for a build."""
        self.builds.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".staging-", dir=self.builds))

    def publish(self, staging: Path) -> Path:
        """Make ``staging`` the live build atomically; drop builds older than the last few."""
        now = time.time()  # microseconds in the name: builds published in one second still sort in order
        name = (time.strftime("%Y%m%d-%H%M%S", time.localtime(now)) + f".{int(now % 1 * 1e6):06d}-"
                + staging.name.rsplit("-", 1)[-1])
        final = self.builds / name
        staging.rename(final)
        pointer = self.root / ".CURRENT.tmp"
        pointer.write_text(name, encoding="utf-8")
        os.replace(pointer, self.root / "CURRENT")
        self._prune(keep=final)
        return final

    def discard(self, staging: Path) -> None:
        """Remove a staging directory after a failed build (and the graph it may have loaded on a server)."""
        remove_build(staging)

    def _prune(self, keep: Path) -> None:
        builds = sorted(p for p in self.builds.iterdir() if p.is_dir() and not p.name.startswith("."))
        for old, successor in zip(builds[:-KEEP_BUILDS], builds[1:]):
            if old != keep and time.time() - published_at(successor) > GRACE_SECONDS:
                remove_build(old)


def remove_build(build: Path) -> None:
    """Delete a build directory, and its graph on the SPARQL server when it was built on one.

    A server that cannot be reached does not stop the removal: the live build is already another one.
    """
    if (build / "graph" / "meta.json").exists():
        from graph import GraphError, drop_remote

        try:
            drop_remote(build / "graph")
        except GraphError as exc:
            log.warning("%s: could not drop its graph on the SPARQL server: %s", build.name, exc)
    shutil.rmtree(build, ignore_errors=True)


def published_at(build: Path) -> float:
    """When a build went live: the time in its name (``20250101-120000.000000-…``), else its directory's mtime."""
    try:
        return time.mktime(time.strptime(build.name[:15], "%Y%m%d-%H%M%S"))
    except ValueError:
        return build.stat().st_mtime


def write_plans(build: Path, plans: Sequence[Plan]) -> None:
    """Write each plan's model, the manifest and the catalog (``web.catalog``) into a build directory.

    ``plans`` is a list of models or a :class:`PlanSet`, whose model files are hard-linked into the build
    (copied across file systems) instead of serialised again; either way one plan is in memory at a time.
    """
    folder = build / "plans"
    folder.mkdir(parents=True, exist_ok=True)
    keyed = PlanSet.of(plans)
    listed: list[dict] = []

    def each() -> Iterator[Plan]:
        for index, (key, plan) in enumerate(keyed.items()):
            target = folder / f"{plan.id}.json"
            if isinstance(keyed, PlanSet):
                link_or_copy(keyed.paths[index], target)
            else:
                target.write_text(json.dumps(plan.to_dict(), ensure_ascii=False), encoding="utf-8")
            listed.append({**plan.summary(), "sha256": plan.sha256, "key": key})
            yield plan

    write_catalog(build, each())
    manifest = {"built_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "plans": listed}
    (build / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


def link_or_copy(source: Path, target: Path) -> None:
    """Hard-link ``source`` as ``target``, or copy it where links are not possible (another file system)."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def read_manifest(build: Path) -> dict:
    """Return a build's manifest."""
    return json.loads((build / "manifest.json").read_text(encoding="utf-8"))


def plan_path(build: Path, plan_id: str) -> Path:
    """The model file of one plan of a build."""
    return build / "plans" / f"{plan_id}.json"


def load_plan(build: Path, plan_id: str) -> Plan:
    """Load one plan model of a build."""
    return Plan.from_dict(json.loads(plan_path(build, plan_id).read_text(encoding="utf-8")))


def read_plans(build: Path) -> list[Plan]:
    """Load every plan model of a build, in manifest order (all in memory: prefer :func:`plan_set`)."""
    return [load_plan(build, p["id"]) for p in read_manifest(build)["plans"]]


def plan_set(build: Path) -> PlanSet:
    """The plans of a build as a :class:`PlanSet`, loaded one at a time, keyed as the build was given them."""
    entries = read_manifest(build)["plans"]
    return PlanSet((p.get("key") or plan_key(load_plan(build, p["id"])), plan_path(build, p["id"])) for p in entries)
