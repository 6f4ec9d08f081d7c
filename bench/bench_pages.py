"""Server-side render time of every page on the corpus (issue 5 wants < 100 ms each).

Usage: python bench/bench_pages.py [--data-dir DIR] [--repeat N]
Builds corpus/ into a temporary data dir when none is given; prints a table
(median and worst of N warm requests, after one cold request) and exits 1
when a median is over the budget.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_MS = 100.0


def pages(client) -> list[str]:
    """The URLs to time: every page family and its JSON twin, on real ids."""
    plans = client.get("/index.json").get_json()["plans"]
    goals = client.get("/trace.json").get_json()["goals"]
    reader = client.get(f"/plan/{plans[0]['id']}.json").get_json()
    entity = next((s["ref"] for n in reader["nodes"] for s in n["segments"] if s.get("kind") == "entity"), None)
    urls = ["/", "/search?q=养老", "/search?q=垃圾分类&explain=1", "/search.csv?q=发展",
            *[f"/plan/{p['id']}" for p in plans], "/compare", "/compare.xlsx", "/indicators", "/indicators.csv",
            "/trace", "/sparql", "/sparql?query=SELECT+%3Fs+WHERE+%7B+%3Fs+a+pg%3ATask+%7D"]
    if goals:
        urls.append(f"/trace?goal={goals[0]['id']}")
    if entity:
        urls += [f"/entity/{entity}", f"/entity/{entity}/graph.json"]
    return urls + [u.split("?")[0] + ".json" + ("?" + u.split("?")[1] if "?" in u else "")
                   for u in urls if "." not in u.split("?")[0] and u != "/"]


def is_export(url: str) -> bool:
    """Downloads (CSV of every hit, XLSX workbooks) are files, not pages; they are shown but not budgeted."""
    return url.split("?")[0].endswith((".csv", ".xlsx"))


def measure(client, url: str, repeat: int) -> tuple[float, float, float]:
    """Return (cold, median, worst) milliseconds for one URL."""
    def once() -> float:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        return elapsed

    cold = once()
    warm = [once() for _ in range(repeat)]
    return cold, statistics.median(warm), max(warm)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        data = args.data_dir
        if not data:
            from web.build import build
            from web.datadir import DataDir

            build([ROOT / "corpus"], DataDir(tmp))
            data = tmp
        client = create_app({"DATA_DIR": data}).test_client()
        client.get("/")  # open the corpus, store and index once, as a running server has
        rows = [(url, *measure(client, url, args.repeat)) for url in pages(client)]
    print(f"{'page':60} {'cold':>8} {'median':>8} {'worst':>8}  (ms)")
    for url, cold, median, worst in rows:
        flag = ("  (export)" if is_export(url) else "  OVER") if median > BUDGET_MS else ""
        print(f"{url[:60]:60} {cold:8.1f} {median:8.1f} {worst:8.1f}{flag}")
    over = [r for r in rows if r[2] > BUDGET_MS and not is_export(r[0])]
    print(f"{len(rows)} pages, {len(over)} pages over {BUDGET_MS:g} ms median (file exports not counted)")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
