"""Read text-layer PDFs: page lines, minus page numbers and running headers, rejoined.

A PDF knows lines only as they were laid out on the page.  Page numbers
("- 3 -", "第3页") and lines repeated at the top or bottom of most pages are
dropped; a line that fills the page width and does not end a sentence is
joined with the next one, across page breaks too, unless the next one starts
a numbered heading.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ingest.read import SourceLine, fail

MAX_PAGES = 3000
PAGE_NUMBER = re.compile(
    r"^[-—–－\s]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[/／]\s*\d{1,4}|\s*共\s*\d{1,4}\s*页)?[-—–－\s]*$"
)
SENTENCE_END = re.compile(r"[。！？；：!?;:][”’」』）)】]*$")
HEADING_START = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+[章节部分篇条]|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]"
    r"|\d{1,2}[、.．﹒](?!\d)|[①-⑳]|专栏|表\s*\d|附件|——)"
)


def read_pdf(path: Path) -> list[SourceLine]:
    """Read a text-layer PDF into lines; IngestError when encrypted, scanned or corrupt."""
    pages = [split_page(text) for text in page_texts(path)]
    if sum(len("".join(p).strip()) for p in pages) < 10:
        raise fail(path, "扫描版 PDF：没有文字层", "scanned PDF: no text layer")
    pages = drop_running_lines(pages)
    return [SourceLine(line) for line in join_lines(pages)]


def page_texts(path: Path) -> list[str]:
    """Return the extracted text of each page of ``path``."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise fail(path, "PDF 已加密，需要密码", "encrypted PDF: password required")
        if len(reader.pages) > MAX_PAGES:
            raise fail(path, "PDF 页数过多", f"PDF has {len(reader.pages)} pages (limit {MAX_PAGES})")
        return [page.extract_text() or "" for page in reader.pages]
    except (FileNotDecryptedError, DependencyError) as err:
        raise fail(path, "PDF 已加密，无法解密", f"encrypted PDF: cannot decrypt ({err})") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as err:
        raise fail(path, "PDF 文件损坏", f"corrupt PDF: {type(err).__name__}: {err}") from None


def split_page(text: str) -> list[str]:
    """Split one page's text into stripped, non-empty lines without page numbers."""
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n")]
    return [line for line in lines if line and not PAGE_NUMBER.match(line)]


def drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Drop header/footer lines repeated at the top or bottom of most pages."""
    if len(pages) < 3:
        return pages

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", line.replace(" ", ""))

    edges = Counter()
    for page in pages:
        edges.update({key(line) for line in page[:1] + page[-1:]} if len(page) >= 3 else ())
    running = {k for k, n in edges.items() if n >= max(3, 0.6 * len(pages))}
    out = []
    for page in pages:
        last = len(page) - 1
        out.append([x for i, x in enumerate(page) if not (i in (0, last) and key(x) in running)])
    return out


def join_lines(pages: list[list[str]]) -> list[str]:
    """Join lines that the page layout broke in mid-sentence, across pages too."""
    flat = [line for page in pages for line in page]
    if not flat:
        return []
    widths = sorted(len(line) for line in flat)
    full = widths[int(len(widths) * 0.9)] if len(widths) >= 5 else widths[-1]
    out: list[str] = []
    previous = ""
    for line in flat:
        if out and continues(previous, line, full):
            out[-1] = glue(out[-1], line)
        else:
            out.append(line)
        previous = line
    return out


def continues(previous: str, line: str, full: int) -> bool:
    """Tell whether ``line`` continues the physical line ``previous`` (full width, mid-sentence)."""
    if SENTENCE_END.search(previous) or HEADING_START.match(line):
        return False
    return len(previous) >= full * 0.85


def glue(left: str, right: str) -> str:
    """Join two pieces of a broken line: no space between CJK, one between Latin words."""
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return left + " " + right
    return left + right
