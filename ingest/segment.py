"""The shared jieba segmenter: one lazily built, cached tokenizer with our planning vocabulary.

Everything that cuts Chinese text (entity extraction, the search analyzer, the
graph's keyword views) goes through this module, so that all layers agree on
word boundaries.  Nothing is loaded at import time; the first call builds the
tokenizer (about a second) and later calls reuse it from any thread.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterable
from importlib import resources

import jieba

_LOCK = threading.RLock()
_STATE: dict[str, object] = {}


def _data_lines(name: str) -> list[str]:
    """Return the non-blank, non-comment lines of a file in ingest/data."""
    text = resources.files("ingest").joinpath("data", name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def _build() -> jieba.Tokenizer:
    """Create a tokenizer, load the user dictionary and silence jieba's logging."""
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    tags: dict[str, str] = {}
    for line in _data_lines("userdict.txt"):
        word, *rest = line.split()
        tag = rest[-1] if rest and rest[-1].isalpha() else None
        tok.add_word(word, tag=tag)
        if tag:
            tags[word] = tag
    _STATE["user_tags"] = tags
    return tok


def tokenizer() -> jieba.Tokenizer:
    """Return the shared tokenizer, building it on first use.

    >>> tokenizer() is tokenizer()
    True
    """
    tok = _STATE.get("tokenizer")
    if tok is None:
        with _LOCK:
            tok = _STATE.get("tokenizer")
            if tok is None:
                tok = _STATE["tokenizer"] = _build()
    return tok  # type: ignore[return-value]


def cut(text: str) -> list[str]:
    """Cut ``text`` into words (jieba accurate mode, with our user dictionary).

    >>> cut("积极推动小区公共充电桩建设")
    ['积极', '推动', '小区', '公共', '充电桩', '建设']
    """
    return tokenizer().lcut(text)


def cut_for_search(text: str) -> list[str]:
    """Cut ``text`` for indexing: long words are also split into their shorter parts.

    >>> cut_for_search("日间照料中心")
    ['日间', '照料', '中心', '日间照料中心']
    """
    return tokenizer().lcut_for_search(text)


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Return ``(word, start, end)`` for every word of ``text``, in accurate mode.

    >>> tokens("推进城市更新")
    [('推进', 0, 2), ('城市更新', 2, 6)]
    """
    return list(_tokens_cached(text))


@functools.lru_cache(maxsize=8)
def _tokens_cached(text: str) -> tuple[tuple[str, int, int], ...]:
    """Tokenize once per text: entities, search and graph all cut the same plan text."""
    return tuple(tokenizer().tokenize(text))


def add_words(words: Iterable[str]) -> None:
    """Add words (entity labels found at build time) so later cuts keep them whole.

    >>> add_words(["杭周到服务品牌"]); "杭周到服务品牌" in cut("打造杭周到服务品牌")
    True
    """
    tok = tokenizer()
    with _LOCK:
        for word in words:
            word = word.strip()
            if len(word) > 1 and not any(ch.isspace() for ch in word):
                tok.add_word(word)


def pos_tag(word: str) -> str | None:
    """Return jieba's dictionary part-of-speech tag for ``word`` (None when unknown).

    >>> pos_tag("天津"), pos_tag("金隅嘉品")
    ('ns', None)
    """
    table = _STATE.get("tags")
    if table is None:
        with _LOCK:
            table = _STATE.get("tags")
            if table is None:
                import jieba.posseg  # loads the tag table of the default dictionary, once

                table = dict(jieba.posseg.dt.word_tag_tab)
                tokenizer()
                table.update(_STATE["user_tags"])  # type: ignore[arg-type]
                _STATE["tags"] = table
    return table.get(word)  # type: ignore[union-attr]


def is_known(word: str) -> bool:
    """Tell whether ``word`` is in the dictionary (rather than guessed by the HMM).

    >>> is_known("城市"), is_known("金隅")
    (True, False)
    """
    return bool(tokenizer().FREQ.get(word))
