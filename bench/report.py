"""Render the benchmark's results (the dict bench/run.py collects) as bench/RESULTS.md."""

from __future__ import annotations

from pathlib import Path

STAGES = ("load", "parse", "segment", "extract", "graph", "index")
STAGE_NOTES = {
    "load": "segmenter dictionary, POS table and theme thesaurus (once per process)",
    "parse": "read + clean + outline + tables",
    "segment": "jieba/rjieba words of each plan text",
    "extract": "targets + entities, without their segmentation",
    "graph": "graph.build_store (triples, similarity links, Oxigraph bulk load)",
    "index": "search.build_index (units, analysis, whoosh postings)",
}


def stage_seconds(times: dict[str, float]) -> dict[str, float]:
    """Fold the pipeline's stopwatch stages into the benchmark's six."""
    seg = times.get("segment", 0.0)
    return {
        "load": times.get("load", 0.0),
        "parse": times.get("read", 0.0) + times.get("outline", 0.0),
        "segment": seg,
        "extract": times.get("targets", 0.0) + times.get("entities", 0.0) - seg,
        "graph": times.get("graph", 0.0),
        "index": times.get("index", 0.0),
    }


def rate(chars: int, seconds: float) -> str:
    """Characters per second, rounded for reading."""
    return f"{chars / seconds:,.0f}" if seconds > 0 else "–"


def table(header: list[str], rows: list[list[object]]) -> list[str]:
    """Return a Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines + [""]


def builds(sizes: list[dict]) -> list[str]:
    """The per-size build table."""
    rows = []
    for s in sizes:
        cpu = stage_seconds(s["cpu"])
        work = sum(v for k, v in cpu.items() if k != "load")
        rows.append([s["plans"], f"{s['chars']:,}", f"{s['process']['wall']:.1f}", f"{s['process']['cpu']:.1f}",
                     rate(s["chars"], s["process"]["cpu"]), rate(s["chars"], work),
                     f"{s['process']['maxrss_mb']:.0f}", f"{s['process']['maxrss_mb'] / s['plans']:.1f}",
                     f"{s['bytes']['plans'] / 2**20:.1f} / {s['bytes']['graph'] / 2**20:.1f} / "
                     f"{s['bytes']['index'] / 2**20:.1f}", s["graph_meta"].get("triples", "")])
    return table(["plans", "chars", "wall s", "CPU s", "chars/s (CPU, whole process)", "chars/s (CPU, build work)",
                  "peak MB", "MB per plan", "disk MB plans / graph / index", "triples"], rows)


def stages(sizes: list[dict]) -> list[str]:
    """The per-size, per-stage table (CPU seconds and characters per CPU second)."""
    rows = []
    for s in sizes:
        cpu = stage_seconds(s["cpu"])
        rows.append([s["plans"], *(f"{cpu[k]:.2f} s ({rate(s['chars'], cpu[k])}/s)" if k != "load"
                                   else f"{cpu[k]:.2f} s" for k in STAGES)])
    return table(["plans", *STAGES], rows) + [f"- **{k}**: {v}" for k, v in STAGE_NOTES.items()] + [""]


def serving(sizes: list[dict]) -> list[str]:
    """Cold start and latency per size."""
    families = list(dict.fromkeys(f for s in sizes for f in s["latency"]))
    rows = []
    for s in sizes:
        cells = [f"{s['latency'][f]['p50']:.0f} / {s['latency'][f]['p95']:.0f}" if f in s["latency"] else "–"
                 for f in families]
        rows.append([s["plans"], f"{s['cold_start']:.1f}", f"{s.get('server_mb', 0):.0f}", *cells])
    first = [[s["plans"], *(f"{s['latency'][f]['first_max']:.0f}" if f in s["latency"] else "–" for f in families)]
             for s in sizes]
    return (table(["plans", "serve cold start s", "server peak MB", *(f"{f} p50 / p95 ms" for f in families)], rows)
            + ["Slowest first request per family (ms; caches per open build warm up on it):", ""]
            + table(["plans", *families], first)
            + ["Warm rounds stop after 40 s per family (the p50/p95 then come from fewer requests).", ""])


def compare(c: dict) -> list[str]:
    """The side-by-side choices."""
    out = [f"At {c['size']} plans.", ""]
    seg = c["segmenters"]
    j, r = seg["jieba"], seg["rjieba"]
    out += ["### jieba vs rjieba (same dictionary, same user words)", ""]
    out += table(["", "jieba s", "rjieba s", "ratio"], [
        ["load + user dictionary", f"{j['load_s']:.2f}", f"{r['load_s']:.2f}", f"{j['load_s'] / r['load_s']:.1f}×"],
        ["cut (accurate mode)", f"{j['cut_s']:.2f}", f"{r['cut_s']:.2f}", f"{j['cut_s'] / r['cut_s']:.1f}×"],
        ["cut for search", f"{j['search_s']:.2f}", f"{r['search_s']:.2f}", f"{j['search_s'] / r['search_s']:.1f}×"],
    ])
    out += [f"{seg['chars']:,} characters, {seg['tokens']:,} tokens; token-identical: accurate mode "
            f"**{seg['identical']}**, search mode **{seg['identical_search']}**.", ""]
    st = c["stores"]
    out += ["### rdflib memory store vs Oxigraph (on disk)", ""]
    rows = [["load", f"{st['rdflib_load_s']:.2f}", f"{st['oxigraph_load_s']:.2f}",
             f"{st['rdflib_load_s'] / st['oxigraph_load_s']:.1f}×", ""]]
    for name, q in st["queries"].items():
        rows.append([f"SPARQL: {name}", f"{q['rdflib_s']:.3f}", f"{q['oxigraph_s']:.3f}",
                     f"{q['rdflib_s'] / max(q['oxigraph_s'], 1e-6):.1f}×", f"{q['rows']} ({q['same_rows']})"])
    out += table(["", "rdflib s", "Oxigraph s", "ratio", "rows (same)"], rows)
    out += [f"{st['triples']:,} triples (made in {st['make_triples_s']:.1f} s).", ""]
    out += ["### Real builds (`web.build.build`): workers and segmenter", ""]
    rows = [[name, f"{b['wall']:.1f}", f"{b['process']['cpu']:.1f}", f"{b['process']['maxrss_mb']:.0f}",
             b["identical_to_staged"]] for name, b in c["builds"].items()]
    out += table(["build", "wall s", "CPU s (all processes)", "peak MB (parent)", "plans identical to one-core build"],
                 rows)
    base = c["builds"].get("rjieba, 2 workers")
    for name, b in c["builds"].items():
        if base and b is not base:
            out.append(f"- {name} / rjieba, 2 workers: {b['wall'] / base['wall']:.2f}× the wall time")
    out += ["", "### Incremental build (2 workers, per-plan caches of parse, triples, summary and analysis)", ""]
    rows = []
    for label, key in (("first build", None), ("nothing changed", "warm"), ("one plan changed", "one_changed")):
        run = c["builds"]["rjieba, 2 workers"] if key is None else c[key]
        rows.append([label, run["parsed"], run["cached"], f"{run['wall']:.1f}", f"{run['process']['cpu']:.1f}"])
    out += table(["rebuild", "plans parsed", "from cache", "wall s", "CPU s (all processes)"], rows)
    if c.get("profile"):
        out += profile(c["profile"], c["size"])
    return out


def profile(p: dict, size: int) -> list[str]:
    """Where the one-core build's CPU goes under cProfile: by package, then the costliest functions."""
    total = p["total_s"]
    out = [f"### Where the build's CPU goes (cProfile of the one-core build at {size} plans)", "",
           "Shares of own time (cProfile slows Python code more than native code, so Python shares read high).",
           ""]
    out += table(["package or native code", "share"],
                 [[name, f"{100 * s / total:.1f} %"] for name, s in p["packages"].items() if s / total >= 0.005])
    out += table(["function (own time)", "calls", "share own", "share cumulative"],
                 [[f"`{f['function']}`", f"{f['calls']:,}", f"{100 * f['own_s'] / total:.1f} %",
                   f"{100 * f['cumulative_s'] / total:.1f} %"] for f in p["functions"][:15]])
    return out


def render(report: dict) -> str:
    """Return the whole RESULTS.md."""
    m = report["machine"]
    cli = report["corpus_cli"]
    lines = [
        "# Benchmark results", "",
        f"Produced by `{report['command']}` ({report['seconds'] / 60:.1f} min) on {m['date']}: Python {m['python']}, "
        f"{m['cores']} cores, load average at start {m['load'][0]:.1f} (the machine is shared, so wall times "
        f"vary; CPU seconds are the steadier figure), segmenter {m['segmenter']}"
        f"{', commit ' + m['commit'] if m.get('commit') else ''}.", "",
        *([f"Served again at commit {report['sizes'][0]['served_at']}: the build figures are those of "
           f"`{report['built_by']}`, at commit {report['sizes'][0].get('commit', 'unrecorded')}; the serving "
           "figures are new.", ""] if report.get("built_by") else []),
        "Corpora are the 2 corpus plans, then the 8 holdout and 30 scale documents, linked again under new "
        "names as often as a size needs (400 = each of the 40 ten times).", "",
        "## Build (one core, every stage timed)", "",
        *builds(report["sizes"]),
        "## Build stages (CPU seconds, characters per CPU second)", "",
        *stages(report["sizes"]),
        "## Serving (HTTP to `plangraph serve` on loopback; warm rounds)", "",
        *serving(report["sizes"]),
        "## `plangraph build corpus` from a shell", "",
        *table(["run", "wall s", "CPU s"], [
            ["cold (empty data dir)", f"{cli['cold']['wall']:.2f}", f"{cli['cold']['cpu']:.2f}"],
            ["warm (plans cached)", f"{cli['warm']['wall']:.2f}", f"{cli['warm']['cpu']:.2f}"],
            ["`plangraph search 养老`", f"{cli['search']['wall']:.2f}", f"{cli['search']['cpu']:.2f}"],
        ]),
    ]
    if report.get("skipped"):
        lines += ["## Not run", ""]
        lines += [f"- {s['size']} plans: estimated {s['estimate_s'] / 60:.0f} min from the largest size run, "
                  f"{s['left_s'] / 60:.0f} min of the budget left." for s in report["skipped"]]
        lines.append("")
    if report.get("compare"):
        lines += ["## Side by side", "", *compare(report["compare"])]
    lines += companion_sections()
    return "\n".join(lines) + "\n"


#: Results of other benchmark commands, kept beside this file and shown in RESULTS.md under these headings.
COMPANIONS = (("RESULTS-load.md", "Load test (bench/load.py)"), ("RESULTS-4000.md", "4,000 plans (separate run)"))


def companion_sections() -> list[str]:
    """Return the other benchmark files' contents as sections, each with the command that produced it."""
    out = []
    for name, heading in COMPANIONS:
        path = Path(__file__).with_name(name)
        if path.exists():
            body = path.read_text(encoding="utf-8").splitlines()
            body = [("#" + line) if line.startswith("#") else line for line in body[1:]]
            out += [f"## {heading}", f"(from `bench/{name}`)", *body, ""]
    return out
