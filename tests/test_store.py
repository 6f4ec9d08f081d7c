"""The store's file plumbing: N-Triples parts (plain or gzip) read as one stream, in whole lines."""

from __future__ import annotations

import gzip

import pytest

from graph.store import Chained


@pytest.mark.parametrize("size", [1, 2, 3, 5, 100])
def test_chained_files_read_as_one_stream_in_whole_lines(tmp_path, size):
    (tmp_path / "a.nt").write_bytes(b"a\nbb\nccc")
    (tmp_path / "b.nt.gz").write_bytes(gzip.compress(b"c\ndddd\n"))
    (tmp_path / "empty.nt").write_bytes(b"")
    files = [tmp_path / "a.nt", tmp_path / "empty.nt", tmp_path / "b.nt.gz"]
    with Chained(files) as data:
        assert data.size == 15
        pieces = list(data.chunks(size))
    assert b"".join(pieces) == b"a\nbb\ncccc\ndddd\n" and all(p.endswith(b"\n") for p in pieces)
    with Chained(files) as data:
        assert data.read() == b"a\nbb\ncccc\ndddd\n" and data.read(4) == b""
