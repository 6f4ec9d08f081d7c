"""Load test on loopback: N concurrent clients on the search, reader, entity and compare pages.

Usage: python bench/load.py [--clients 8] [--seconds 30] [--threads 8] [--data-dir DIR] [--out bench/RESULTS-load.md]

Starts `plangraph serve` on a free 127.0.0.1 port (building corpus/ into a
temporary data dir unless one is given), runs the clients for the given time
with stdlib http.client (one keep-alive connection each), samples the server's
memory, and prints requests/s, p50/p99 latency per page family, errors (must be
0) and the server's peak RSS.  Exits 1 on any error.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "plangraph"
QUERIES = ["养老", "社区", "城市更新", "垃圾分类", "营商环境", "文化", "公园", "就业", "交通", "绿色发展",
           "智慧", "教育"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", quote(path, safe="/?=&.%#-"))
    response = conn.getresponse()
    return response.status, response.read()


def urls(port: int) -> dict[str, list[str]]:
    """Real URLs of each page family, read from the running server."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    plans = json.loads(fetch(conn, "/index.json")[1])["plans"]
    entities = []
    for plan in plans:
        reader = json.loads(fetch(conn, f"/plan/{plan['id']}.json")[1])
        entities += [s["ref"] for n in reader["nodes"] for s in n["segments"] if s.get("kind") == "entity"]
    conn.close()
    ids = [p["id"] for p in plans]
    return {
        "search": [f"/search?q={q}" for q in QUERIES] + [f"/search.json?q={q}&page=2" for q in QUERIES[:4]],
        "reader": [f"/plan/{i}" for i in ids],
        "entity": [f"/entity/{e}" for e in sorted(set(entities))[:40]],
        "compare": ["/compare", f"/compare?a={ids[-1]}&b={ids[0]}", "/compare.json"],
    }


class Client(threading.Thread):
    """One client: a keep-alive connection requesting random pages until the deadline."""

    def __init__(self, port: int, pages: dict[str, list[str]], deadline: float, seed: int):
        super().__init__(daemon=True)
        self.port, self.pages, self.deadline = port, pages, deadline
        self.random = random.Random(seed)
        self.times: dict[str, list[float]] = {family: [] for family in pages}
        self.errors: list[str] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        families = list(self.pages)
        while time.monotonic() < self.deadline:
            family = self.random.choice(families)
            path = self.random.choice(self.pages[family])
            began = time.perf_counter()
            try:
                status, body = fetch(conn, path)
            except (OSError, http.client.HTTPException) as exc:
                self.errors.append(f"{path}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                continue
            self.times[family].append(time.perf_counter() - began)
            if status != 200 or not body:
                self.errors.append(f"{path}: HTTP {status}")
        conn.close()


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    """A memory figure of a process from /proc (kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def start_server(data: Path, threads: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([str(BIN), "serve", "--port", str(port), "--data-dir", str(data), "--threads",
                             str(threads)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            if fetch(conn, "/index.json")[0] == 200:
                conn.close()
                return proc, port
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def run(args) -> dict:
    """Start the server, warm it, run the clients, return the figures."""
    tmp = None
    data = Path(args.data_dir) if args.data_dir else None
    if data is None:
        tmp = tempfile.TemporaryDirectory(prefix="plangraph-load-")
        data = Path(tmp.name)
        subprocess.run([str(BIN), "build", str(ROOT / "corpus"), "--data-dir", str(data)], check=True,
                       capture_output=True)
    proc, port = start_server(data, args.threads)
    try:
        pages = urls(port)
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for family in pages.values():
            for path in family:
                fetch(warm, path)
        warm.close()
        peak, stop = [rss_kb(proc.pid)], threading.Event()

        def sample() -> None:
            while not stop.wait(0.2):
                peak.append(rss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        began = time.monotonic()
        clients = [Client(port, pages, began + args.seconds, seed) for seed in range(args.clients)]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        elapsed = time.monotonic() - began
        stop.set()
        sampler.join()
        hwm = rss_kb(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait(30)
        if tmp is not None:
            tmp.cleanup()
    families = {}
    for family in pages:
        times = [t for c in clients for t in c.times[family]]
        families[family] = {"requests": len(times), "p50_ms": round(1000 * percentile(times, 0.5), 1),
                            "p99_ms": round(1000 * percentile(times, 0.99), 1)}
    every = [t for c in clients for f in pages for t in c.times[f]]
    errors = [e for c in clients for e in c.errors]
    return {"clients": args.clients, "threads": args.threads, "seconds": round(elapsed, 1),
            "requests": len(every), "rps": round(len(every) / elapsed, 1),
            "p50_ms": round(1000 * statistics.median(every), 1) if every else 0,
            "p99_ms": round(1000 * percentile(every, 0.99), 1), "errors": len(errors), "error_samples": errors[:5],
            "peak_rss_mb": round(max(max(peak), hwm) / 1024, 1), "families": families}


def markdown(result: dict, command: str) -> str:
    """The figures as the RESULTS-load.md report."""
    lines = ["# Load test (loopback)", "", f"Command: `{command}`", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {socket.gethostname()}: {result['clients']} clients, "
             f"waitress with {result['threads']} threads, {result['seconds']} s; {os.cpu_count()} CPU cores shared by "
             "the server and the clients.", "",
             "| pages | requests | p50 ms | p99 ms |", "|---|---:|---:|---:|"]
    for family, row in result["families"].items():
        lines.append(f"| {family} | {row['requests']} | {row['p50_ms']} | {row['p99_ms']} |")
    lines += [f"| **all** | **{result['requests']}** | **{result['p50_ms']}** | **{result['p99_ms']}** |", "",
              f"- requests/s: **{result['rps']}**", f"- errors: **{result['errors']}**",
              f"- peak server RSS: **{result['peak_rss_mb']} MB** (max of VmRSS samples and VmHWM; SPARQL workers "
              "not included, none are started by these pages)", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--data-dir")
    parser.add_argument("--out", help="write the Markdown report here")
    args = parser.parse_args()
    result = run(args)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.out:
        command = "python bench/load.py " + " ".join(sys.argv[1:])
        Path(args.out).write_text(markdown(result, command), encoding="utf-8")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
