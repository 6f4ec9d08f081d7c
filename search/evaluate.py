"""Score a searcher against judged queries: recall@k and mean reciprocal rank (as the shared scorer does)."""

from __future__ import annotations


def hit_text(hit: dict) -> str:
    """Return the text a judgement is checked against: title, path and text."""
    return " ".join([hit.get("title") or "", " ".join(hit.get("path") or []), hit.get("text") or ""])


def rank_of(hits: list[dict], expect: dict) -> int | None:
    """Return the 1-based rank of the first hit meeting ``expect`` ({"plan", "any"}), or None."""
    for i, hit in enumerate(hits, 1):
        if expect["plan"] in hit.get("plan", "") and len(hit.get("text") or "") <= 800 \
                and any(p in hit_text(hit) for p in expect["any"]):
            return i
    return None


def evaluate(searcher, cases: list[dict], k: int = 10) -> dict:
    """Return {"recall", "mrr", "misses": [...], "ranks": [...]} of ``cases`` on ``searcher``."""
    ranks, misses = [], []
    for case in cases:
        hits = searcher.search(case["q"], limit=k)["hits"]
        for expect in case["expect"]:
            rank = rank_of(hits, expect)
            ranks.append(rank)
            if rank is None:
                misses.append(f"{case['q']} → {expect['plan']} {expect['any'][0]}")
    found = [r for r in ranks if r]
    return {"recall": len(found) / max(len(ranks), 1), "mrr": sum(1 / r for r in found) / max(len(ranks), 1),
            "misses": misses, "ranks": ranks}
