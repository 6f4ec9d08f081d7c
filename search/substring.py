"""Exact substring search beside the whoosh index: character pairs → units, checked against the unit's text.

Whoosh stores a posting per (term, unit) in pure Python; indexing every
character and character pair there made up two thirds of the build.  Here the
same question ("which units contain 充电 / 老 / 高质量发展 verbatim?") is
answered from a plain table: each character and each pair of adjacent
characters maps to the units holding it, and a longer needle is checked with
``in`` on the candidates of its rarest pairs.  Only characters of ``NGRAM_CHAR``
count, so ``TOD`` finds ``tod`` and a needle never spans punctuation.

>>> ix = SubstringIndex.from_texts(["建设充电桩。", "老年人", "充电"])
>>> ix.docs("充电"), ix.docs("充电桩"), ix.docs("老"), ix.docs("电桩建")
([0, 2], [0], [1], [])
"""

from __future__ import annotations

import marshal
import math
import mmap
import re
import threading
from array import array
from collections import Counter
from itertools import chain
from operator import add
from pathlib import Path

from whoosh.matching import ListMatcher, NullMatcher
from whoosh.query import Query

from search.analysis import NGRAM_CHAR, ngrams
from search.schema import BOOSTS

FILE = "substrings.bin"
RUN = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]+")
#: BM25 parameters, as whoosh's default weighting uses them, and the weight of a substring match
#: (whoosh multiplies a term's frequency by its field's boost).
K1, B = 1.2, 0.75
FIELD_BOOST = BOOSTS["ngram"]
#: Needles whose matches are remembered per index (broad queries repeat their words).
CACHE_SIZE = 2048
#: The first bytes of a saved table, and the texts written per chunk of it.
MAGIC = b"plangraph-substrings-2\n"
TEXT_CHUNK = 4096


def fold(text: str) -> str:
    """Return the searchable form of ``text``: lower case."""
    return text.lower()


def needle(text: str) -> str:
    """Return the characters of ``text`` a substring search looks for (letters, digits, CJK; lower case).

    >>> needle("高质量 发展"), needle("TOD!")
    ('高质量发展', 'tod')
    """
    return "".join(c for c in text.lower() if NGRAM_CHAR.match(c))


class SubstringIndex:
    """Units by character and character pair, with their folded texts to check longer needles."""

    def __init__(self, postings: dict[str, array], texts: list[str], lookup: dict[str, int] | None = None,
                 starts: array | None = None, data: bytes = b""):
        self.postings = postings
        self.texts = texts
        self.lookup = lookup or {}  # as loaded: gram -> its number; its units are data[starts[i]:starts[i + 1]]
        self.starts = starts if starts is not None else array("Q", [0])
        self.data = memoryview(data)
        self.avg_len = sum(map(len, texts)) / max(len(texts), 1)
        self._cache: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_texts(cls, texts: list[str]) -> SubstringIndex:
        """Build the table of ``texts`` (one per unit, in document-number order)."""
        table = SubstringTable()
        table.add(texts)
        return table.index()

    def save(self, path: Path) -> None:
        """Write the table into the index directory ``path``, a posting and a chunk of texts at a time.

        Layout: ``MAGIC``, the header's length (8 bytes), the header (the grams and where each one's units
        end), every posting as 4-byte unit numbers one after the other, then the texts in chunks
        (each after its length).
        Nothing is copied whole, so saving needs little memory beyond the table itself.
        """
        grams = list(self.postings)
        ends = array("Q")
        total = 0
        for g in grams:
            total += len(self.postings[g])
            ends.append(total)
        header = marshal.dumps({"version": 2, "grams": grams, "ends": ends.tobytes()})
        with open(Path(path) / FILE, "wb") as f:
            f.write(MAGIC)
            f.write(len(header).to_bytes(8, "little"))
            f.write(header)
            for g in grams:
                f.write(self.postings[g])
            for i in range(0, len(self.texts), TEXT_CHUNK):
                chunk = marshal.dumps(self.texts[i:i + TEXT_CHUNK])
                f.write(len(chunk).to_bytes(8, "little"))
                f.write(chunk)

    @classmethod
    def load(cls, path: Path) -> SubstringIndex:
        """Read the table written by ``save``: the texts into memory, the postings memory-mapped (each is decoded
        on first use)."""
        with open(Path(path) / FILE, "rb") as f:
            if f.read(len(MAGIC)) != MAGIC:  # written before the chunked layout: one marshalled dict
                f.seek(0)
                return cls.load_whole(marshal.loads(f.read()))
            header = marshal.loads(f.read(int.from_bytes(f.read(8), "little")))
            ends = array("Q")
            ends.frombytes(header["ends"])
            start, size = f.tell(), 4 * (ends[-1] if ends else 0)
            data = memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))[start:start + size] if size else b""
            f.seek(start + size)
            texts: list[str] = []
            while size := f.read(8):
                texts += marshal.loads(f.read(int.from_bytes(size, "little")))
        grams = header["grams"]
        starts = array("Q", [0])
        starts.extend(ends)
        return cls({}, texts, {g: i for i, g in enumerate(grams)}, starts, data)

    @classmethod
    def load_whole(cls, data: dict) -> SubstringIndex:
        """Return the table of an index saved as one marshalled dict of postings and texts."""
        postings = {}
        for gram, raw in data["postings"].items():
            postings[gram] = arr = array("I")
            arr.frombytes(raw)
        return cls(postings, data["texts"])

    def posting(self, gram: str) -> array:
        """Return the units holding ``gram`` (a character or a pair)."""
        found = self.postings.get(gram)
        if found is None:
            i = self.lookup.get(gram)
            found = array("I")
            if i is not None:  # decoded on first use: loading stays fast
                found.frombytes(self.data[4 * self.starts[i]:4 * self.starts[i + 1]])
                self.postings[gram] = found
        return found

    def docs(self, text: str) -> list[int]:
        """Return the units containing ``text`` verbatim (its letters, digits and CJK characters), in order."""
        key = needle(text)
        found = self._cache.get(key)
        if found is None:
            found = self._find(key)
            with self._lock:
                if len(self._cache) >= CACHE_SIZE:
                    self._cache.clear()
                self._cache[key] = found
        return found

    def _find(self, key: str) -> list[int]:
        """Look ``key`` up: one posting for a character or pair, candidates checked with ``in`` otherwise."""
        grams = ngrams(key)
        if not grams:
            return []
        if len(grams) == 1:
            return list(self.posting(grams[0]))
        lists = sorted((self.posting(g) for g in set(grams)), key=len)
        candidates = set(lists[0]).intersection(lists[1]) if len(lists) > 1 else lists[0]
        texts = self.texts
        return sorted(d for d in candidates if key in texts[d])

    def with_pairs(self, text: str, minmatch: int) -> dict[int, int]:
        """Return the units holding at least ``minmatch`` of the distinct character pairs of ``text``, with how many."""
        counts: Counter[int] = Counter()
        for gram in set(ngrams(needle(text))):
            counts.update(self.posting(gram))
        return {d: n for d, n in sorted(counts.items()) if n >= minmatch}

    def scores(self, text: str, docs: list[int], boost: float) -> list[float]:
        """Return a score per unit of ``docs`` for the needle ``text``: BM25 of each of its pairs, summed.

        This is how whoosh scored a phrase over an n-gram field, so rankings stay as they were:
        a unit that says 食品 and 安全 often ranks above one that only names 食品安全 once.
        """
        grams = ngrams(needle(text))
        n = len(self.texts)
        idfs = [math.log(n / (len(self.posting(g)) + 1)) + 1.0 for g in grams]
        texts, avg = self.texts, self.avg_len or 1.0
        out = []
        for d in docs:
            t = texts[d]
            norm = K1 * (1 - B + B * len(t) / avg)
            total = 0.0
            for g, idf in zip(grams, idfs):
                tf = t.count(g) * FIELD_BOOST
                total += idf * tf * (K1 + 1) / (tf + norm)
            out.append(boost * total)
        return out


class SubstringTable:
    """A substring table built a plan at a time: ``add`` each plan's texts (or their ``add_grams``), then ``index``."""

    def __init__(self):
        self.postings: dict[str, array] = {}
        self.texts: list[str] = []

    def add(self, texts: list[str]) -> None:
        """Add the texts of the next units (numbered after those already added)."""
        self.add_grams(texts, *grams_of(texts))

    def add_grams(self, texts: list[str], grams: list[str], counts: array, docs: array) -> None:
        """Add the texts of the next units with their grams as ``grams_of`` gives them (so they can be kept)."""
        postings = self.postings
        base = len(self.texts)
        at = 0
        for gram, n in zip(grams, counts):
            end = at + n
            arr = postings.get(gram)
            if arr is None:
                arr = postings[gram] = array("I")
            arr.extend(map(base.__add__, docs[at:end]))
            at = end
        self.texts += [fold(t) for t in texts]

    def index(self) -> SubstringIndex:
        """Return the table of every text added."""
        return SubstringIndex(self.postings, self.texts)


def grams_of(texts: list[str]) -> tuple[list[str], array, array]:
    """Return the characters and pairs of ``texts`` with the texts holding each: grams, counts, then the texts in a row.

    >>> grams, counts, docs = grams_of(["充电", "电桩"])
    >>> {g: list(docs[sum(counts[:i]):sum(counts[:i + 1])]) for i, g in enumerate(grams)}["电"]
    [0, 1]
    """
    postings: dict[str, list[int]] = {}
    for doc, text in enumerate(texts):
        grams: set[str] = set()
        for run in RUN.findall(fold(text)):
            grams.update(run)
            grams.update(map(add, run, run[1:]))  # the pairs, made in C
        for gram in grams:
            found = postings.get(gram)
            if found is None:
                postings[gram] = [doc]
            else:
                found.append(doc)
    lists = postings.values()
    return list(postings), array("I", map(len, lists)), array("I", chain.from_iterable(lists))


class Substring(Query):
    """A whoosh query matching the units that contain a text verbatim, scored like a term."""

    def __init__(self, index: SubstringIndex, text: str, boost: float = 1.0, minmatch: int = 0):
        self.index = index
        self.text = text
        self.boost = boost
        self.minmatch = minmatch

    def __eq__(self, other):
        return (type(other) is type(self) and other.index is self.index and other.text == self.text
                and other.boost == self.boost and other.minmatch == self.minmatch)

    def __hash__(self):
        return hash((self.text, self.boost, self.minmatch))

    def __str__(self):
        return f"ngram:{'~' if self.minmatch else ''}\"{self.text}\"" + (f"^{self.boost:g}" if self.boost != 1 else "")

    __unicode__ = __str__

    def __repr__(self):
        return f"Substring({self.text!r}, boost={self.boost!r}, minmatch={self.minmatch!r})"

    def field(self):
        return "ngram"

    def _ids(self) -> list[int]:
        if self.minmatch:
            return list(self.index.with_pairs(self.text, self.minmatch))
        return self.index.docs(self.text)

    def estimate_size(self, ixreader) -> int:
        return len(self._ids())

    def docs(self, searcher):
        return iter(self._ids())

    def matcher(self, searcher, context=None):
        if self.minmatch:  # a relaxed match weighs by the share of the pairs it holds
            found = self.index.with_pairs(self.text, self.minmatch)
            total = max(1, len(set(ngrams(needle(self.text)))))
            ids, weights = list(found), [self.boost * n / total for n in found.values()]
        else:
            ids = self.index.docs(self.text)
            weights = self.index.scores(self.text, ids, self.boost)
        if not ids:
            return NullMatcher()
        return ListMatcher(ids, weights, term=("ngram", self.text))
