"""Build the data directory from plan files: ingest, then graph and index, then swap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import graph
import search
from ingest import IngestError, Plan, find_plan_files, parse_file
from web.datadir import DataDir, write_plans


class BuildError(Exception):
    """The build failed; the previous data is untouched."""


@dataclass
class BuildReport:
    """What a build did: the plans built, the files skipped and why."""

    plans: list[Plan] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    build_dir: Path | None = None


def build(paths: list[str | Path], data: DataDir, progress: Callable[[str], None] = lambda _: None) -> BuildReport:
    """Build everything from ``paths`` into a new build of ``data`` and publish it."""
    try:
        files = find_plan_files(paths)
    except IngestError as exc:
        raise BuildError(str(exc)) from exc
    if not files:
        raise BuildError(f"{', '.join(map(str, paths))}: no plan files found "
                         "(.txt, .md, .docx, .pdf)")
    report = BuildReport()
    for i, path in enumerate(files, 1):
        progress(f"[{i}/{len(files)}] {path.name}")
        try:
            report.plans.append(parse_file(path))
        except IngestError as exc:
            report.skipped.append(str(exc))
    if not report.plans:
        raise BuildError(report.skipped[0] if len(report.skipped) == 1
                         else f"no file could be ingested: {'; '.join(report.skipped)}")
    ids = {}
    for plan in report.plans:
        if plan.id in ids:
            raise BuildError(f"{plan.source}: same plan id {plan.id!r} as {ids[plan.id]}; rename one file")
        ids[plan.id] = plan.source
    staging = data.new_build()
    try:
        write_plans(staging, report.plans)
        progress("graph …")
        graph.build_store(report.plans, staging / "graph")
        progress("index …")
        search.build_index(report.plans, staging / "index")
    except BaseException:
        data.discard(staging)
        raise
    report.build_dir = data.publish(staging)
    return report
