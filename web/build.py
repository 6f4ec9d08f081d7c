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
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import graph
import ingest
import search
from ingest import IngestError, Plan, find_plan_files, parse_file
from ingest.meta import plan_id_for
from ingest.planset import PlanSet
from web.datadir import DataDir, write_plans

#: Below this many files to parse, start-up of worker processes costs more than it saves.
PARALLEL_MIN_FILES = 8


class BuildError(Exception):
    """The build failed; the previous data is untouched."""


@dataclass
class BuildReport:
    """What a build did: the plans built (loaded one at a time), the files skipped and why, cache use."""

    plans: PlanSet = field(default_factory=lambda: PlanSet([]))
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


def parse_files(files: list[Path], data: DataDir, report: BuildReport,
                progress: Callable[[str], None], workers: int) -> None:
    """Parse ``files`` into the cache and set ``report.plans`` to them, taking unchanged ones from the cache.

    Plans are not kept in memory: the report's PlanSet reads each plan's cached model when it is needed.
    """
    data.cache.mkdir(parents=True, exist_ok=True)
    keys = {path: _cache_key(path) for path in files}
    todo = [path for path in files if not (data.cache / f"{keys[path]}.json").exists()]
    report.cached = len(files) - len(todo)
    progress(f"解析 parsing {len(todo)} file(s), {report.cached} unchanged from cache")
    failed: dict[Path, str] = {}
    for path, result in zip(todo, _parse_all(todo, workers)):
        if isinstance(result, Plan):
            tmp = data.cache / f".{os.getpid()}-{path.stem[:20]}.tmp"
            tmp.write_text(json.dumps(result.to_dict(), ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, data.cache / f"{keys[path]}.json")
        else:
            failed[path] = result
    report.parsed = len(todo)
    report.skipped = [failed[path] for path in files if path in failed]
    check_ids((plan_id_for(path), path.name) for path in files if path not in failed)  # ids come from file names
    report.plans = PlanSet((keys[path], data.cache / f"{keys[path]}.json") for path in files if path not in failed)


def _parse_all(files: list[Path], workers: int) -> Iterator[Plan | str]:
    """Yield the plan (or the error line) of each file in order; on all cores when there are many."""
    if workers > 1 and len(files) >= PARALLEL_MIN_FILES and can_fork():
        warm_segmenter()
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            yield from pool.map(_parse_one, files, chunksize=max(1, min(16, len(files) // (workers * 8))))
        return
    yield from map(_parse_one, files)


def check_ids(named: Iterable[tuple[str, str]]) -> None:
    """Refuse two plans (``(id, source)`` pairs) that would get the same plan id."""
    seen: dict[str, str] = {}
    for plan_id, source in named:
        if plan_id in seen:
            raise BuildError(f"{source}: same plan id {plan_id!r} as {seen[plan_id]}; rename one file")
        seen[plan_id] = source


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
    prune_cache(data)
    return report


def prune_cache(data: DataDir) -> None:
    """Delete parsed plans cached by an older ingest version: no build can use them again."""
    suffix = f"-{ingest_version()}.json"
    for path in data.cache.glob("*.json"):
        if not path.name.endswith(suffix):
            path.unlink(missing_ok=True)


def publish_plans(plans: Sequence[Plan], data: DataDir, progress: Callable[[str], None] = lambda _: None,
                  workers: int = 1) -> Path:
    """Build the stores of ``plans`` (a list, or a PlanSet read one plan at a time) into a staging
    directory and publish it; on failure change nothing."""
    if not isinstance(plans, PlanSet):
        check_ids((p.id, p.source) for p in plans)
    staging = data.new_build()
    try:
        write_plans(staging, plans)
        build_stores(plans, staging, data, progress, workers)
    except BaseException:
        data.discard(staging)
        raise
    return data.publish(staging)


def build_stores(plans: Sequence[Plan], staging: Path, data: DataDir, progress: Callable[[str], None],
                 workers: int) -> None:
    """Build the graph store and the search index of ``plans``; side by side on two cores when possible.

    Each keeps its per-plan work in its own folder of the data directory's cache, so a rebuild redoes
    only the plans that changed.
    """
    graph_args = {"plans": plans, "path": staging / "graph", "cache": data.cache / "graph"}
    index_args = {"plans": plans, "path": staging / "index", "tagger": theme_tagger(), "cache": data.cache / "index"}
    if workers < 2 or not can_fork():
        progress("图谱 graph …")
        graph.build_store(**graph_args)
        progress("索引 index …")
        search.build_index(**index_args)
        return
    progress("图谱与索引 graph and index …")
    # The child takes the index (pure Python), the parent the graph: a forked child must not open
    # Oxigraph, whose native thread pool does not survive a fork of a process that used it.
    child = Forked(search.build_index, **index_args)
    try:
        graph.build_store(**graph_args)
    finally:
        child.wait()


def _run_forked(conn, func: Callable, args: tuple, kwargs: dict) -> None:
    """Run ``func(*args, **kwargs)`` in a forked child; send back None or the error."""
    try:
        func(*args, **kwargs)
    except BaseException as exc:  # report any failure to the parent, which raises it
        conn.send(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        raise SystemExit(1) from None
    conn.send(None)


class Forked:
    """One function call in a forked child process (its arguments are shared, not pickled)."""

    def __init__(self, func: Callable, *args: object, **kwargs: object):
        context = multiprocessing.get_context("fork")
        self._recv, send = context.Pipe(duplex=False)
        self.name = getattr(func, "__qualname__", str(func))
        self._process = context.Process(target=_run_forked, args=(send, func, args, kwargs), daemon=True)
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
