"""The shared jieba segmenter: one lazily built, cached tokenizer with our planning vocabulary.

Everything that cuts Chinese text (entity extraction, the search analyzer, the
graph's keyword views) goes through this module, so that all layers agree on
word boundaries.  Nothing is loaded at import time; the first call builds the
tokenizer and later calls reuse it from any thread.

Two engines give the same words: rjieba (jieba-rs, the same dictionary and
HMM, about ten times faster and loading in a quarter of a second) when it is
installed, else the pure-Python jieba (about a second to load).  jieba-rs keeps
runs such as ``2021-2025`` or ``www.gov.cn`` whole where jieba splits them at
the punctuation, so those runs are re-cut the way jieba does (``RustTokenizer``);
``PLANGRAPH_SEGMENTER=jieba`` forces the Python engine.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

_LOCK = threading.RLock()
_STATE: dict[str, object] = {}
ENGINE_VAR = "PLANGRAPH_SEGMENTER"

#: jieba's characters of a word block (re_han_default without the CJK range), and its finalseg skip pattern.
_BLOCK = re.compile(r"[a-zA-Z0-9+#&._%\-]+|\r\n|\s|.", re.S)
_WORDCHARS = re.compile(r"[a-zA-Z0-9+#&._%\-]+")
_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
_HAN = re.compile(r"[\u4e00-\u9fd5]")


def _data_lines(name: str) -> list[str]:
    """Return the non-blank, non-comment lines of a file in ingest/data."""
    text = resources.files("ingest").joinpath("data", name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def _user_words() -> list[tuple[str, str | None]]:
    """Return (word, tag) for every line of our user dictionary."""
    out = []
    for line in _data_lines("userdict.txt"):
        word, *rest = line.split()
        out.append((word, rest[-1] if rest and rest[-1].isalpha() else None))
    return out


class _Known:
    """A read-only stand-in for jieba's ``FREQ`` dict: ``get(word)`` is truthy for dictionary words."""

    def __init__(self, engine) -> None:
        self._engine = engine

    def get(self, word: str, default: object = None) -> object:
        return 1 if word and self._engine.has_word(word) else default

    def __contains__(self, word: str) -> bool:
        return bool(self.get(word))


class RustTokenizer:
    """rjieba behind jieba's ``Tokenizer`` interface (tokenize, lcut, lcut_for_search, FREQ, add_word)."""

    def __init__(self) -> None:
        import rjieba

        self._engine = rjieba.Jieba()
        self.FREQ = _Known(self._engine)

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        """Add a word to the dictionary; its frequency is suggested as jieba does when not given."""
        self._engine.add_word(word, freq, tag)

    def _rejoin(self, word: str) -> Iterator[str]:
        """Re-cut a non-Chinese run the way jieba does: punctuation apart, letters and numbers together."""
        for m in _BLOCK.finditer(word):
            piece = m.group()
            if len(piece) == 1 or not _WORDCHARS.fullmatch(piece) or self._engine.has_word(piece):
                yield piece
            else:
                yield from (x for x in _SKIP.split(piece) if x)

    def cut(self, text: str) -> Iterator[str]:
        """Yield the words of ``text``, in jieba's accurate mode with the HMM."""
        for word in self._engine.cut(text):
            if len(word) > 1 and not _HAN.search(word) and not self._engine.has_word(word):
                yield from self._rejoin(word)
            else:
                yield word

    def lcut(self, text: str) -> list[str]:
        return list(self.cut(text))

    def lcut_for_search(self, text: str) -> list[str]:
        return [w for w, _, _ in self.tokenize(text, mode="search")]

    def tokenize(self, text: str, mode: str = "default") -> Iterator[tuple[str, int, int]]:
        """Yield ``(word, start, end)`` like ``jieba.Tokenizer.tokenize``."""
        start = 0
        has = self._engine.has_word
        for w in self.cut(text):
            width = len(w)
            if mode == "search":
                for n in (2, 3):
                    if width > n:
                        yield from ((w[i:i + n], start + i, start + i + n)
                                    for i in range(width - n + 1) if has(w[i:i + n]))
            yield (w, start, start + width)
            start += width


def engine() -> str:
    """Return the engine in use: ``rjieba`` when installed (unless the environment says jieba), else ``jieba``."""
    if os.environ.get(ENGINE_VAR, "").lower() == "jieba":
        return "jieba"
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return "jieba"
    return "rjieba"


def _build():
    """Create the tokenizer of the chosen engine and load the user dictionary."""
    if engine() == "rjieba":
        tok = RustTokenizer()
    else:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        tok.initialize()
    tags: dict[str, str] = {}
    for word, tag in _user_words():
        tok.add_word(word, tag=tag)
        if tag:
            tags[word] = tag
    _STATE["user_tags"] = tags
    return tok


def tokenizer():
    """Return the shared tokenizer (jieba's ``Tokenizer`` or a ``RustTokenizer``), building it on first use.

    >>> tokenizer() is tokenizer()
    True
    """
    tok = _STATE.get("tokenizer")
    if tok is None:
        with _LOCK:
            tok = _STATE.get("tokenizer")
            if tok is None:
                tok = _STATE["tokenizer"] = _build()
    return tok


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
        _tokens_cached.cache_clear()


def _dictionary_tags() -> dict[str, str]:
    """Read the part-of-speech tag of every word of jieba's dictionary (what jieba.posseg loads, 4x faster)."""
    import jieba

    table: dict[str, str] = {}
    with open(Path(jieba.__file__).with_name("dict.txt"), encoding="utf-8") as lines:
        for line in lines:
            parts = line.split()
            if len(parts) > 2:
                table[parts[0]] = parts[2]
    return table


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
                table = _dictionary_tags()
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
