"""Child-process side of the benchmark: one build with per-stage timings, and the side-by-side choices.

Each function here runs in its own process (``python bench/stages.py NAME ARGS…``)
so that its peak memory is its own; it prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.pipeline import Stopwatch  # noqa: E402


class CpuStopwatch(Stopwatch):
    """The pipeline's stopwatch, also summing CPU seconds per stage (the machine may be shared)."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu: dict[str, float] = defaultdict(float)

    @contextmanager
    def stage(self, name: str):
        cpu = time.process_time()
        try:
            with super().stage(name):
                yield
        finally:
            self.cpu[name] += time.process_time() - cpu


@contextmanager
def timed_segmentation(clock: CpuStopwatch):
    """Count the segmenter's work as its own stage while plans are parsed (it runs inside extraction)."""
    from ingest import segment

    original = segment.tokens

    def tokens(text: str):
        with clock.stage("segment"):
            return original(text)

    segment.tokens = tokens
    try:
        yield
    finally:
        segment.tokens = original


def staged_build(folder: str, data_dir: str) -> dict:
    """Build ``folder`` into ``data_dir`` on one core, timing each stage; publish it like `plangraph build`.

    Plans stream as the real build streams them: each parsed model goes to a JSON file at once and the
    stores read them back one at a time (a PlanSet), so peak memory is the build's, not the corpus's.
    """
    started = time.perf_counter()
    import graph
    import search
    from ingest import find_plan_files, parse_file, segment
    from ingest.planset import PlanSet
    from web.build import check_ids, theme_tagger
    from web.datadir import DataDir, write_plans

    clock = CpuStopwatch()
    clock.seconds["imports"], clock.cpu["imports"] = time.perf_counter() - started, time.process_time()
    with clock.stage("load"):
        segment.tokenizer()
        segment.pos_tag("")
        tagger = theme_tagger()
    files = find_plan_files([folder])
    data = DataDir(data_dir)
    models = data.cache / "staged"
    models.mkdir(parents=True, exist_ok=True)
    entries, chars, named = [], 0, []
    with timed_segmentation(clock):
        for number, path in enumerate(files):
            plan = parse_file(path, clock)
            with clock.stage("write"):
                model = models / f"{number:05d}.json"
                model.write_text(json.dumps(plan.to_dict(), ensure_ascii=False), encoding="utf-8")
            entries.append((f"{number:05d}", model))
            chars += len(plan.text)
            named.append((plan.id, plan.source))
    check_ids(named)
    plans = PlanSet(entries)
    staging = data.new_build()
    with clock.stage("write"):
        write_plans(staging, plans)
    # The stores get (empty) per-plan caches as in `plangraph build`: a cold build with the real code path.
    with clock.stage("graph"):
        graph.build_store(plans, staging / "graph", cache=data.cache / "graph")
    with clock.stage("index"):
        search.build_index(plans, staging / "index", tagger=tagger, cache=data.cache / "index")
    build = data.publish(staging)
    return {
        "plans": len(plans), "chars": chars, "files": len(files),
        "wall": dict(clock.seconds), "cpu": dict(clock.cpu), "total_wall": time.perf_counter() - started,
        "bytes": {part: du(build / part) for part in ("plans", "graph", "index")},
        "graph_meta": json.loads((build / "graph" / "meta.json").read_text(encoding="utf-8")),
        "engine": segment.engine(),
    }


def real_build(folder: str, data_dir: str, workers: str) -> dict:
    """Run the real build (web.build) with ``workers`` processes; return its wall and CPU time."""
    started, cpu = time.perf_counter(), time.process_time()
    from web.build import build
    from web.datadir import DataDir

    report = build([folder], DataDir(data_dir), workers=int(workers))
    children = os.times()
    return {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu,
            "children_cpu": children.children_user + children.children_system,
            "plans": len(report.plans), "parsed": report.parsed, "cached": report.cached}


def du(path: Path) -> int:
    """Return the bytes of every file under ``path``."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def segmenters(folder: str) -> dict:
    """Load and cut ``folder``'s plans with jieba and rjieba; report seconds and whether the tokens agree."""
    import jieba

    from ingest import find_plan_files
    from ingest.segment import RustTokenizer, _user_words

    texts = [f.read_text(encoding="utf-8") for f in find_plan_files([folder])]
    out: dict[str, dict] = {}
    tokens: dict[str, list] = {}
    for name in ("jieba", "rjieba"):
        started = time.perf_counter()
        if name == "jieba":
            jieba.setLogLevel(60)
            tok = jieba.Tokenizer()
            tok.initialize()
        else:
            tok = RustTokenizer()
        for word, tag in _user_words():
            tok.add_word(word, tag=tag)
        loaded = time.perf_counter()
        tokens[name] = [list(tok.tokenize(t)) for t in texts]
        cut = time.perf_counter()
        tokens[name + "-search"] = [list(tok.tokenize(t, mode="search")) for t in texts]
        out[name] = {"load_s": loaded - started, "cut_s": cut - loaded, "search_s": time.perf_counter() - cut}
    chars = sum(map(len, texts))
    return {"chars": chars, "tokens": sum(map(len, tokens["jieba"])), **out,
            "identical": tokens["jieba"] == tokens["rjieba"],
            "identical_search": tokens["jieba-search"] == tokens["rjieba-search"]}


QUERIES = {
    "count by class": "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n)",
    "tasks with a theme": "SELECT ?t ?th WHERE { ?t a pg:Task ; dcterms:subject ?th }",
    "targets of a plan": "SELECT ?t ?v ?y WHERE { ?t a pg:Target ; pg:inPlan ?p ; pg:value ?v . "
                         "OPTIONAL { ?t pg:year ?y } }",
    "entity mentions": "SELECT ?e (COUNT(?m) AS ?n) WHERE { ?m pg:entity ?e } GROUP BY ?e "
                       "ORDER BY DESC(?n) LIMIT 20",
    "label search": "SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(STR(?l), \"养老\")) }",
}


def stores(data_dir: str) -> dict:
    """Load one build's triples into rdflib's memory store and into Oxigraph; time the load and a few queries."""
    import pyoxigraph as ox
    from rdflib import Graph

    from graph.build import build_triples
    from graph.namespace import PREFIXES
    from graph.store import rdflib_triples, to_ox
    from web.datadir import DataDir, read_plans

    plans = read_plans(DataDir(data_dir).require())
    started = time.perf_counter()
    triples = build_triples(plans)
    made = time.perf_counter() - started
    prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
    result: dict[str, object] = {"triples": len(triples), "make_triples_s": made}
    rdf = list(rdflib_triples(triples))  # the graph builds pyoxigraph terms; rdflib needs its own
    started = time.perf_counter()
    memory = Graph()
    for triple in rdf:
        memory.add(triple)
    result["rdflib_load_s"] = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        disk = ox.Store(tmp)
        disk.bulk_extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph()) for s, p, o in triples)
        disk.flush()
        result["oxigraph_load_s"] = time.perf_counter() - started
        rows = {}
        for name, query in QUERIES.items():
            started = time.perf_counter()
            a = len(list(memory.query(prologue + query)))
            middle = time.perf_counter()
            b = len(list(disk.query(prologue + query)))
            rows[name] = {"rdflib_s": middle - started, "oxigraph_s": time.perf_counter() - middle,
                          "rows": a, "same_rows": a == b}
        del disk
    result["queries"] = rows
    return result


def profile(folder: str, data_dir: str) -> dict:
    """Run the staged build of ``folder`` under cProfile; return where its CPU goes, by package and by function."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    staged_build(folder, data_dir)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    packages: dict[str, float] = defaultdict(float)
    functions = []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.items():
        packages[package_of(filename, name)] += own
        functions.append({"function": f"{short_path(filename)}:{line}({name})", "calls": calls,
                          "own_s": own, "cumulative_s": cumulative})
    functions.sort(key=lambda f: -f["own_s"])
    return {"total_s": sum(packages.values()), "packages": dict(sorted(packages.items(), key=lambda kv: -kv[1])),
            "functions": functions[:25]}


#: Native code reached from Python, named by the built-in function cProfile sees.
NATIVE = (("pyoxigraph", "Oxigraph (Rust: parse, load, query)"), ("rjieba", "rjieba (Rust segmenter)"),
          ("zlib", "zlib"), ("sqlite3", "SQLite"), ("json", "json"), ("pickle", "pickle"), ("marshal", "marshal"))


def package_of(filename: str, name: str) -> str:
    """Return the package a profiled function belongs to: ours by layer, a library, or native code."""
    if filename == "~":
        for needle, label in NATIVE:
            if needle in name:
                return label
        return "other built-ins (str, dict, re …)"
    path = Path(filename)
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if ROOT in path.parents:
        return f"plangraph {path.relative_to(ROOT).parts[0]}/"
    return "other Python (stdlib)"


def short_path(filename: str) -> str:
    """Return a profiled file name relative to the checkout or site-packages."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1]
    path = Path(filename)
    return str(path.relative_to(ROOT)) if ROOT in path.parents else path.name


def main(argv: list[str]) -> None:
    """Run one named function and print its result as JSON."""
    funcs = {"staged": staged_build, "real": real_build, "segmenters": segmenters, "stores": stores,
             "profile": profile}
    print(json.dumps(funcs[argv[0]](*argv[1:]), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
