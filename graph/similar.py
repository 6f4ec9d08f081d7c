"""Similar items across plans: TF-IDF cosine over jieba words, near-linear in time and memory.

Items arrive one plan at a time and are kept compact: each word becomes an
integer id, and an item keeps only its distinct word ids and their counts in
arrays (a few bytes a word instead of a string reference and a dict entry).
Candidates come from an inverted index capped per word: each item probes only
its ``probe`` heaviest words, and each word only the ``fanout`` items where it
weighs most, so the work per item is bounded whatever the number of plans.
Words in more than a twentieth of all items are too common to tell items apart
and are left out.

>>> sim = Similarity()
>>> sim.add("a", "p1", ["城市", "更新", "行动", "老旧", "小区", "改造"])
>>> sim.add("b", "p2", ["老旧", "小区", "改造", "加装", "电梯"])
>>> sim.add("c", "p2", ["发展", "数字", "经济"])
>>> sim.add("d", "p3", ["培育", "数字", "经济", "产业"])
>>> [(m.target, m.score, m.evidence) for m in sim.matches()]
[(('c', 'd'), 0.258, '共同词: 数字、经济'), (('d', 'c'), 0.258, '共同词: 数字、经济')]
"""

from __future__ import annotations

import heapq
import math
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from graph.links import Match

NUMBER = re.compile(r"[\d.%％\s]+")


def keep(word: str) -> bool:
    """Keep words of two or more characters that are not numbers."""
    return len(word) >= 2 and not NUMBER.fullmatch(word)


class Similarity:
    """Items added one at a time (key, group, words); ``matches`` links each to similar items of other groups."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}  # word → id, or -1 for a word never kept
        self.words: list[str] = []
        self.keys: list[object] = []
        self.groups = array("i")
        self.group_ids: dict[str, int] = {}
        self.starts = array("q", [0])
        self.terms = array("i")  # distinct word ids of every item, in order of first use, item after item
        self.counts = array("d")  # how often each word occurs in its item; turned into unit TF-IDF weights

    def __len__(self) -> int:
        return len(self.keys)

    def _id(self, word: str) -> int:
        found = self.ids.get(word)
        if found is None:
            found = self.ids[word] = len(self.words) if keep(word) else -1
            if found >= 0:
                self.words.append(word)
        return found

    def add(self, key: object, group: str, words: Iterable[str]) -> None:
        """Add an item: its key, its group (items of one group are never linked) and its words."""
        ids = self.ids
        counts = Counter(i for i in (ids[w] if w in ids else self._id(w) for w in words) if i >= 0)
        self.keys.append(key)
        self.groups.append(self.group_ids.setdefault(group, len(self.group_ids)))
        self.terms.extend(counts.keys())
        self.counts.extend(counts.values())
        self.starts.append(len(self.terms))

    def _weigh(self) -> None:
        """Turn counts into unit TF-IDF weights; words too common or in no other item get no weight (-1 id)."""
        n = len(self.keys)
        df = Counter(self.terms)
        limit = max(2, n // 20)
        idf = {t: math.log(n / c) for t, c in df.items() if c <= limit}
        terms, weights = self.terms, self.counts
        for i in range(n):
            lo, hi = self.starts[i], self.starts[i + 1]
            vec = [((1 + math.log(weights[k])) * idf[terms[k]]) if terms[k] in idf else None for k in range(lo, hi)]
            norm = math.sqrt(sum(v * v for v in vec if v is not None)) or 1.0
            for k, v in zip(range(lo, hi), vec, strict=True):
                if v is None:
                    terms[k] = -1
                else:
                    weights[k] = v / norm

    def _postings(self, fanout: int) -> dict[int, list[tuple[int, int, float]]]:
        """Return word id → the (item, group, weight) of the ``fanout`` items where it weighs most
        (heaviest first, earlier items first on ties), or of all its items in order when they are fewer."""
        terms, weights, starts, groups = self.terms, self.counts, self.starts, self.groups
        df = Counter(terms)
        out: dict[int, list] = {t: [] for t in df if t >= 0}
        heaps: dict[int, list[tuple[float, int]]] = {t: out.pop(t) for t, c in df.items() if c > fanout and t >= 0}
        for i in range(len(self.keys)):
            g = groups[i]
            for t, w in zip(terms[starts[i]:starts[i + 1]], weights[starts[i]:starts[i + 1]]):  # noqa: B905
                found = out.get(t)
                if found is not None:
                    found.append((i, g, w))
                elif t >= 0:
                    heap = heaps[t]
                    if len(heap) < fanout:
                        heapq.heappush(heap, (w, -i))
                    else:  # drop the lightest, the later item on ties
                        heapq.heappushpop(heap, (w, -i))
        for t, heap in heaps.items():
            out[t] = [(-j, groups[-j], w) for w, j in sorted(heap, reverse=True)]
        return out

    def _vector(self, i: int) -> dict[int, float]:
        """Return word id → weight of item ``i`` (words without weight dropped)."""
        lo, hi = self.starts[i], self.starts[i + 1]
        vec = dict(zip(self.terms[lo:hi], self.counts[lo:hi]))  # noqa: B905 (slices of one length)
        vec.pop(-1, None)
        return vec

    def matches(self, top: int = 3, min_score: float = 0.25, probe: int = 8, fanout: int = 50) -> Iterator[Match]:
        """Yield, for each item, its ``top`` most similar items of other groups scoring at least ``min_score``."""
        self._weigh()
        weighted = self._postings(fanout)
        words, terms, weights, starts = self.words, self.terms, self.counts, self.starts
        for i in range(len(self.keys)):
            vec = self._vector(i)
            scores: dict[int, float] = defaultdict(float)
            group = self.groups[i]
            for t, weight in heapq.nsmallest(probe, vec.items(), key=lambda kv: -kv[1]):
                for j, other, wj in weighted[t]:
                    if other != group:
                        scores[j] += weight * wj
            # Probe scores are partial; rank by them, then report the full cosine over the shared words.
            full = []
            for j in heapq.nsmallest(top * 3, scores, key=lambda j: -scores[j]):
                lo, hi = starts[j], starts[j + 1]
                shared = [(vec[t] * w, t) for t, w in zip(terms[lo:hi], weights[lo:hi]) if t in vec]  # noqa: B905
                full.append((sum([p for p, _ in shared]), j, shared))
            best = sorted((x for x in full if x[0] >= min_score), key=lambda x: (x[0], x[1]), reverse=True)[:top]
            for s, j, shared in best:
                evidence = sorted(shared, key=lambda pt: (-pt[0], words[pt[1]]))[:5]
                yield Match((self.keys[i], self.keys[j]), round(s, 3),
                            "共同词: " + "、".join(words[t] for _, t in evidence))
