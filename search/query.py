"""Query text → a whoosh query: free words OR-ed, whole phrase boosted, quotes exact, inline filters.

Parsing never fails: anything it does not understand is searched as text, and
characters that mean nothing here are dropped.

>>> p = parse('养老 "日间照料" plan:大沽 kind:任务 foo:bar')
>>> p.free, p.phrases, p.filters
('养老 foo bar', ['日间照料'], {'plan': ['大沽'], 'kind': ['task']})
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from whoosh.query import And, AndMaybe, Or, Phrase, Query, Term

from search.analysis import NGRAM_CHAR, WORDLIKE, ngrams, query_words
from search.schema import WORD_FIELDS
from search.substring import Substring, SubstringIndex

FILTER = re.compile(r"(?P<name>[A-Za-z]+|规划|类型|主题)[:：](?P<value>\"[^\"]*\"|“[^”]*”|[^\s\"“”]+)")
QUOTED = re.compile(r"\"([^\"]*)\"|“([^”]*)”|「([^」]*)」")
FILTER_NAMES = {"plan": "plan", "规划": "plan", "kind": "kind", "类型": "kind", "theme": "theme", "主题": "theme"}
#: Chinese (and plural) names of the unit kinds, for ``kind:任务``.
KIND_ALIASES = {"任务": "task", "目标": "goal", "原则": "principle", "段落": "paragraph", "章": "chapter",
                "章节": "chapter", "节": "section", "部分": "part", "指标": "target", "表": "table", "表格": "table",
                "专栏": "table", "实体": "entity", "tasks": "task", "targets": "target", "entities": "entity"}
#: Weights: the whole phrase over single words, thesaurus expansions under the words typed.
PHRASE_BOOST = 2.5
NGRAM_WEIGHT = 0.6
EXPANSION_BOOST = 0.35


@dataclass
class Parsed:
    """A parsed query: free text, its words, exact phrases and filters."""

    raw: str
    free: str = ""
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases or any(ngrams(self.free)))


def parse(raw: str) -> Parsed:
    """Split a query into free text, quoted phrases and ``plan:``/``kind:``/``theme:`` filters."""
    p = Parsed(raw=raw or "")

    def take_filter(m: re.Match) -> str:
        name = FILTER_NAMES.get(m["name"].lower())
        if not name:
            return f"{m['name']} {m['value']}"
        value = m["value"].strip("\"“”")
        if name == "kind":
            value = KIND_ALIASES.get(value, value.lower())
        if value:
            p.filters.setdefault(name, []).append(value)
        return " "

    def take_phrase(m: re.Match) -> str:
        phrase = next(g for g in m.groups() if g is not None).strip()
        if WORDLIKE.search(phrase):
            p.phrases.append(phrase)
        return " "

    rest = FILTER.sub(take_filter, QUOTED.sub(take_phrase, p.raw))
    rest = re.sub(r"[\"“”「」()\[\]{}^~*?\\:：+!]|(?<!\w)-|\b(?:AND|OR|NOT)\b", " ", rest)
    p.free = " ".join(rest.split())
    p.words = unique(query_words(p.free))
    return p


def unique(items: list[str]) -> list[str]:
    """Return ``items`` without repeats, in order."""
    return list(dict.fromkeys(items))


def ngram_query(text: str, boost: float = 1.0, index: SubstringIndex | None = None) -> Query | None:
    """Match ``text`` as an exact substring (through ``index``; None without one)."""
    if index is None or not ngrams(text):
        return None
    return Substring(index, text, boost=boost)


def word_query(word: str, boost: float = 1.0, substring: bool = True, index: SubstringIndex | None = None) -> Query:
    """Match one word in every word field and, with ``substring``, inside other words at a lower weight."""
    terms: list[Query] = [Term(f, word, boost=boost) for f in WORD_FIELDS]
    sub = ngram_query(word, boost * NGRAM_WEIGHT, index) if substring else None
    return Or([*terms, sub] if sub else terms)


def phrase_query(text: str, boost: float = 1.0, substring: bool = True,
                 index: SubstringIndex | None = None) -> Query | None:
    """Match ``text`` as a phrase: consecutive words in a word field, or (``substring``) the exact substring."""
    words = query_words(text)
    parts: list[Query] = []
    if len(words) > 1:
        parts += [Phrase(f, words, boost=boost) for f in ("title", "body")]
    elif words:
        parts += [Term(f, words[0], boost=boost) for f in ("title", "body")]
    sub = ngram_query(text, boost, index) if substring or not words else None
    if sub is not None:
        parts.append(sub)
    return Or(parts) if parts else None


def exact_query(text: str, index: SubstringIndex | None = None) -> Query | None:
    """Require ``text`` as an exact substring (a quoted phrase)."""
    return ngram_query(text, index=index)


def free_query(p: Parsed, expansions: list[str], common: Callable[[str], bool] = lambda _: False,
               index: SubstringIndex | None = None) -> Query | None:
    """Build the scored part of the query: words OR-ed, whole phrase boosted, expansions lower.

    A ``common`` word is not also searched inside other words: it is found often enough as a
    word, and its substring matches would only cost time.
    """
    parts: list[Query] = [word_query(w, substring=len(w) == 1 or not common(w), index=index) for w in p.words]
    whole = "".join(ch for ch in p.free if NGRAM_CHAR.match(ch.lower()) or ch.isspace())
    if len(p.words) > 1 or (p.free and not p.words):
        pq = phrase_query(whole.replace(" ", ""), PHRASE_BOOST, substring=not all(map(common, p.words)), index=index)
        if pq is not None:
            parts.append(pq)
    for phrase in p.phrases:
        parts.append(phrase_query(phrase, PHRASE_BOOST, index=index))
    for term in expansions:  # body only: an expansion ranks, it need not weigh titles
        words = query_words(term)
        if len(words) > 1:
            parts.append(Phrase("body", words, boost=EXPANSION_BOOST))
        elif words:
            parts.append(Term("body", words[0], boost=EXPANSION_BOOST))
    parts = [q for q in parts if q is not None]
    return Or(parts) if parts else None


def build(p: Parsed, expansions: list[str], common: Callable[[str], bool] = lambda _: False,
          index: SubstringIndex | None = None) -> Query | None:
    """Return the whole query: exact phrases required, everything else scored."""
    required = [q for q in (exact_query(ph, index) for ph in p.phrases) if q is not None]
    scored = free_query(p, expansions, common, index)
    if required:
        must = required[0] if len(required) == 1 else And(required)
        return AndMaybe(must, scored) if scored is not None else must
    return scored


def relaxed(p: Parsed, index: SubstringIndex | None = None) -> Query | None:
    """A looser query for when nothing matched: any half of the character pairs of each long word.

    >>> relaxed(parse("河长制"), SubstringIndex.from_texts(["河长"]))
    Substring('河长制', boost=1.0, minmatch=1)
    """
    parts = []
    for text in [*p.phrases, *(w for w in p.words if len(w) > 2)]:
        grams = ngrams(text)
        if len(grams) > 1 and index is not None:
            parts.append(Substring(index, text, minmatch=max(1, len(grams) // 2)))
    return Or(parts) if len(parts) > 1 else (parts[0] if parts else None)
