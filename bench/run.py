"""The plangraph benchmark: build 2 to 4,000 plans, time every stage, serve them, and write bench/RESULTS.md.

Usage: .venv/bin/python bench/run.py [--sizes 2,40,400,4000] [--quick] [--budget SECONDS]

Corpora are the bundled corpus, ../shared/holdout and ../shared/scale, linked as
often as needed under distinct names into a temporary folder.  Every build runs
in a child process (its peak memory is its own).  A size whose estimated time
would pass the budget is skipped and its estimate written instead.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
STAGES = Path(__file__).with_name("stages.py")
RESULTS = Path(__file__).with_name("RESULTS.md")
#: Words for the indicators page's filter: one character (many hits), two, and longer.
INDICATOR_WORDS = ("率", "养老", "城镇新增就业", "高标准农田")
MB = 1024 * 1024


def sources() -> list[Path]:
    """Return the real plan files, corpus first, then holdout, then scale."""
    found = sorted((ROOT / "corpus").glob("*.txt"))
    for folder in ("holdout", "scale"):
        found += sorted((SHARED / folder).glob("*.txt"))
    return found


def make_corpus(size: int, dest: Path) -> Path:
    """Link ``size`` plan files into ``dest`` (copies get a distinct name prefix) and return it."""
    files = sources()
    dest.mkdir(parents=True, exist_ok=True)
    for i in range(size):
        src = files[i % len(files)]
        copy = i // len(files)
        (dest / (f"c{copy:03d}-{src.name}" if copy else src.name)).symlink_to(src)
    return dest


def child(*args: str, env: dict | None = None) -> tuple[dict, dict]:
    """Run a stages.py function in a child; return its JSON and (wall, cpu, peak memory) of the child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(STAGES), *args], stdout=subprocess.PIPE,
                            env={**os.environ, **(env or {})}, cwd=ROOT)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    if proc.returncode:
        raise SystemExit(f"bench child {args[0]} failed with exit {proc.returncode}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads(out), {"wall": time.perf_counter() - started, "cpu": cpu, "maxrss_mb": usage.ru_maxrss / 1024}


def plangraph() -> list[str]:
    """Return the command that runs the plangraph CLI of this checkout."""
    script = Path(sys.executable).with_name("plangraph")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from web.cli import main; main()"]


def timed_cli(*args: str) -> dict:
    """Run a plangraph command; return its wall time and CPU time (workers included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([*plangraph(), *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall": time.perf_counter() - started,
            "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)}


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 60) -> tuple[int, bytes]:
    """GET ``url``; return status and body (HTTP errors are returned, not raised)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


class Server:
    """`plangraph serve` on a free loopback port, started and stopped by the benchmark."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        started = time.perf_counter()
        self.proc = subprocess.Popen([*plangraph(), "serve", "--data-dir", str(data_dir), "--port", str(self.port)],
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = started + 300
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"plangraph serve exited with {self.proc.returncode}")
            try:
                if get(self.url("/search.json", q="规划"), timeout=5)[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        self.cold_start = time.perf_counter() - started

    def url(self, path: str, **params: str) -> str:
        return self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")

    def json(self, path: str, **params: str) -> dict:
        try:
            status, body = get(self.url(path, **params), timeout=300)
        except TimeoutError:
            return {}
        return json.loads(body) if status == 200 else {}

    def peak_mb(self) -> float:
        """Return the server's peak resident memory so far (VmHWM), in MB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def latency_urls(server: Server) -> dict[str, list[str]]:
    """Return the URLs to time per family: search, trace, compare, pages, on real ids of this build."""
    from web.datadir import DataDir, read_manifest

    queries = json.loads((ROOT / "tests" / "search_queries.json").read_text(encoding="utf-8"))["queries"]
    build = DataDir(server.data_dir).require()
    plans = [p["id"] for p in read_manifest(build)["plans"]]
    goals = [g["id"] for g in server.json("/trace.json").get("goals", []) if isinstance(g, dict) and g.get("id")]
    step = max(1, len(goals) // 5)
    sample = plans[:: max(1, len(plans) // 5)][:5]
    entities = []
    for plan_id in sample:
        model = json.loads((build / "plans" / f"{plan_id}.json").read_text(encoding="utf-8"))
        entities += [e["id"] for e in model.get("entities", [])[:1]]
    return {
        "search": [server.url("/search.json", q=q["q"]) for q in queries[:20]],
        "search page": [server.url("/search", q=q["q"]) for q in queries[:5]],
        "trace": [server.url("/trace.json", goal=g) for g in goals[::step][:5]],
        "trace page": [server.url("/trace", goal=g) for g in goals[::step][:5]],
        "compare": [server.url("/compare.json", a=a, b=b) for a, b in zip(plans[:5], plans[1:6])],
        "compare page": [server.url("/compare", a=a, b=b) for a, b in zip(plans[:5], plans[1:6])],
        "plan page": [server.url(f"/plan/{p}") for p in sample],
        "entity page": [server.url(f"/entity/{e}") for e in entities],
        "indicators page": [server.url("/indicators")],
        "indicators word filter": [server.url("/indicators", q=w) for w in INDICATOR_WORDS],
        "home page": [server.url("/")],
    }


def latencies(server: Server, rounds: int, cap_s: float = 40.0) -> dict[str, dict]:
    """Time every URL family: first request, then up to ``rounds`` warm rounds within ``cap_s`` seconds."""
    out = {}
    for family, urls in latency_urls(server).items():
        if not urls:
            continue
        first, warm = [], []
        deadline = time.perf_counter() + cap_s
        for n in range(rounds + 1):
            for url in urls:
                if n and time.perf_counter() > deadline:
                    break
                started = time.perf_counter()
                try:
                    status, _ = get(url, timeout=300)
                except TimeoutError:
                    status = 200  # counted as the full 300 s: slow, but an answer is not required to time it
                elapsed = (time.perf_counter() - started) * 1000
                if status != 200:
                    raise SystemExit(f"{url}: HTTP {status}")
                (first if n == 0 else warm).append(elapsed)
        warm = warm or first
        out[family] = {"urls": len(urls), "first_max": max(first), "p50": statistics.median(warm),
                       "p95": percentile(warm, 95), "n": len(warm)}
    return out


def same_plans(a: Path, b: Path) -> bool:
    """Tell whether two data dirs' live builds hold byte-identical plan models."""
    def plans(root: Path) -> dict[str, bytes]:
        build = root / "builds" / (root / "CURRENT").read_text(encoding="utf-8").strip() / "plans"
        return {p.name: p.read_bytes() for p in build.glob("*.json")}
    return plans(a) == plans(b)


def run_size(size: int, work: Path, rounds: int, built: dict | None = None) -> dict:
    """Build, serve and query one corpus size (``built``: the figures of a build already in ``work``)."""
    data = work / f"data-{size}"
    if built is None:
        folder = make_corpus(size, work / f"plans-{size}")
        print(f"[{size}] building {size} plans …", file=sys.stderr, flush=True)
        result, proc = child("staged", str(folder), str(data))
        result.update(process=proc, commit=commit())
        print(f"[{size}] built in {proc['wall']:.1f} s; serving …", file=sys.stderr, flush=True)
    else:
        result = {**built, "served_at": commit()}
        print(f"[{size}] serving the kept build …", file=sys.stderr, flush=True)
    server = Server(data)
    try:
        result["cold_start"] = server.cold_start
        result["latency"] = latencies(server, rounds)
        result["server_mb"] = server.peak_mb()
    finally:
        server.stop()
    return result


def comparisons(work: Path, size: int, quick: bool) -> dict:
    """Side-by-side choices at one size: segmenters, triple stores, one core vs two, incremental build."""
    folder = work / f"plans-{size}"
    out: dict[str, object] = {"size": size}
    print(f"[compare] segmenters, stores, workers at {size} plans …", file=sys.stderr, flush=True)
    out["segmenters"], _ = child("segmenters", str(folder))
    out["stores"], _ = child("stores", str(work / f"data-{size}"))
    runs = {}
    for name, workers, env in (("rjieba, 2 workers", "2", {}), ("rjieba, 1 worker", "1", {}),
                               ("jieba, 2 workers", "2", {"PLANGRAPH_SEGMENTER": "jieba"})):
        if quick and name.startswith("jieba"):
            continue
        data = work / f"real-{size}-{len(runs)}"
        runs[name], proc = child("real", str(folder), str(data), workers, env=env)
        runs[name].update(process=proc, identical_to_staged=same_plans(data, work / f"data-{size}"))
    out["builds"] = runs
    data = work / f"real-{size}-0"
    out["warm"], out["warm"]["process"] = child("real", str(folder), str(data), "2")
    changed = folder / sorted(os.listdir(folder))[-1]
    text = changed.read_text(encoding="utf-8")
    changed.unlink()
    changed.write_text(text + "\n（本文件为基准测试修改的副本。）\n", encoding="utf-8")
    out["one_changed"], out["one_changed"]["process"] = child("real", str(folder), str(data), "2")
    print(f"[compare] profiling the one-core build at {size} plans …", file=sys.stderr, flush=True)
    out["profile"], _ = child("profile", str(folder), str(work / f"profile-{size}"))
    return out


def corpus_cli(work: Path) -> dict:
    """Time `plangraph build corpus` into a fresh data dir (cold), again (warm), and a search command."""
    data = work / "cli-corpus"
    cold = timed_cli("build", "corpus", "--data-dir", str(data))
    warm = timed_cli("build", "corpus", "--data-dir", str(data))
    search = timed_cli("search", "养老", "--data-dir", str(data))
    return {"cold": cold, "warm": warm, "search": search}


def estimate(done: list[dict], size: int) -> float:
    """Estimate seconds for a size from the largest one done (linear in characters, +20 % for growth)."""
    last = done[-1]
    return last["process"]["wall"] * size / last["plans"] * 1.2 + 30


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2,40,400,4000", help="corpus sizes (default 2,40,400,4000)")
    parser.add_argument("--quick", action="store_true", help="fewer query rounds, fewer comparisons")
    parser.add_argument("--budget", type=float, default=1500, help="seconds the whole run may take (default 1500)")
    parser.add_argument("--no-compare", action="store_true", help="skip the side-by-side comparisons")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the results (Markdown)")
    parser.add_argument("--work", type=Path, help="work folder to use and keep (default: a temporary one, removed)")
    parser.add_argument("--serve-only", action="store_true",
                        help="serve and query the builds kept in --work again; build figures come from --out's JSON")
    args = parser.parse_args(argv)
    if args.serve_only and not args.work:
        parser.error("--serve-only needs --work")
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    started = time.perf_counter()
    rounds = 3 if args.quick else 10
    work = args.work or Path(tempfile.mkdtemp(prefix="plangraph-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, object] = {"command": " ".join(["python bench/run.py", *(argv or sys.argv[1:])]),
                                 "machine": machine(), "sizes": [], "skipped": []}
    if args.serve_only:
        return serve_again(args, work, report, rounds)
    try:
        report["corpus_cli"] = corpus_cli(work)
        for size in sizes:
            done = report["sizes"]
            guess = estimate(done, size) if done else 0
            left = args.budget - (time.perf_counter() - started)
            if done and guess > left:
                print(f"[{size}] skipped: estimated {guess:.0f} s, {left:.0f} s of budget left", file=sys.stderr)
                report["skipped"].append({"size": size, "estimate_s": guess, "left_s": left})
                continue
            done.append(run_size(size, work, rounds))
        if not args.no_compare:
            compare_size = 40 if 40 in sizes else sizes[0]
            report["compare"] = comparisons(work, compare_size, args.quick)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    report["seconds"] = time.perf_counter() - started
    return write(report, args.out)


def serve_again(args: argparse.Namespace, work: Path, report: dict, rounds: int) -> int:
    """Serve the builds kept in ``work`` with this checkout's code; keep the earlier build figures."""
    started = time.perf_counter()
    earlier = json.loads(args.out.with_suffix(".json").read_text(encoding="utf-8"))
    for built in earlier["sizes"]:
        data = work / f"data-{built['plans']}"
        if not data.is_dir():
            raise SystemExit(f"{data}: no kept build to serve")
        report["sizes"].append(run_size(built["plans"], work, rounds, built=built))
    report.update({key: earlier[key] for key in ("corpus_cli", "compare", "skipped") if key in earlier})
    report["built_by"] = earlier["command"]
    report["seconds"] = time.perf_counter() - started
    return write(report, args.out)


def write(report: dict, out: Path) -> int:
    """Write the report as JSON beside ``out`` and as Markdown to ``out``."""
    out.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    from bench.report import render

    out.write_text(render(report), encoding="utf-8")
    print(f"wrote {out} in {report['seconds']:.0f} s", file=sys.stderr)
    return 0


def commit() -> str:
    """Return the short commit of this checkout (with "+" when it has uncommitted changes)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return git("rev-parse", "--short", "HEAD") + ("+" if git("status", "--porcelain", "--untracked-files=no") else "")


def machine() -> dict:
    """Describe the machine and its load while the benchmark starts."""
    from ingest import segment

    return {"python": platform.python_version(), "cores": os.cpu_count(), "load": os.getloadavg(),
            "segmenter": segment.engine(), "date": time.strftime("%Y-%m-%d %H:%M"), "commit": commit()}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
