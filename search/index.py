"""Build the whoosh index of a set of plans, and open it for searching."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path

from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage

from search.analysis import analysed, segmenter, spans
from search.errors import IndexMissing
from search.postings import PostingsTable, PostingsWriter
from search.schema import build_schema
from search.substring import FILE as SUBSTRINGS
from search.substring import SubstringIndex, SubstringTable
from search.units import Tagger
from search.writer import RunCache, SegmentBuilder, analyse, code_version

#: Written beside the index: the plans and themes it holds, for filters and facets.
META = "plangraph-search.json"
#: Written beside the index: words added to the segmenter during the build, one a line.
WORDS = "words.txt"


def build_index(plans, path: Path, tagger: Tagger | None = None, words: Iterable[str] = (),
                cache: Path | None = None) -> None:
    """Build the search index of ``plans`` (a list or an ``ingest.planset.PlanSet``) in the (fresh) directory ``path``.

    Plans are read one at a time.  ``words`` are the words the build added to the segmenter
    (``ingest.segment.add_words``); they are kept beside the index so a later query process cuts
    text the same way.  With ``cache`` (a directory kept between builds) each plan's analysis is
    kept there under its key, so a rebuild analyses only the plans that changed.
    """
    from ingest.planset import PlanSet

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    segmenter()  # load the user dictionary before the first word is indexed
    words = sorted(set(words))
    if words:
        (path / WORDS).write_text("\n".join(words) + "\n", encoding="utf-8")
    keys = PlanSet.of(plans).keys if cache is not None else [None] * len(plans)  # keys cost a digest per plan
    schema = build_schema()
    ix = windex.create_in(str(path), schema)
    runs = RunCache(cache, code_version(words))
    table = SubstringTable()
    listed = []
    writer = ix.writer()
    with tempfile.TemporaryDirectory(prefix=".postings-", dir=path.parent) as spill:  # beside the index: same disk
        side = PostingsWriter(path)
        builder = SegmentBuilder(writer, tagger, Path(spill), side)
        try:
            for i, key in enumerate(keys):
                run = runs.get(key) if key else None
                if run is None:
                    run = analyse(plans[i], schema)
                    if key:
                        runs.put(key, run)
                builder.add(run)
                table.add_grams(run.texts, *run.grams)
                listed.append({"id": run.plan_id, "title": run.title})
            writer._flush_segment = builder.finish  # our postings instead of whoosh's (empty) pool
            writer.commit()
        except BaseException:
            writer.cancel()
            side.discard()
            raise
    table.index().save(path)
    runs.prune()
    meta = {"plans": listed, "themes": builder.themes}
    (path / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")


def open_whoosh(path: Path):
    """Open the whoosh index at ``path`` and read its metadata."""
    path = Path(path)
    if not (path / META).exists() or not windex.exists_in(str(path)):
        raise IndexMissing(f"{path}: 没有搜索索引 no search index; run `plangraph build` first")
    # Without mmap: whoosh copies each part of a memory-mapped segment into a BytesIO when it opens it (the whole
    # segment again in memory); read through the file, a part costs nothing until a block of it is read.
    ix = FileStorage(str(path), supports_mmap=False).open_index()
    return ix, json.loads((path / META).read_text(encoding="utf-8"))


def load_words(path: Path) -> None:
    """Add the words the build added to the segmenter, so queries are cut as the index was."""
    if not (path / WORDS).exists():
        return
    from ingest.segment import add_words

    add_words((path / WORDS).read_text(encoding="utf-8").split())
    spans.cache_clear()  # text cut before the words were known
    analysed.cache_clear()


def open_index(path: Path, expander=None):
    """Open the index at ``path`` for searching; ``expander(term)`` gives thesaurus expansions."""
    from search.searcher import Searcher

    ix, meta = open_whoosh(path)
    load_words(Path(path))
    if not (Path(path) / SUBSTRINGS).exists():
        raise IndexMissing(f"{path}: 索引版本过旧 the index predates substring search; run `plangraph build` again")
    substrings = SubstringIndex.load(path)
    return Searcher(ix, meta, expander, substrings, PostingsTable.load(path))
