"""Build the data directory from plan files: ingest, then graph and index, then swap.

Parsed plans are cached by file content and ingest code version, so a rebuild
re-parses only the files that changed.  Many files are parsed on all cores.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import graph
import ingest
import search
from ingest import IngestError, Plan, find_plan_files, parse_file
from web.datadir import DataDir, write_plans

#: Below this many files to parse, start-up of worker processes costs more than it saves.
PARALLEL_MIN_FILES = 8


class BuildError(Exception):
    """The build failed; the previous data is untouched."""


@dataclass
class BuildReport:
    """What a build did: the plans built, the files skipped and why, cache use."""

    plans: list[Plan] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    parsed: int = 0
    cached: int = 0
    build_dir: Path | None = None


@cache
def ingest_version() -> str:
    """Return a hash of the ingest code and data, so cached plans expire when it changes."""
    digest = hashlib.sha1()
    root = Path(ingest.__file__).parent
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".txt", ".tsv", ".json"):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _cache_key(path: Path) -> str:
    """Key a parsed plan by file content (hashed in chunks: a huge file is not read into memory)."""
    with path.open("rb") as handle:
        content = hashlib.file_digest(handle, "sha256").hexdigest()
    name = hashlib.sha1(path.name.encode("utf-8")).hexdigest()[:8]
    return f"{content[:24]}-{name}-{ingest_version()}"


def _parse_one(path: Path) -> Plan | str:
    """Parse one file in a worker; return the plan or the error line."""
    try:
        return parse_file(path)
    except IngestError as exc:
        return str(exc)


def can_fork() -> bool:
    """Tell whether worker processes may be forked: on a fork platform, from a single-threaded process.

    A build started from a thread of the web server runs in-process, because a
    fork copies locks that other threads may be holding.
    """
    return ("fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)


def warm_segmenter() -> None:
    """Load the segmenter and its tag table once, so forked workers inherit them instead of each loading them."""
    from ingest import segment

    segment.tokenizer()
    segment.pos_tag("")


def _parse_all(files: list[Path], workers: int) -> list[Plan | str]:
    if workers > 1 and len(files) >= PARALLEL_MIN_FILES and can_fork():
        warm_segmenter()
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_parse_one, files, chunksize=max(1, len(files) // (workers * 8))))
    return [_parse_one(f) for f in files]


def parse_files(files: list[Path], data: DataDir, report: BuildReport,
                progress: Callable[[str], None], workers: int) -> None:
    """Parse ``files`` into ``report.plans``, taking unchanged ones from the cache."""
    data.cache.mkdir(parents=True, exist_ok=True)
    results: dict[Path, Plan | str] = {}
    todo = []
    for path in files:
        cached = data.cache / f"{_cache_key(path)}.json"
        if cached.exists():
            results[path] = Plan.from_dict(json.loads(cached.read_text(encoding="utf-8")))
        else:
            todo.append(path)
    report.cached = len(files) - len(todo)
    progress(f"解析 parsing {len(todo)} file(s), {report.cached} unchanged from cache")
    for path, result in zip(todo, _parse_all(todo, workers)):
        results[path] = result
        if isinstance(result, Plan):
            tmp = data.cache / f".{os.getpid()}-{path.stem[:20]}.tmp"
            tmp.write_text(json.dumps(result.to_dict(), ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, data.cache / f"{_cache_key(path)}.json")
    report.parsed = len(todo)
    for path in files:
        result = results[path]
        if isinstance(result, Plan):
            report.plans.append(result)
        else:
            report.skipped.append(result)


def check_ids(plans: list[Plan]) -> None:
    """Refuse two files that would get the same plan id."""
    seen: dict[str, str] = {}
    for plan in plans:
        if plan.id in seen:
            raise BuildError(f"{plan.source}: same plan id {plan.id!r} as {seen[plan.id]}; rename one file")
        seen[plan.id] = plan.source


def build(paths: list[str | Path], data: DataDir, progress: Callable[[str], None] = lambda _: None,
          workers: int | None = None) -> BuildReport:
    """Build everything from ``paths`` into a new build of ``data`` and publish it."""
    try:
        files = find_plan_files(paths)
    except IngestError as exc:
        raise BuildError(str(exc)) from exc
    if not files:
        raise BuildError(f"{', '.join(map(str, paths))}: no plan files found (.txt, .md, .docx, .pdf)")
    report = BuildReport()
    parse_files(files, data, report, progress, workers or os.cpu_count() or 1)
    if not report.plans:
        raise BuildError(report.skipped[0] if len(report.skipped) == 1
                         else f"no file could be ingested: {'; '.join(report.skipped)}")
    report.build_dir = publish_plans(report.plans, data, progress, workers or os.cpu_count() or 1)
    return report


def publish_plans(plans: list[Plan], data: DataDir, progress: Callable[[str], None] = lambda _: None,
                  workers: int = 1) -> Path:
    """Build the stores of ``plans`` into a staging directory and publish it; on failure change nothing."""
    check_ids(plans)
    staging = data.new_build()
    try:
        write_plans(staging, plans)
        build_stores(plans, staging, progress, workers)
    except BaseException:
        data.discard(staging)
        raise
    return data.publish(staging)


def build_stores(plans: list[Plan], staging: Path, progress: Callable[[str], None], workers: int) -> None:
    """Build the graph store and the search index of ``plans``; side by side on two cores when possible."""
    if workers < 2 or not can_fork():
        progress("图谱 graph …")
        graph.build_store(plans, staging / "graph")
        progress("索引 index …")
        search.build_index(plans, staging / "index", tagger=theme_tagger())
        return
    progress("图谱与索引 graph and index …")
    # The child takes the index (pure Python), the parent the graph: a forked child must not open
    # Oxigraph, whose native thread pool does not survive a fork of a process that used it.
    child = Forked(search.build_index, plans, staging / "index", theme_tagger())
    try:
        graph.build_store(plans, staging / "graph")
    finally:
        child.wait()


def _run_forked(conn, func: Callable, args: tuple) -> None:
    """Run ``func(*args)`` in a forked child; send back None or the error."""
    try:
        func(*args)
    except BaseException as exc:  # report any failure to the parent, which raises it
        conn.send(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        raise SystemExit(1) from None
    conn.send(None)


class Forked:
    """One function call in a forked child process (its arguments are shared, not pickled)."""

    def __init__(self, func: Callable, *args: object):
        context = multiprocessing.get_context("fork")
        self._recv, send = context.Pipe(duplex=False)
        self.name = getattr(func, "__qualname__", str(func))
        self._process = context.Process(target=_run_forked, args=(send, func, args), daemon=True)
        self._process.start()
        send.close()

    def wait(self) -> None:
        """Wait for the child; raise BuildError with its message when it failed."""
        try:
            error = self._recv.recv()
        except EOFError:
            error = "the process ended without a result"
        self._process.join()
        if error is not None or self._process.exitcode != 0:
            raise BuildError(f"{self.name} failed (exit {self._process.exitcode}): {error}")


def theme_tagger():
    """Return the SKOS thesaurus's tagger, so search units carry the themes the graph gives them."""
    from graph.themes import load_thesaurus

    return load_thesaurus().tag
