"""Benchmark the search index: build time and query latency (p50/p95, highlights included).

usage: python bench/bench_search.py [FOLDER ...]   (default: corpus/ and ../shared/scale/)
       python bench/bench_search.py --index INDEX_DIR ...   (query latency only, on indexes already built)
Not run by the tests.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import search  # noqa: E402
from ingest import find_plan_files, parse_file  # noqa: E402

GENERIC = ["发展", "建设", "养老", "就业", "科技创新", "乡村振兴", "新能源汽车", "营商环境", "数字经济", "教育",
           "医疗卫生", "生态环境", "\"高质量发展\"", "2025年", "GDP", "5G", "老年人 日间照料", "城市更新 plan:北京",
           "kind:task 养老", "低空经济", "人工智能", "量子", "充电", "老", "医疗服务", "发展 改革", "推进 建设 体系",
           "经济", "社会"]


def thesaurus():
    """The graph layer's thesaurus, or None when it cannot be imported."""
    try:
        from graph.themes import load_thesaurus
    except ImportError:
        return None
    return load_thesaurus()


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0–100) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def bench(folder: Path, queries: list[str], rounds: int = 3) -> dict:
    """Parse, index and query one folder; return the timings in seconds and milliseconds.

    Query latency is reported for the first round (nothing cached but the segmenter) and for
    all rounds (later rounds reuse the per-term score cache, as a server answering staff does).
    """
    th = thesaurus()
    t0 = time.perf_counter()
    plans = [parse_file(p) for p in find_plan_files([folder])]
    chars = sum(len(n.text or n.title or "") for p in plans for n, _ in p.walk_with_path())
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        search.build_index(plans, Path(tmp), tagger=th.tag if th else None)
        t2 = time.perf_counter()
        size = sum(f.stat().st_size for f in Path(tmp).iterdir())
        searcher = search.open_index(Path(tmp), expander=th.expand if th else None)
        searcher.search("预热")  # open the whoosh searcher and warm the segmenter
        t3 = time.perf_counter()
        times, totals = [], []
        for _ in range(rounds):
            for q in queries:
                start = time.perf_counter()
                res = searcher.search(q, limit=10)
                times.append((time.perf_counter() - start) * 1000)
                totals.append(res["total"])
        units = searcher.whoosh().doc_count()
    first = times[:len(queries)]
    return {"folder": str(folder), "plans": len(plans), "units": units, "chars": chars,
            "parse_s": round(t1 - t0, 2), "index_s": round(t2 - t1, 2),
            "index_chars_per_s": round(chars / max(t2 - t1, 1e-9)), "index_mb": round(size / 1e6, 1),
            "open_s": round(t3 - t2, 2), "queries": len(queries),
            "first_p50_ms": round(statistics.median(first), 1), "first_p95_ms": round(percentile(first, 95), 1),
            "p50_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 95), 1),
            "max_ms": round(max(times), 1), "mean_hits": round(statistics.mean(totals), 1),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, "thesaurus": th is not None}


def latency(index: Path, queries: list[str], rounds: int = 3) -> dict:
    """Query an index already built (``DATA/index`` of ``plangraph build``): p50/p95 in ms, first and warm rounds.

    Each query asks for the first page of 10 hits with highlights and facets, as the web page and the API do.
    """
    th = thesaurus()
    t0 = time.perf_counter()
    searcher = search.open_index(index, expander=th.expand if th else None)
    searcher.search("预热")
    opened = time.perf_counter() - t0
    times: list[float] = []
    slow: dict[str, float] = {}
    for _ in range(rounds):
        for q in queries:
            start = time.perf_counter()
            searcher.search(q, limit=10)
            ms = (time.perf_counter() - start) * 1000
            times.append(ms)
            slow[q] = max(slow.get(q, 0.0), ms)
    first, warm = times[:len(queries)], times[len(queries):] or times
    return {"index": str(index), "units": searcher.whoosh().doc_count(), "open_s": round(opened, 2),
            "queries": len(queries), "first_p50_ms": round(statistics.median(first), 1),
            "first_p95_ms": round(percentile(first, 95), 1), "warm_p50_ms": round(statistics.median(warm), 1),
            "warm_p95_ms": round(percentile(warm, 95), 1), "max_ms": round(max(times), 1),
            "slowest": dict(sorted(slow.items(), key=lambda kv: -kv[1])[:5]),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}


def main(argv: list[str]) -> None:
    own = json.loads((ROOT / "tests" / "search_queries.json").read_text(encoding="utf-8"))["queries"]
    queries = [c["q"] for c in own] + GENERIC
    if argv[:1] == ["--index"]:
        for index in argv[1:]:
            print(json.dumps(latency(Path(index), queries), ensure_ascii=False))
        return
    folders = [Path(a) for a in argv] or [ROOT / "corpus", ROOT.parent / "shared" / "scale"]
    for folder in folders:
        print(json.dumps(bench(folder, queries), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
