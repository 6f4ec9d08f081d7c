"""Precision and recall of target and entity extraction against the hand-marked gold fixtures.

Run ``python tests/gold_report.py`` for a per-document report; the tests in
test_targets.py / test_entities.py call :func:`score_targets` and
:func:`score_entities` to keep the figures from falling.
"""

from __future__ import annotations

import json
import sys
import tempfile
from functools import cache
from pathlib import Path

from ingest.pipeline import parse_file

HERE = Path(__file__).resolve().parent
ROOTS = {"corpus": HERE.parent / "corpus", "holdout": HERE.parent.parent / "shared" / "holdout",
         "scale": HERE.parent.parent / "shared" / "scale"}


def resolve(name: str) -> Path:
    """Return the file a gold key (corpus/x.txt, holdout/y.txt) names."""
    root, _, rest = name.partition("/")
    return ROOTS[root] / rest


@cache
def plan_for(name: str, limit: int = 0):
    """Parse a gold document once; with ``limit``, only its first ``limit`` characters."""
    if not limit:
        return parse_file(resolve(name))
    text = resolve(name).read_text(encoding="utf-8")[:limit]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(name).name
        path.write_text(text, encoding="utf-8")
        return parse_file(path)


def _norm(text: str) -> str:
    """Drop quotes and spaces and unify full-width signs."""
    return "".join(c for c in (text or "") if c not in " “”\"‘’《》").replace("％", "%").replace("＋", "+")


def _target_match(gold: dict, pred) -> bool:
    """Tell whether a predicted target states the gold one (value, unit, indicator)."""
    if pred.value is None or abs(pred.value - gold["value"]) > 1e-6 or _norm(pred.unit) != _norm(gold["unit"]):
        return False
    ind, phrase, key = _norm(pred.indicator), _norm(gold["phrase"]), _norm(gold.get("key") or gold["phrase"])
    return key in ind or (len(ind) >= max(2, len(phrase) // 2) and ind in phrase)


def _pair(golds: list, preds: list, match) -> list[tuple]:
    """Pair gold items with predictions one to one, greedily in order."""
    used, pairs = set(), []
    for g in golds:
        k = next((k for k, p in enumerate(preds) if k not in used and match(g, p)), None)
        if k is not None:
            used.add(k)
            pairs.append((g, preds[k]))
    return pairs


def score_targets(path: Path = HERE / "gold_targets.json", verbose: bool = False) -> dict:
    """Return {doc: (matched, gold, predicted, right_year)} and a total row."""
    out, tot = {}, [0, 0, 0, 0]
    for name, golds in json.loads(path.read_text(encoding="utf-8"))["docs"].items():
        preds = [t for t in plan_for(name).targets if t.status == "target"]
        pairs = _pair(golds, preds, _target_match)
        years = sum(g.get("year") == p.year for g, p in pairs)
        row = (len(pairs), len(golds), len(preds), years)
        out[name] = row
        tot = [a + b for a, b in zip(tot, row)]
        if verbose:
            hit = {id(g) for g, _ in pairs}
            got = {id(p) for _, p in pairs}
            for g in golds:
                if id(g) not in hit:
                    print(f"  MISS {name} {g['phrase']} = {g['value']}{g['unit']}")
            for p in preds:
                if id(p) not in got:
                    print(f"  EXTRA {name} {p.indicator} = {p.value}{p.unit} | {p.text[:40]}")
            for g, p in pairs:
                if g.get("year") != p.year:
                    print(f"  YEAR {name} {g['phrase']} gold {g.get('year')} got {p.year}")
    out["total"] = tuple(tot)
    return out


def _contains(gold: tuple, pred: tuple) -> bool:
    """Tell whether a predicted label states a gold one as the evaluation does (same type, contains it, <= 8 longer)."""
    return gold[0] == pred[0] and gold[1] in pred[1] and len(pred[1]) <= len(gold[1]) + 8


def score_entities(path: Path = HERE / "gold_entities.json", verbose: bool = False, section: str = "docs",
                   lenient: bool = False) -> dict:
    """Return {doc: (matched, gold, predicted)} for the types marked in the gold, and a total row.

    Strict matching wants the same type and label; ``lenient`` matching is the evaluation's rule
    (a gold label contained in a predicted label of the same type, at most 8 characters longer); a
    prediction counts as right when it states some gold label, and several may state the same one.
    """
    out, tot = {}, [0, 0, 0, 0]
    for name, gold in json.loads(path.read_text(encoding="utf-8")).get(section, {}).items():
        gold = dict(gold)
        limit = gold.pop("limit", 0)
        preds = [(e.type, _norm(e.label)) for e in plan_for(name, limit).entities]
        golds = [(t, _norm(lab)) for t, labels in gold.items() for lab in labels]
        match = _contains if lenient else (lambda g, p: g == p)
        hit = {g for g in golds if any(match(g, p) for p in preds)}
        got = {p for p in preds if any(match(g, p) for g in golds)}
        row = (len(hit), len(golds), len(preds), sum(p in got for p in preds))
        out[name] = row
        tot = [a + b for a, b in zip(tot, row)]
        if verbose:
            print(f"  MISS {name}: " + " ".join(f"{t[0]}:{lab}" for t, lab in golds if (t, lab) not in hit))
            print(f"  EXTRA {name}: " + " ".join(f"{t[0]}:{lab}" for t, lab in preds if (t, lab) not in got))
    out["total"] = tuple(tot)
    return out


def _tree_projects(node: dict) -> list[str]:
    """Return the labels of the project nodes of a trace tree."""
    own = [node["label"]] if node["kind"] == "project" else []
    return own + [lab for child in node.get("children", []) for lab in _tree_projects(child)]


def score_trace(path: Path = HERE / "gold_trace.json", verbose: bool = False) -> dict:
    """Return {goal: (found, expected)} for the projects expected under each goal's trace, and a total row.

    The two corpus plans are built into a graph in a temporary directory; an expected project is found
    when one of its alternatives is contained in a project label of the goal's tree (the evaluation's rule).
    """
    import graph

    cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
    plans = [plan_for(f"corpus/{p.name}") for p in sorted(ROOTS["corpus"].glob("*.txt"))]
    out, tot = {}, [0, 0]
    with tempfile.TemporaryDirectory() as tmp:
        graph.build_store(plans, Path(tmp) / "graph")
        store = graph.open_store(Path(tmp) / "graph")
        try:
            for case in cases:
                labels = [_norm(lab) for lab in _tree_projects(graph.trace(store, case["goal"], case["plan"])["tree"])]
                hit = [alts for alts in case["projects"] if any(_norm(a) in lab for a in alts for lab in labels)]
                row = (len(hit), len(case["projects"]))
                out[f"{case['plan']} {case['goal']}"] = row
                tot = [a + b for a, b in zip(tot, row)]
                if verbose:
                    miss = [alts[0] for alts in case["projects"] if alts not in hit]
                    print(f"  {case['plan']} {case['goal']}: MISS {' '.join(miss)} | GOT {' '.join(labels)}")
        finally:
            store.close()
    out["total"] = tuple(tot)
    return out


def _print_entities(title: str, table: dict) -> None:
    """Print entity precision/recall rows (recall over gold labels, precision over predictions)."""
    print(title)
    for name, (hit, g, p, right) in table.items():
        print(f"  {name:70} P {right}/{p} = {right / max(p, 1):.2f}  R {hit}/{g} = {hit / max(g, 1):.2f}")


def _print(title: str, table: dict) -> None:
    """Print precision/recall rows."""
    print(title)
    for name, (m, g, p, *rest) in table.items():
        extra = f" year {rest[0]}/{m}" if rest else ""
        print(f"  {name:70} P {m}/{p} = {m / max(p, 1):.2f}  R {m}/{g} = {m / max(g, 1):.2f}{extra}")


if __name__ == "__main__":
    verbose = "-v" in sys.argv
    _print("targets", score_targets(verbose=verbose))
    blind = "--blind" in sys.argv
    section = "blind" if blind else "docs"
    _print_entities("entities (exact)", score_entities(verbose=verbose, section=section))
    _print_entities("entities (evaluation rule)", score_entities(verbose=verbose, section=section, lenient=True))
    print("trace projects (recall)")
    for goal, (hit, total) in score_trace(verbose=verbose).items():
        print(f"  {goal:40} R {hit}/{total} = {hit / max(total, 1):.2f}")
