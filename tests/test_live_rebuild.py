"""A real server answering while `plangraph build` swaps the data under it: every answer is whole and the old
or the new build, never a mix; no request fails; a failed build changes nothing."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import CORPUS

BIN = Path(sys.executable).parent / "plangraph"
EXTRA_PLAN = """某某街道社区养老服务提升行动方案
一、总体要求
到2026年，新增养老床位120张，社区养老服务设施覆盖率达到100%。
二、重点任务
（一）完善养老服务网络
1.建设街道综合养老服务中心。
2.推进老旧小区适老化改造。
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plangraph(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=timeout)


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", quote(path, safe="/?=&.%"))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> tuple[Path, Path]:
    """Two folders: the corpus (2 plans) and the corpus plus one more plan (3 plans)."""
    small = tmp_path_factory.mktemp("corpus-a")
    large = tmp_path_factory.mktemp("corpus-b")
    for path in CORPUS.glob("*.txt"):
        shutil.copy(path, small / path.name)
        shutil.copy(path, large / path.name)
    (large / "elderly-care-plan.txt").write_text(EXTRA_PLAN, encoding="utf-8")
    return small, large


@pytest.fixture(scope="module")
def server(tmp_path_factory, corpora):
    """`plangraph serve` on a free loopback port over a data dir built from the small corpus."""
    data = tmp_path_factory.mktemp("live-data")
    built = plangraph("build", str(corpora[0]), "--data-dir", str(data))
    assert built.returncode == 0, built.stderr
    port = free_port()
    proc = subprocess.Popen([str(BIN), "serve", "--port", str(port), "--data-dir", str(data), "--threads", "8"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if get(port, "/index.json")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
        yield port, data
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def plan_ids(port: int) -> frozenset[str]:
    status, body = get(port, "/index.json")
    assert status == 200
    return frozenset(p["id"] for p in json.loads(body)["plans"])


class Readers:
    """Threads requesting pages until stopped; each answer is checked against the two known builds."""

    PATHS = ["/index.json", "/search.json?q=养老", "/search.json?q=社区", "/compare.json", "/indicators.json",
             "/index", "/search?q=养老"]

    def __init__(self, port: int, data: Path, builds: set[frozenset[str]], threads: int = 6):
        self.port, self.data, self.builds = port, data, builds
        self.errors: list[str] = []
        self.seen: set[frozenset[str]] = set()
        self.count = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(threads)]

    def run(self, offset: int) -> None:
        i = offset
        while not self.stop.is_set():
            path = self.PATHS[i % len(self.PATHS)]
            i += 1
            try:
                status, body = get(self.port, path)
                problem = self.check(path, status, body)
            except Exception as exc:  # any failure of the request is what this test looks for
                problem = f"{path}: {type(exc).__name__}: {exc}"
            with self.lock:
                self.count += 1
                if problem:
                    self.errors.append(problem)

    def check(self, path: str, status: int, body: bytes) -> str:
        """Return what is wrong with one answer, or ""."""
        if status != 200:
            return f"{path}: HTTP {status}: {body[:200]!r}"
        if not path.endswith(".json") and ".json?" not in path:
            return "" if body.rstrip().endswith(b"</html>") else f"{path}: incomplete page"
        data = json.loads(body)
        known = frozenset().union(*self.builds)
        if path == "/index.json":
            ids = frozenset(p["id"] for p in data["plans"])
            with self.lock:
                self.seen.add(ids)
            return "" if ids in self.builds else f"/index.json: plans {sorted(ids)} match neither build"
        if path.startswith("/search"):
            listed = self.build_plans(data["build"])
            hits = {h.get("plan_id") for h in data["hits"]}
            if listed not in self.builds or not hits <= listed:
                return f"{path}: hits from {sorted(hits)} in build {data['build']} of plans {sorted(listed)}"
        if path == "/compare.json" and {p["id"] for p in data["sides"]} - known:
            return "/compare.json: unknown plans"
        return ""

    def build_plans(self, build: str) -> frozenset[str]:
        """The plan ids of a build the server named (it was just served, so it is kept on disk)."""
        manifest = json.loads((self.data / "builds" / build / "manifest.json").read_text(encoding="utf-8"))
        return frozenset(p["id"] for p in manifest["plans"])

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)


def test_rebuilds_under_load_show_old_or_new_never_a_mix(server, corpora, tmp_path):
    port, data = server
    small_ids = plan_ids(port)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "only-bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    from ingest.meta import plan_id_for

    large_ids = small_ids | {plan_id_for(corpora[1] / "elderly-care-plan.txt")}
    builds = {small_ids, large_ids}
    with Readers(port, data, builds) as readers:
        time.sleep(1)
        for round_ in range(4):
            folder = corpora[1] if round_ % 2 == 0 else corpora[0]
            result = plangraph("build", str(folder), "--data-dir", str(data))
            assert result.returncode == 0, result.stderr
            time.sleep(1)
        current = (data / "CURRENT").read_text()
        failed = plangraph("build", str(broken), "--data-dir", str(data))
        assert failed.returncode != 0 and "only-bad.txt" in failed.stderr
        assert (data / "CURRENT").read_text() == current, "a failed build changes nothing"
        time.sleep(1)
    assert not readers.errors, readers.errors[:5]
    assert readers.count > 100
    assert readers.seen == builds, "readers saw both builds, and nothing else"
    assert plan_ids(port) == small_ids
