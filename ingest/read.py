"""Read a plan file (txt, md, docx, pdf) into source lines."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.errors import IngestError

MAX_BYTES = 64 * 1024 * 1024


@dataclass
class SourceLine:
    """One line of a document, with what its format says about it.

    ``level`` is a heading level given by the format itself (a docx heading
    style, a Markdown ``#``), 1 for the outermost; ``bold`` marks a line set
    in bold as a whole.
    """

    text: str
    level: int | None = None
    bold: bool = False


def decode(data: bytes, path: Path) -> str:
    """Decode bytes as UTF-8 (with or without BOM), else GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError(path, "unknown text encoding")


def read_lines(path: Path) -> list[SourceLine]:
    """Read ``path`` into lines; raise IngestError naming the file on bad input."""
    path = Path(path)
    data = path.read_bytes()
    if not data.strip():
        raise IngestError(path, "file is empty")
    text = decode(data, path).replace("\r\n", "\n").replace("\r", "\n")
    return [SourceLine(line) for line in text.split("\n")]
