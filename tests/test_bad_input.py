"""Bad and hostile input: each file either ingests or fails with one line naming it and the reason."""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.clean import clean_document
from ingest.errors import IngestError
from ingest.read import MAX_BYTES, read_lines

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def docx_bytes(tmp_path: Path) -> bytes:
    """Return the bytes of a small valid .docx."""
    import docx

    document = docx.Document()
    document.add_paragraph("某某街道行动方案")
    document.add_paragraph("一、总体要求")
    path = tmp_path / "valid.docx"
    document.save(path)
    return path.read_bytes()


def write_truncated_docx(path: Path) -> None:
    data = docx_bytes(path.parent)
    path.write_bytes(data[: len(data) // 2])


def write_docx_without_document(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")


def write_docx_bomb(path: Path) -> None:
    # 300 MB of zeros compress to a few hundred kilobytes: the zip directory tells the truth before we read.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/media/zeros.bin", "w", force_zip64=True) as part:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                part.write(chunk)


def write_encrypted_pdf(path: Path) -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), encrypt=StandardEncryption("secret", ownerPassword="owner"))
    pdf.drawString(72, 720, "Plan text behind a password")
    pdf.save()


def write_scanned_pdf(path: Path) -> None:
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    pdf.rect(72, 500, 400, 200, fill=1)  # a page that is all picture, no text
    pdf.showPage()
    pdf.save()


def write_huge_sparse(path: Path) -> None:
    with path.open("wb") as f:
        f.truncate(MAX_BYTES + 1)


def data(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


CASES = [
    ("empty.txt", data(b""), "file is empty"),
    ("blank.txt", data(" \n\t\r\n\u3000\n".encode()), "file is empty"),
    ("blank.md", data(b"\n\n   \n"), "file is empty"),
    ("picture.txt", data(PNG), "binary file (PNG image), not text"),
    ("nul.txt", data("方案\x00正文".encode()), "binary file (contains NUL bytes)"),
    ("noise.txt", data(bytes(range(128, 256)) * 20), "cannot decode text"),
    ("bad-utf16.txt", data(b"\xff\xfe\x00\xd8"), "cannot decode text as utf-16"),
    ("truncated.docx", write_truncated_docx, "corrupt or truncated .docx"),
    ("nodocument.docx", write_docx_without_document, "corrupt .docx: no word/document.xml"),
    ("pdf-renamed.docx", data(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n"), "corrupt or truncated .docx"),
    ("legacy.docx", data(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512), "encrypted or legacy Word file"),
    ("bomb.docx", write_docx_bomb, "refusing a possible zip bomb"),
    ("locked.pdf", write_encrypted_pdf, "encrypted PDF: password required"),
    ("scanned.pdf", write_scanned_pdf, "scanned PDF: no text layer"),
    ("garbage.pdf", data(b"this is not a pdf at all"), "corrupt PDF"),
    ("huge.txt", write_huge_sparse, "file too large: 64 MB, limit 64 MB"),
    ("plan.xyz", data("方案".encode()), "unsupported file type '.xyz'"),
    ("noextension", data("方案".encode()), "unsupported file type '(none)'"),
]


@pytest.mark.parametrize(("name", "make", "reason"), CASES, ids=[c[0] for c in CASES])
def test_bad_file_fails_with_one_line_naming_it(tmp_path: Path, name: str, make, reason: str):
    path = tmp_path / name
    make(path)
    with pytest.raises(IngestError) as caught:
        read_lines(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert reason in message
    assert "\n" not in message


def test_missing_file(tmp_path: Path):
    with pytest.raises(IngestError, match="no such file"):
        read_lines(tmp_path / "gone.txt")


def cleaned(path: Path):
    """Read and clean ``path``, failing the test if it takes more than a few seconds."""
    began = time.perf_counter()
    doc = clean_document(read_lines(path))
    assert time.perf_counter() - began < 10
    return doc


HOSTILE = [
    ("many-headings.txt", "某某方案\n" + "".join(f"{i}.第{i}项任务\n" for i in range(1, 10001)), 10000),
    ("one-long-line.txt", "某某方案\n" + "推进城市更新，" * 150000 + "\n", 1),
    ("no-headings.txt", "某某方案\n" + "正文内容没有任何标题。\n" * 2000, 2000),
    ("controls.txt", "某某方案\n\x01\x02正文\x1b\x7f内容\x9f。\n", 1),
    ("rtl-emoji.txt", "某某方案 🚀\nمرحبا بالعالم ‮反转‬ 👨‍👩‍👧 正文。\n", 1),
    ("brackets.txt", "某某方案\n" + "(" * 100000 + "中" + ")" * 100000 + "\n", 1),
]


@pytest.mark.parametrize(("name", "text", "count"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_text_ingests_in_bounded_time(tmp_path: Path, name: str, text: str, count: int):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    doc = cleaned(path)
    assert doc.title.startswith("某某方案")
    assert len(doc.lines) == count
    assert not any(ch in line.text for line in doc.lines for ch in "\x01\x02\x1b\x7f\x9f")


def test_mixed_encodings_still_ingest(tmp_path: Path):
    # A UTF-8 file with a pasted GBK paragraph: not valid UTF-8, so the whole file is decoded as GB18030.
    path = tmp_path / "mixed.txt"
    path.write_bytes("某某方案\n".encode("gbk") + "正文第一段。\n".encode("gbk") + "第二段。\n".encode())
    doc = cleaned(path)
    assert doc.title == "某某方案"
    assert doc.lines[0].text == "正文第一段。"


def write_big_text(path: Path, size: int = 100 * 2**20) -> None:
    """A real (not sparse) text file of ``size`` bytes, written in chunks."""
    line = "推进城市更新，完善社区服务设施。\n".encode()
    chunk = line * (2**20 // len(line))
    with path.open("wb") as f:
        for _ in range(size // len(chunk) + 1):
            f.write(chunk)


def test_a_100_mb_text_is_refused_before_it_is_read(tmp_path: Path):
    import tracemalloc

    from ingest import parse_file

    path = tmp_path / "huge-real.txt"
    write_big_text(path)
    tracemalloc.start()
    try:
        with pytest.raises(IngestError, match="file too large: 100 MB, limit 64 MB") as caught:
            parse_file(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(caught.value).startswith(f"{path}: ")
    assert peak < 8 * 2**20, f"{peak // 2**20} MB held while refusing the file"


def write_mixed_encodings(path: Path) -> None:
    path.write_bytes("某某方案\n".encode() + "一、总体要求\n".encode("gbk") + "到2025年，新增床位20张。\n".encode())


def write_rtl_emoji(path: Path) -> None:
    path.write_text("某某方案 🚀\n一、总体要求 👨‍👩‍👧\nمرحبا ‮反转‬ 正文。\n", encoding="utf-8")


FOLDER = [  # (file name, how to make it, ingests?)
    *[(name, make, False) for name, make, _ in CASES if name.endswith((".txt", ".md", ".docx", ".pdf"))],
    *[(name, data(text.encode()), True) for name, text, _ in HOSTILE],
    ("mixed-encodings.txt", write_mixed_encodings, True),
    ("rtl-emoji-2.txt", write_rtl_emoji, True),
    ("huge-real.txt", write_big_text, False),
]


def test_a_folder_of_bad_files_still_builds_the_good_plan(tmp_path: Path):
    """Every bad file is skipped with one line naming it; the good plan and the odd-but-readable ones are built."""
    import shutil
    import subprocess
    import sys

    from tests.conftest import CORPUS

    folder = tmp_path / "folder"
    folder.mkdir()
    for name, make, _ in FOLDER:
        make(folder / name)
    shutil.copy(CORPUS / "hangzhoudao-action-plan.txt", folder)
    data = tmp_path / "data"
    began = time.perf_counter()
    result = subprocess.run([str(Path(sys.executable).parent / "plangraph"), "build", "--json", str(folder),
                             "--data-dir", str(data)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert time.perf_counter() - began < 300
    built = {p["source"] for p in json.loads(result.stdout)["plans"]}
    assert "hangzhoudao-action-plan.txt" in built
    for name, _, ingests in FOLDER:
        if ingests:
            assert name in built, name
        else:
            assert name not in built
            lines = [line for line in result.stderr.splitlines() if f"{folder / name}: " in line]
            assert len(lines) == 1, (name, result.stderr[-1500:])
