"""Remove what is not the document and normalise what is."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.read import SourceLine


@dataclass
class Document:
    """A cleaned document: its title and its body lines (title excluded)."""

    title: str
    lines: list[SourceLine]


def clean_document(lines: list[SourceLine]) -> Document:
    """Strip blank lines and whitespace; take the first line as the title."""
    kept = [SourceLine(l.text.strip(), l.level, l.bold) for l in lines if l.text.strip()]
    if not kept:
        return Document("", [])
    return Document(kept[0].text, kept[1:])
