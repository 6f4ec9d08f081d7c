"""One file in, one :class:`~ingest.model.Plan` out."""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

from ingest import meta
from ingest.clean import clean_document
from ingest.entities import extract_entities
from ingest.errors import IngestError
from ingest.model import Plan
from ingest.outline import parse_outline
from ingest.read import read_lines
from ingest.tables import extract_tables
from ingest.targets import extract_targets

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".pdf")


def find_plan_files(paths: list[str | Path]) -> list[Path]:
    """Expand files and folders into the plan files they hold, sorted by name."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not p.name.startswith((".", "~$")) and p.name.upper() != "SOURCES.MD"
                and p.name.upper() != "README.MD"
            )
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise IngestError(path, f"unsupported file type {path.suffix or '(none)'!r}; "
                                  f"use one of {', '.join(SUPPORTED_SUFFIXES)}")
            found.append(path)
        else:
            raise IngestError(path, "no such file or folder")
    return found


class Stopwatch:
    """Seconds spent per pipeline stage, summed over calls (for benchmarks)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def stage(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started


def format_period(start: int | None, end: int | None) -> str:
    """Show a plan period as "2021-2025", a single year as "2026", or nothing."""
    if start and end and start != end:
        return f"{start}-{end}"
    return str(end or start or "")


def parse_file(path: str | Path, clock: Stopwatch | None = None) -> Plan:
    """Read, clean and analyse one plan file; raise IngestError on bad input."""
    clock = clock or Stopwatch()
    path = Path(path)
    with clock.stage("read"):
        doc = clean_document(read_lines(path))  # refuses oversized files before anything is read
        raw = path.read_bytes()
    if not doc.lines:
        raise IngestError(path, "no text found in the document")
    offsets, text = [], doc.title
    for line in doc.lines:
        text += "\n"
        offsets.append(len(text))
        text += line.text
    plan_id = meta.plan_id_for(path)
    start_year, end_year = meta.plan_period(doc.title, text)
    plan = Plan(
        id=plan_id,
        title=doc.title,
        source=path.name,
        text=text,
        kind=meta.plan_kind(doc.title),
        period=format_period(start_year, end_year),
        start_year=start_year,
        end_year=end_year,
        street=meta.plan_street(doc.title),
        sha256=hashlib.sha256(raw).hexdigest(),
    )
    with clock.stage("outline"):
        plan.outline = parse_outline(doc.lines, offsets, plan_id)
        plan.tables = extract_tables(plan)
    with clock.stage("targets"):
        plan.targets = extract_targets(plan)
    with clock.stage("entities"):
        plan.entities = extract_entities(plan)
    return plan
