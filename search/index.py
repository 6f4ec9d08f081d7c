"""Build the whoosh index of a set of plans, and open it for searching."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from whoosh import index as windex

from search.analysis import analysed, segmenter, spans
from search.errors import IndexMissing
from search.schema import build_schema
from search.substring import FILE as SUBSTRINGS
from search.substring import SubstringIndex
from search.units import Tagger, plan_units

#: Written beside the index: the plans and themes it holds, for filters and facets.
META = "plangraph-search.json"
#: Written beside the index: words added to the segmenter during the build, one a line.
WORDS = "words.txt"


def document(unit: dict) -> dict:
    """Return the whoosh document of one unit."""
    return {
        "id": unit["id"], "node_id": unit["node_id"], "group": unit["group"].encode(), "rank": unit["rank"],
        "plan_id": unit["plan_id"], "plan": unit["plan"], "kind": unit["kind"], "chapter": unit["chapter"].encode(),
        "number": unit["number"], "themes": ",".join(t["id"] for t in unit["themes"]),
        "theme_list": ",".join(t["id"] for t in unit["themes"]).encode(),
        "theme_data": unit["themes"], "path_data": unit["path"], "entity_type": unit.get("entity_type", ""),
        "text": unit["text"], "title": unit["title"],
        "body": unit["text"], "path": " ".join(unit["path"]),
    }


def substring_text(unit: dict) -> str:
    """Return the text of a unit that exact substrings are searched in: its title and its text."""
    return unit["text"] if unit["text"].startswith(unit["title"]) else f"{unit['title']}\n{unit['text']}"


def build_index(plans: list, path: Path, tagger: Tagger | None = None, words: Iterable[str] = ()) -> None:
    """Build the search index of ``plans`` in the (fresh) directory ``path``.

    ``words`` are the words the build added to the segmenter (``ingest.segment.add_words``);
    they are kept beside the index so a later query process cuts text the same way.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    segmenter()  # load the user dictionary before the first word is indexed
    words = sorted(set(words))
    if words:
        (path / WORDS).write_text("\n".join(words) + "\n", encoding="utf-8")
    ix = windex.create_in(str(path), build_schema())
    themes: dict[str, str] = {}
    texts: list[str] = []
    with ix.writer(limitmb=256) as writer:
        for plan in plans:
            for unit in plan_units(plan, tagger):
                writer.add_document(**document(unit))
                texts.append(substring_text(unit))
                themes.update((t["id"], t["label"]) for t in unit["themes"])
    SubstringIndex.from_texts(texts).save(path)
    meta = {"plans": [{"id": p.id, "title": p.title} for p in plans], "themes": themes}
    (path / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")


def open_whoosh(path: Path):
    """Open the whoosh index at ``path`` and read its metadata."""
    path = Path(path)
    if not (path / META).exists() or not windex.exists_in(str(path)):
        raise IndexMissing(f"{path}: 没有搜索索引 no search index; run `plangraph build` first")
    return windex.open_dir(str(path)), json.loads((path / META).read_text(encoding="utf-8"))


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
    return Searcher(ix, meta, expander, substrings)
