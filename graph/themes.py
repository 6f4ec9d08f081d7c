"""The policy theme thesaurus (``themes.ttl``, SKOS): tag text, expand queries, resolve topic words.

>>> th = load_thesaurus()
>>> [(t.label, t.evidence) for t in th.tag("加快打造居家养老服务圈，建设公共充电桩")]
[('养老', '居家养老'), ('新能源汽车充电', '充电桩')]
>>> "老年人" in th.expand("老人")
True
>>> [c.label for c in th.resolve("二手车")]
['二手车']
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources

from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from graph.namespace import THEME


@dataclass(frozen=True)
class ThemeTag:
    """One theme of a piece of text, with the term that was found in it."""

    id: str
    label: str
    evidence: str

    def to_dict(self) -> dict:
        """Return the tag as plain JSON-ready data."""
        return {"id": self.id, "label": self.label, "evidence": self.evidence}


@dataclass
class Concept:
    """One SKOS concept of the thesaurus."""

    id: str
    label: str
    label_en: str = ""
    alt_labels: list[str] = field(default_factory=list)
    broader: str | None = None
    narrower: list[str] = field(default_factory=list)

    @property
    def iri(self) -> URIRef:
        return THEME[self.id]

    @property
    def terms(self) -> list[str]:
        """The preferred label and every alternative label."""
        return [self.label, *self.alt_labels]

    def to_dict(self) -> dict:
        """Return the concept as plain JSON-ready data."""
        return {"id": self.id, "label": self.label, "label_en": self.label_en, "alt_labels": self.alt_labels,
                "broader": self.broader, "narrower": self.narrower}


class Thesaurus:
    """The concepts of ``themes.ttl`` with a tagger built over all their labels."""

    def __init__(self, concepts: list[Concept]):
        self.concepts = {c.id: c for c in concepts}
        self._by_term: dict[str, list[str]] = {}
        for c in concepts:
            for term in c.terms:
                if len(term) >= 2:
                    self._by_term.setdefault(term, []).append(c.id)
        # Longest terms first, so 养老保险 wins over 养老 and 新能源汽车 over 新能源.
        terms = sorted(self._by_term, key=lambda t: (-len(t), t))
        self._pattern = re.compile("|".join(re.escape(t) for t in terms))

    def top(self) -> list[Concept]:
        """Return the top concepts in thesaurus order."""
        return [c for c in self.concepts.values() if c.broader is None]

    def descendants(self, cid: str) -> list[str]:
        """Return ``cid`` and the ids of every concept narrower than it."""
        out = [cid]
        for kid in self.concepts[cid].narrower:
            out.extend(self.descendants(kid))
        return out

    def tag(self, text: str) -> list[ThemeTag]:
        """Return the themes ``text`` is about, each with the first term that shows it.

        A term counts only where a word starts (民政 is not in 人民政府) and not as the
        name of an office (财政厅, 民政局 name who is responsible, not what the item is about).

        >>> load_thesaurus().tag("责任单位：各市人民政府，省财政厅")
        []
        """
        seen: dict[str, ThemeTag] = {}
        for match in self._pattern.finditer(text or ""):
            if not _is_evidence(text, match.start(), match.end()):
                continue
            for cid in self._by_term[match.group()]:
                if cid not in seen:
                    seen[cid] = ThemeTag(cid, self.concepts[cid].label, match.group())
        return list(seen.values())

    def resolve(self, word: str) -> list[Concept]:
        """Return the concepts a topic word names: by id, by label, else by part of a label."""
        word = (word or "").strip()
        if word in self.concepts:
            return [self.concepts[word]]
        exact = self._by_term.get(word)
        if exact:
            return [self.concepts[c] for c in dict.fromkeys(exact)]
        if len(word) < 2:
            return []
        found = [c for c in self.concepts.values()
                 if any(word in t or (len(t) >= 2 and t in word) for t in c.terms)]
        return found

    def expand(self, term: str) -> list[str]:
        """Return ``term`` with the labels of its concepts and their narrower concepts, for query expansion."""
        words = [term]
        for concept in self.resolve(term) if term in self._by_term or term in self.concepts else []:
            for cid in self.descendants(concept.id):
                words.extend(self.concepts[cid].terms)
        return list(dict.fromkeys(w for w in words if w))


OFFICE_SUFFIX = "厅局委办署"


def _is_evidence(text: str, start: int, end: int) -> bool:
    """Tell whether a term found at ``start:end`` is a word of its own, not part of a longer word or office name."""
    if end < len(text) and text[end] in OFFICE_SUFFIX:
        return False
    if start == 0 or not ("\u4e00" <= text[start - 1] <= "\u9fff"):
        return True
    from ingest.segment import tokenizer, tokens

    if not tokenizer().FREQ.get(text[start - 1:start + 1]):
        return True  # the character before cannot join the term's first one into a word
    lo = max(0, start - 6)
    return any(s + lo == start for _, s, _ in tokens(text[lo:end + 2]))


def _literal(graph: Graph, subject: URIRef, prop: URIRef, lang: str) -> list[str]:
    """Return the values of ``prop`` in language ``lang``, in a stable order."""
    return sorted(str(o) for o in graph.objects(subject, prop) if getattr(o, "language", None) == lang)


def read_concepts(graph: Graph) -> list[Concept]:
    """Read every skos:Concept of ``graph`` into Concept objects, top concepts first."""
    base = str(THEME)
    concepts = []
    for subject in graph.subjects(SKOS.inScheme, THEME.scheme):
        broader = graph.value(subject, SKOS.broader)
        concepts.append(Concept(
            id=str(subject)[len(base):],
            label=(_literal(graph, subject, SKOS.prefLabel, "zh") or [""])[0],
            label_en=(_literal(graph, subject, SKOS.prefLabel, "en") or [""])[0],
            alt_labels=_literal(graph, subject, SKOS.altLabel, "zh"),
            broader=str(broader)[len(base):] if broader else None,
            narrower=sorted(str(n)[len(base):] for n in graph.objects(subject, SKOS.narrower)),
        ))
    for c in concepts:  # narrower may be stated only as broader on the child
        c.narrower = sorted({*c.narrower, *(k.id for k in concepts if k.broader == c.id)})
    return sorted(concepts, key=lambda c: (c.broader is not None, c.id))


def thesaurus_graph() -> Graph:
    """Parse ``themes.ttl`` into a fresh rdflib graph."""
    text = resources.files("graph").joinpath("themes.ttl").read_text(encoding="utf-8")
    return Graph().parse(data=text, format="turtle")


@functools.lru_cache(maxsize=1)
def load_thesaurus() -> Thesaurus:
    """Return the thesaurus, parsed once per process."""
    return Thesaurus(read_concepts(thesaurus_graph()))
