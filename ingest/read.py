"""Read a plan file (txt, md, docx, pdf) into source lines.

Every reader returns the same thing: a list of :class:`SourceLine`, one per
line of the document, with the heading level and boldness the format itself
gives.  Bad input raises :class:`~ingest.errors.IngestError` with one line
naming the file and the reason (Chinese first, then English).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import IngestError

#: Files larger than this are refused before anything is read.
MAX_BYTES = 64 * 1024 * 1024

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".pdf")

#: Magic numbers of binary formats that turn up renamed as text.
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE container (.doc/.xls)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"Rar!", "RAR archive"),
    (b"\x7fELF", "executable"),
    (b"MZ", "executable"),
)

# C0 and C1 control characters except tab and newline, plus invisible marks
# (zero-width space, BOM, word joiner) that only get in the way of matching.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2060\ufeff]")
LINE_BREAK = re.compile("\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
CHINESE_ENCODINGS = ("gb18030", "gbk", "gb2312", "hz", "big5", "big5hkscs", "cp950", "cp936")


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


def fail(path: Path, chinese: str, english: str) -> IngestError:
    """Build the one-line error for ``path``: Chinese reason, then English."""
    return IngestError(path, f"{chinese} ({english})")


def sniff_binary(data: bytes) -> str:
    """Return the binary format ``data`` starts with, or "" for text-like bytes."""
    for magic, name in MAGIC:
        if data.startswith(magic):
            return name
    return ""


def decode(data: bytes, path: Path) -> str:
    """Decode text bytes: BOM first, then UTF-8, then a Chinese encoding found by charset-normalizer."""
    if data.startswith(b"\xef\xbb\xbf"):
        return strict(data[3:], "utf-8", path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return strict(data, "utf-16", path)
    kind = sniff_binary(data)
    if kind:
        raise fail(path, f"二进制文件：{kind}", f"binary file ({kind}), not text")
    if b"\x00" in data:
        raise fail(path, "二进制文件", "binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return decode_legacy(data, path)


def strict(data: bytes, encoding: str, path: Path) -> str:
    """Decode with ``encoding`` or raise IngestError naming it."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise fail(path, "无法解码文本", f"cannot decode text as {encoding} at byte {err.start}") from None


def decode_legacy(data: bytes, path: Path) -> str:
    """Decode non-UTF-8 text: GB18030 when it fits, else what charset-normalizer finds."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    guess = best.encoding.lower().replace("-", "") if best else ""
    if guess in CHINESE_ENCODINGS and guess.startswith(("big5", "cp950")):
        return strict(data, guess, path)
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    if text and (guess in CHINESE_ENCODINGS or cjk_share(text) > 0.2):
        return text
    mixed = decode_per_line(data)
    if mixed and cjk_share(mixed) > 0.2:
        return mixed
    if best is not None and guess:
        return str(best)
    raise fail(path, "无法识别的文本编码或二进制文件",
               "cannot decode text: not UTF-8, UTF-16 or GB18030, or a binary file")


def decode_per_line(data: bytes) -> str:
    """Decode a file that mixes UTF-8 and GB18030 lines, each line on its own; "" if a line fits neither."""
    out = []
    for raw in data.split(b"\n"):
        for encoding in ("utf-8", "gb18030"):
            try:
                out.append(raw.decode(encoding))
                break
            except UnicodeDecodeError:
                continue
        else:
            return ""
    return "\n".join(out)


def cjk_share(text: str) -> float:
    """Return the share of CJK ideographs among the non-space characters of ``text``."""
    chars = [c for c in text[:20000] if not c.isspace()]
    if not chars:
        return 0.0
    return sum("\u4e00" <= c <= "\u9fff" for c in chars) / len(chars)


def clean_text(text: str) -> str:
    """Unify line endings and drop control characters (keeping tab and newline)."""
    return CONTROL.sub("", LINE_BREAK.sub("\n", text))


def check_file(path: Path) -> None:
    """Refuse missing, unknown, oversized and empty files before reading them."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise fail(path, f"不支持的文件类型 {suffix or '（无扩展名）'}",
                   f"unsupported file type {suffix or '(none)'!r}; use one of {', '.join(SUFFIXES)}")
    if not path.exists():
        raise fail(path, "文件不存在", "no such file")
    if not path.is_file():
        raise fail(path, "不是文件", "not a regular file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise fail(path, "文件过大", f"file too large: {size // 2**20} MB, limit {MAX_BYTES // 2**20} MB")
    if size == 0:
        raise fail(path, "文件为空", "file is empty")


def read_text_file(path: Path) -> list[SourceLine]:
    """Read a .txt/.md file; Markdown syntax is honoured wherever the text uses it."""
    from ingest.formats_markdown import looks_like_markdown, markdown_lines

    text = clean_text(decode(path.read_bytes(), path))
    raw = text.split("\n")
    if path.suffix.lower() != ".txt" or looks_like_markdown(raw):
        return markdown_lines(raw)
    return [SourceLine(line) for line in raw]


def read_lines(path: str | Path) -> list[SourceLine]:
    """Read ``path`` into lines; raise IngestError naming the file on bad input."""
    path = Path(path)
    check_file(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        from ingest.formats_docx import read_docx

        lines = read_docx(path)
    elif suffix == ".pdf":
        from ingest.formats_pdf import read_pdf

        lines = read_pdf(path)
    else:
        lines = read_text_file(path)
    lines = [SourceLine(CONTROL.sub("", x.text), x.level, x.bold) for x in lines]
    if not any(line.text.strip() for line in lines):
        raise fail(path, "文件为空", "file is empty (no text, whitespace only)")
    return lines
