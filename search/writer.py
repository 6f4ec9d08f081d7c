"""Write the whoosh segment of many plans straight through whoosh's codec, one plan's analysis at a time.

``IndexWriter.add_document`` passes every token through whoosh's analysis
pipeline, every posting through an external sort pool, and every posting again
through a length lookup and ``add_posting``: four fifths of the build.  Here a
plan is analysed once into plain dicts (``analyse``: its whoosh documents, the
length of each word field and, per field and term, the units holding it with
weight and encoded value, exactly as whoosh's ``Format.word_values`` makes them),
and ``SegmentBuilder`` writes those through the same codec objects whoosh uses,
whole posting blocks at a time.  The index reads back exactly as
``add_document``'s (terms, postings, term statistics, lengths, columns and stored
fields: ``tests/test_index_build.py`` compares them); only equal position values
are one object here, which pickle writes once per block (postings ~9% smaller).

A plan's analysis does not depend on the thesaurus (themes are added when the
plan is written), so ``RunCache`` keeps it on disk keyed by the plan's key and
this code's version: a rebuild after one plan changed analyses only that plan.
Postings of many plans are held in memory up to ``SPILL`` postings, then written
to a sorted run file and merged at the end, so their memory stays flat.
"""

from __future__ import annotations

import hashlib
import heapq
import marshal
import os
import tempfile
import zlib
from array import array
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path

from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte

from search.analysis import ChineseTokenizer, analysed
from search.postings import PostingsWriter
from search.substring import grams_of
from search.units import Tagger, plan_units, themes_of

#: Postings held in memory (about 20 bytes each) before they are written to a sorted run file.
SPILL = 6_000_000
#: Terms per marshalled chunk of a run file.
CHUNK = 2048
#: The source files whose code decides a plan's analysis; their digest is the cache's version.
SOURCES = ("analysis.py", "units.py", "writer.py", "schema.py")

#: One field's postings: term bytes -> (unit numbers, weights, encoded values), compact while held.
Postings = dict[bytes, tuple[array, array, list[bytes]]]
#: The layout of a cached run (``Run.dumps``).
FORMAT = 3


def document(unit: dict) -> dict:
    """Return the whoosh document of one unit (its themes are added when it is written)."""
    return {
        "id": unit["id"], "node_id": unit["node_id"], "group": unit["group"].encode(), "rank": unit["rank"],
        "plan_id": unit["plan_id"], "plan": unit["plan"], "kind": unit["kind"], "chapter": unit["chapter"].encode(),
        "number": unit["number"], "entity_type": unit.get("entity_type", ""),
        "path_data": unit["path"], "text": unit["text"], "title": unit["title"],
        "body": unit["text"], "path": " ".join(unit["path"]),
    }


def with_themes(doc: dict, themes: list[dict]) -> dict:
    """Return ``doc`` with the theme fields of ``themes``."""
    ids = ",".join(t["id"] for t in themes)
    return {**doc, "themes": ids, "theme_list": ids.encode(), "theme_data": themes}


def substring_text(unit: dict) -> str:
    """Return the text of a unit that exact substrings are searched in: its title and its text."""
    return unit["text"] if unit["text"].startswith(unit["title"]) else f"{unit['title']}\n{unit['text']}"


def fast_fields(schema) -> dict[str, tuple[bool, bool, float]]:
    """Return the word fields analysed here: name -> (with sub-words, with positions, the format's boost)."""
    out = {}
    for name, field in schema.items():
        fmt = type(field.format).__name__ if field.format else ""
        if isinstance(field.analyzer, ChineseTokenizer) and fmt in ("Positions", "Frequency"):
            out[name] = (field.analyzer.subwords, fmt == "Positions", field.format.field_boost)
    return out


class Packed(dict):
    """Frequencies -> the value ``Frequency.word_values`` encodes for them, made once each."""

    def __missing__(self, n: int) -> bytes:
        self[n] = value = pack_uint(n)
        return value


class Run:
    """One plan's analysis: its documents (without themes), word-field lengths, postings and substring texts.

    Postings are flat, per field: the terms, how many units hold each, then those units (local
    numbers), the word's frequency in each and, for fields with positions, the encoded positions.
    """

    def __init__(self, plan_id: str, title: str, docs: list[dict], texts: list[str], theme_texts: list[str],
                 lengths: dict[str, array], postings: dict[str, tuple], grams: tuple[list[str], array, array]):
        self.plan_id, self.title = plan_id, title
        self.docs, self.texts, self.theme_texts = docs, texts, theme_texts
        self.lengths, self.postings, self.grams = lengths, postings, grams

    def dumps(self) -> bytes:
        """Return the run as bytes (``marshal``: plain data only; compressed, as it is a quarter the size)."""
        lengths = {name: a.tobytes() for name, a in self.lengths.items()}
        postings = {name: (terms, counts.tobytes(), docs.tobytes(), freqs.tobytes(), values)
                    for name, (terms, counts, docs, freqs, values) in self.postings.items()}
        grams, counts, docs = self.grams
        return zlib.compress(marshal.dumps((FORMAT, self.plan_id, self.title, self.docs, self.texts,
                                            self.theme_texts, lengths, postings,
                                            (grams, counts.tobytes(), docs.tobytes()))), 1)

    @classmethod
    def loads(cls, data: bytes) -> Run:
        """Return the run ``dumps`` wrote."""
        fmt, plan_id, title, docs, texts, theme_texts, lengths, postings, grams = marshal.loads(zlib.decompress(data))
        if fmt != FORMAT:
            raise ValueError(f"run format {fmt!r}")
        return cls(plan_id, title, docs, texts, theme_texts,
                   {name: uints(raw) for name, raw in lengths.items()},
                   {name: (terms, uints(counts), uints(docs), uints(freqs), values)
                    for name, (terms, counts, docs, freqs, values) in postings.items()},
                   (grams[0], uints(grams[1]), uints(grams[2])))


def uints(raw: bytes) -> array:
    """Return an array of unsigned ints from its bytes."""
    out = array("I")
    out.frombytes(raw)
    return out


def floats(raw: bytes) -> array:
    """Return an array of doubles from its bytes."""
    out = array("d")
    out.frombytes(raw)
    return out


def analyse(plan, schema) -> Run:
    """Analyse one plan into its documents and the postings of its word fields (local unit numbers)."""
    fields = fast_fields(schema)
    units = plan_units(plan, None)
    docs = [document(u) for u in units]
    lengths = {name: array("I") for name in fields}
    postings = {}
    for name, (subwords, positions, _boost) in fields.items():
        encode, encoded = getattr(schema[name].format, "encode", None), {}
        table: dict[str, tuple[list, list, list]] = {}
        for d, doc in enumerate(docs):
            poses: dict[str, list[int]] = {}
            for text, pos, _start, _end in analysed(doc[name], subwords):
                found = poses.get(text)
                if found is None:
                    poses[text] = [pos]
                else:
                    found.append(pos)
            length = 0
            for word, where in poses.items():
                n = len(where)
                length += n
                entry = table.get(word)
                if entry is None:
                    entry = table[word] = ([], [], [])
                entry[0].append(d)
                entry[1].append(n)
                if positions:
                    key = tuple(where)
                    value = encoded.get(key)
                    if value is None:
                        value = encoded[key] = encode(where)
                    entry[2].append(value)
            lengths[name].append(length)
        entries = table.values()
        postings[name] = ([w.encode("utf-8") for w in table], array("I", (len(e[0]) for e in entries)),
                          array("I", chain.from_iterable(e[0] for e in entries)),
                          array("I", chain.from_iterable(e[1] for e in entries)),
                          list(chain.from_iterable(e[2] for e in entries)) if positions else None)
    texts = [substring_text(u) for u in units]
    return Run(plan.id, plan.title, docs, texts, [f"{u['title']} {u['text']}" for u in units], lengths, postings,
               grams_of(texts))


def source_digest() -> bytes:
    """Return a digest of the code and data that decide a plan's analysis, as this process loaded them."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in SOURCES:
        h.update((here / name).read_bytes())
    try:
        from importlib import resources

        h.update(resources.files("ingest").joinpath("data", "userdict.txt").read_bytes())
    except (ImportError, FileNotFoundError):
        pass
    return h.digest()


#: Taken when the module is imported, so an edit of the files while a process runs does not change it.
SOURCE_DIGEST = source_digest()


def code_version(words: Iterable[str] = ()) -> str:
    """Return a digest of the code, the vocabulary and the ``words`` added to it, which decide a plan's analysis."""
    h = hashlib.sha256(SOURCE_DIGEST)
    h.update("\n".join(sorted(set(words))).encode("utf-8"))
    return h.hexdigest()[:16]


class RunCache:
    """Plans' analyses kept in a directory, one file per plan key and code version."""

    SUFFIX = ".run"

    def __init__(self, path: Path | None, version: str):
        self.path = Path(path) if path is not None else None
        self.version = version
        self.used: set[str] = set()
        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)

    def file(self, key: str) -> Path:
        return self.path / f"{self.version}-{key}{self.SUFFIX}"

    def get(self, key: str) -> Run | None:
        """Return the cached analysis of the plan with ``key``, or None."""
        if self.path is None:
            return None
        f = self.file(key)
        self.used.add(f.name)
        try:
            return Run.loads(f.read_bytes())
        except (OSError, EOFError, ValueError, TypeError, zlib.error):
            return None

    def put(self, key: str, run: Run) -> None:
        """Keep ``run`` as the analysis of the plan with ``key`` (written atomically)."""
        if self.path is None:
            return
        f = self.file(key)
        self.used.add(f.name)
        fd, tmp = tempfile.mkstemp(dir=self.path, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(run.dumps())
        os.replace(tmp, f)

    def prune(self) -> None:
        """Remove the analyses this build did not use (plans gone, older code)."""
        if self.path is None:
            return
        for f in self.path.iterdir():
            if f.suffix in (self.SUFFIX, ".tmp") and f.name not in self.used:
                f.unlink(missing_ok=True)


class SegmentBuilder:
    """Write plans' runs as one whoosh segment through a ``SegmentWriter``'s codec writers."""

    def __init__(self, writer, tagger: Tagger | None, spill_dir: Path, side: PostingsWriter | None = None):
        self.writer = writer
        self.side = side  # broad terms' postings again, as flat arrays
        self.schema = writer.schema
        self.tagger = tagger
        self.fast = fast_fields(self.schema)
        self.names = sorted(self.schema.names())
        self.docnum = 0
        self.lengths: dict[str, list[int]] = {name: [] for name in self.schema.scorable_names()}
        self.postings: dict[str, Postings] = {}
        self.held = 0
        self.spills: list[Path] = []
        self.spill_dir = spill_dir
        self.themes: dict[str, str] = {}
        self.packed = Packed()
        self._indexed: dict[tuple, list] = {}
        schema = self.schema
        #: Per field, in whoosh's order (sorted names): the field, stored?, its column, has a length?
        self.spec = [(name, schema[name], schema[name].stored, schema[name].column_type, name in self.lengths)
                     for name in self.names]
        self.other = [(name, schema[name]) for name in self.names if name not in self.fast and schema[name].indexed]

    def add(self, run: Run) -> None:
        """Write the documents of one plan and hold its postings (numbered after the plans before it)."""
        base, pdw, held = self.docnum, self.writer.perdocwriter, self.postings
        for d, doc in enumerate(run.docs):
            themes = themes_of(self.tagger, run.theme_texts[d])
            self.themes.update((t["id"], t["label"]) for t in themes)
            doc = with_themes(doc, themes)
            docnum = base + d
            pdw.start_doc(docnum)
            lengths = {name: run.lengths[name][d] for name in self.fast}
            for name, field in self.other:  # the few short fields whoosh analyses itself
                length = 0
                table = held.setdefault(name, {})
                for tbytes, freq, weight, vbytes in self.indexed(name, field, doc[name]):
                    length += freq
                    found = table.get(tbytes)
                    if found is None:
                        table[tbytes] = (array("I", [docnum]), array("d", [weight]), [vbytes])
                    else:
                        found[0].append(docnum)
                        found[1].append(weight)
                        found[2].append(vbytes)
                    self.held += 1
                lengths[name] = length if field.scorable else 0
            for name, field, stored, column, scorable in self.spec:
                value = doc[name]
                length = lengths.get(name, 0)
                pdw.add_field(name, field, value if stored else None, length)
                if scorable:
                    self.lengths[name].append(length)
                if column:
                    pdw.add_column_value(name, column, field.to_column_value(value))
            pdw.finish_doc()
        packed = self.packed
        for name, (terms, counts, docs, freqs, values) in run.postings.items():
            boost = self.fast[name][2]
            mine = held.setdefault(name, {})
            at = 0
            for term, n in zip(terms, counts):
                end = at + n
                found = mine.get(term)
                if found is None:
                    found = mine[term] = (array("I"), array("d"), [])
                found[0].extend(map(base.__add__, docs[at:end]))
                found[1].extend(map(boost.__mul__, freqs[at:end]))
                found[2].extend(values[at:end] if values is not None else map(packed.__getitem__, freqs[at:end]))
                at = end
            self.held += len(docs)
        self.docnum += len(run.docs)
        self.writer.docnum = self.docnum
        self.writer._added = True
        if self.held >= SPILL:
            self.spill()

    def indexed(self, name: str, field, value) -> list:
        """Return ``field.index(value)`` as a list, remembered per value (plan ids, kinds and themes repeat)."""
        key = (name, value)
        found = self._indexed.get(key)
        if found is None:
            if len(self._indexed) > 100_000:
                self._indexed.clear()
            found = self._indexed[key] = list(field.index(value))
        return found

    def spill(self) -> None:
        """Write the postings held to a run file sorted by field and term, and forget them."""
        path = self.spill_dir / f"spill-{len(self.spills)}.bin"
        with open(path, "wb") as f:
            chunk = []
            for key in sorted((name, term) for name, table in self.postings.items() for term in table):
                docs, weights, values = self.postings[key[0]][key[1]]
                chunk.append((*key, docs.tobytes(), weights.tobytes(), values))
                if len(chunk) >= CHUNK:
                    marshal.dump(chunk, f)
                    chunk = []
            if chunk:
                marshal.dump(chunk, f)
        self.spills.append(path)
        self.postings = {}
        self.held = 0

    def sorted_postings(self) -> Iterator[tuple[str, bytes, list[int], list[float], list[bytes]]]:
        """Yield (field, term, units, weights, values) in field and term order, units ascending."""
        held = ((name, term, *self.postings[name][term])
                for name, term in sorted((name, term) for name, table in self.postings.items() for term in table))
        if not self.spills:
            yield from held
            return
        streams = [read_spill(p) for p in self.spills] + [held]
        last = None
        for item in heapq.merge(*streams, key=lambda x: (x[0], x[1])):  # stable: earlier runs first
            if last is not None and (last[0], last[1]) == (item[0], item[1]):
                last[2].extend(item[2])
                last[3].extend(item[3])
                last[4].extend(item[4])
                continue
            if last is not None:
                yield tuple(last)
            last = list(item)
        if last is not None:
            yield tuple(last)

    def finish(self) -> None:
        """Write every posting through the segment's field writer (called in place of whoosh's pool flush)."""
        w = self.writer
        w.perdocwriter.close()
        fw = w.fieldwriter
        quantised = {name: [byte_to_length(b) if (b := length_to_byte(n) if n else 0) else None for n in lens]
                     for name, lens in self.lengths.items()}
        lastfield = None
        for name, term, docs, weights, values in self.sorted_postings():
            if name != lastfield:
                if lastfield is not None:
                    fw.finish_field()
                fw.start_field(name, self.schema[name])
                lastfield = name
            write_term(fw, term, docs, weights, values, quantised.get(name))
            if self.side is not None:
                self.side.add(name, term, docs, weights)
        if lastfield is not None:
            fw.finish_field()
        fw.close()
        if self.side is not None:
            self.side.close()
        for p in self.spills:
            p.unlink(missing_ok=True)


def read_spill(path: Path) -> Iterator[tuple]:
    """Yield the postings of a run file written by ``SegmentBuilder.spill``."""
    with open(path, "rb") as f:
        while True:
            try:
                chunk = marshal.load(f)
            except EOFError:
                return
            for name, term, docs, weights, values in chunk:
                yield name, term, uints(docs), floats(weights), values


def write_term(fw, term: bytes, docs: array, weights: array, values: list[bytes],
               lens: list | None) -> None:
    """Write one term's postings a block at a time, as ``W3PostingsWriter.add_posting`` would one by one."""
    fw.start_term(term)
    pw = fw._postwriter
    limit = pw._blocklimit
    n = len(docs)
    for start in range(0, n, limit):
        end = min(start + limit, n)
        pw._ids = array("I", docs[start:end])
        block_weights = weights[start:end]
        pw._weights = array("f", block_weights)
        pw._values = [v for v in values[start:end] if v]
        pw._maxweight = max(0, max(block_weights))
        if lens is not None:
            found = [x for x in map(lens.__getitem__, pw._ids) if x]
            pw._minlength = min(found) if found else None
            pw._maxlength = max(found) if found else 0
        else:
            pw._minlength, pw._maxlength = None, 0
        if end < n:
            pw._write_block()
    fw.finish_term()
