"""Chinese analysis for the index: jieba words with sequential positions, and character n-grams.

The tokenizer is composable as a whoosh pipeline and importable because the
schema pickles it:

- ``ChineseTokenizer`` yields jieba accurate-mode words numbered 0, 1, 2 …
  (so phrase queries work) with their true character offsets; with
  ``subwords=True`` it also yields the dictionary words inside a long word
  (能源 in 新能源) at the *same* position, for recall without breaking phrases.

``ngrams`` gives the characters and pairs of characters that ``search.substring``
looks up, for substrings the segmenter splits differently (老 in 老年人, 充电 in 充电桩).

>>> [t.text for t in chinese_analyzer()("新能源汽车")]
['新能源汽车', '能源', '汽车', '新能源']
>>> [(t.text, t.pos) for t in word_analyzer()("建设TOD综合体", positions=True)]
[('建设', 0), ('tod', 1), ('综合体', 2)]
"""

from __future__ import annotations

import functools
import re

from whoosh.analysis import Composable, Token, Tokenizer

#: Function words that carry no topic; dropped from the index and from queries.
_STOP_TEXT = """的 了 和 与 及 以及 或 等 在 是 为 对 将 把 被 由 从 于 之 其 并 而 也 都 就 中 上 下
有 个 着 这 那 要 以 向 各 该 此 我 我们 你 他 她 它 吗 呢 啊"""
STOPWORDS = frozenset(_STOP_TEXT.split())

#: A token worth indexing has at least one letter, digit or CJK character.
WORDLIKE = re.compile(r"[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]")
#: Characters substring search keeps (CJK, Latin letters, digits).
NGRAM_CHAR = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]")


@functools.cache
def segmenter():
    """Return the shared jieba tokenizer (ingest's, with its user dictionary, when available)."""
    try:
        from ingest.segment import tokenizer
    except ImportError:  # ingest.segment not landed yet: a plain jieba tokenizer
        import jieba

        jieba.setLogLevel(60)
        tok = jieba.Tokenizer()
        tok.initialize()
        return tok
    return tokenizer()


@functools.lru_cache(maxsize=4096)
def spans(text: str) -> tuple[tuple[str, int, int], ...]:
    """Return jieba accurate-mode words of ``text`` as (word, start, end); cached, as titles and paths repeat.

    >>> spans("老年人日间照料")
    (('老年人', 0, 3), ('日间', 3, 5), ('照料', 5, 7))
    """
    return tuple((w, s, e) for w, s, e in segmenter().tokenize(text) if w.strip())


def subwords(word: str) -> list[str]:
    """Return the dictionary words of 2–3 characters inside a longer word (jieba search mode).

    >>> subwords("二手车")
    ['二手', '手车']
    """
    if len(word) < 3 or not WORDLIKE.match(word):
        return []
    freq = segmenter().FREQ
    found = []
    for size in (2, 3):
        for i in range(len(word) - size + 1):
            part = word[i:i + size]
            if part != word and freq.get(part):
                found.append(part)
    return found


@functools.lru_cache(maxsize=8192)
def analysed(value: str, with_subwords: bool) -> tuple[tuple[str, int, int, int], ...]:
    """Return the indexed words of ``value`` as (word, position, start, end); cached, as titles and paths repeat.

    Punctuation, stop words and single characters are dropped (whole words still count in the
    numbering, so a phrase never jumps a gap); words are lower-cased.

    >>> analysed("建设TOD的新能源", True)
    (('建设', 0, 0, 2), ('tod', 1, 2, 5), ('新能源', 3, 6, 9), ('能源', 3, 7, 9))
    """
    out = []
    for pos, (word, start, _end) in enumerate(spans(value)):
        for text in (word, *subwords(word)) if with_subwords else (word,):
            low = text.lower()
            if len(low) < 2 or low in STOPWORDS or not WORDLIKE.search(low):
                continue
            at = start + (word.find(text) if text != word else 0)  # a subword's offsets are its own place
            out.append((low, pos, at, at + len(text)))
    return tuple(out)


class ChineseTokenizer(Tokenizer):
    """Jieba words with sequential positions and exact character offsets, filtered as ``analysed`` says.

    One tokenizer instead of a chain of filters: indexing passes every token through each
    stage of a whoosh pipeline, and that was a fifth of the build.
    """

    def __init__(self, subwords: bool = False):
        self.subwords = subwords

    def __eq__(self, other):
        return type(other) is type(self) and other.subwords == self.subwords

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if tokenize:
            words = analysed(value, self.subwords and mode != "query")
        else:
            low = value.lower()
            keep = len(low) > 1 and low not in STOPWORDS and WORDLIKE.search(low)
            words = ((low, 0, 0, len(value)),) if keep else ()
        for text, pos, start, end in words:
            t.text = t.original = text
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


class WordlikeFilter(Composable):
    """Drop punctuation and whitespace tokens (kept so that older index schemas still unpickle)."""

    def __eq__(self, other):
        return type(other) is type(self)

    def __call__(self, tokens):
        for t in tokens:
            if WORDLIKE.search(t.text):
                yield t


def word_analyzer():
    """Accurate-mode words only: for phrases and for segmenting queries."""
    return ChineseTokenizer()


def chinese_analyzer():
    """Accurate-mode words plus dictionary sub-words at the same position: the main text fields."""
    return ChineseTokenizer(subwords=True)


def query_words(text: str) -> list[str]:
    """Segment free query text into the content words to search for.

    >>> query_words("加强 生活垃圾分类的宣传")
    ['加强', '生活', '垃圾分类', '宣传']
    """
    return [t.text for t in word_analyzer()(text)]


def ngrams(text: str) -> list[str]:
    """Return the n-gram terms whose consecutive positions spell ``text`` (bigrams, or one unigram).

    >>> ngrams("充电桩"), ngrams("老"), ngrams("TOD")
    (['充电', '电桩'], ['老'], ['to', 'od'])
    """
    chars = [c for c in text.lower() if NGRAM_CHAR.match(c)]
    if len(chars) == 1:
        return chars
    return [a + b for a, b in zip(chars, chars[1:])]
