"""Issue 11 figures: `corpgraph serve` on the real-data graph (the seven files of shared/data/real
imported into one folder, ``bench/realdata.py``), each against a baseline measured in the same run.

* server start: ``corpgraph serve --graph DIR --port 0`` in a fresh process until its first answer
  (warm cache), against a fresh Python that opens the same backend and runs one query (the floor of
  any command);
* entity pages (``/entity/<slug>``) and the path finder (``/paths?from=&to=``, HTML): the first
  request (computed) and the median of ``--runs`` more (remembered by the app), against the same
  library calls in this process without HTTP (``entity_view`` and the network's map document;
  ``paths_between``, the path list's ``to_dict`` and the paths' map document; on a warmed service);
* load: ``--clients`` concurrent clients on loopback, each asking for every page once; median, p95
  and max latency against one client alone.

Targets (issue 11): entity page <= 300 ms, path finder <= 1 s, start <= 2 s.

Usage::

    python bench/bench_serve.py                 # builds the real-data folder once into --work
    python bench/bench_serve.py --runs 9 --clients 50
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realdata  # noqa: E402

from corpgraph.backend import open_backend  # noqa: E402
from corpgraph.output.paths import to_dict as paths_dict  # noqa: E402
from corpgraph.paths import paths_between  # noqa: E402
from corpgraph.render import map_document  # noqa: E402
from corpgraph.subgraph import Selection, path_subgraph  # noqa: E402
from corpgraph.web.app import entity_view  # noqa: E402
from corpgraph.web.service import GraphService, ServeSettings  # noqa: E402

ENTITIES = ["geo-group", "corecivic", "palantir", "ice"]  # ice: the hub (top-N cut)
PATHS = [("CoreCivic", "ICE"), ("AWS", "ICE"), ("Citizens Financial Group", "GEO Group")]
TARGETS = {"entity": 0.300, "paths": 1.0, "start": 2.0}
FLOOR = (
    "import sys, time\n"
    "from corpgraph.backend import open_backend\n"
    "b = open_backend(sys.argv[1]); b.query('ASK { ?s ?p ?o }')\n"
)


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def fetch(url: str) -> None:
    with urllib.request.urlopen(url, timeout=120) as resp:
        resp.read()
        if resp.status != 200:
            raise SystemExit(f"{url}: HTTP {resp.status}")


def start_server(folder: Path, env: dict) -> tuple[subprocess.Popen, str, float]:
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "corpgraph", "serve", "--graph", str(folder), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip().rstrip("/")
    while True:
        try:
            fetch(url + "/")
            break
        except OSError:
            time.sleep(0.02)
    return proc, url, time.perf_counter() - t


def line(label: str, value: float, base: float, target: float | None = None) -> None:
    goal = (
        "" if target is None else f"  target {target * 1000:.0f} ms: {'met' if value <= target else 'MISSED'}"
    )
    print(
        f"  {label:46s} {value * 1000:8.0f} ms   baseline {base * 1000:7.0f} ms   x{value / base:5.1f}{goal}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="requests per figure (median; default 5)")
    ap.add_argument("--clients", type=int, default=50, help="concurrent clients of the load figure")
    ap.add_argument("--work", default=str(Path(os.environ.get("TMPDIR", "/tmp")) / "corpgraph-bench-default"))
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    folder = realdata.build(work / "real-graph")
    env = dict(os.environ, CORPGRAPH_CACHE=str(work / "cache"))
    os.environ["CORPGRAPH_CACHE"] = env["CORPGRAPH_CACHE"]
    subprocess.run(
        [sys.executable, "-m", "corpgraph", "stats", "--graph", str(folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )  # warm the cache

    print(f"corpgraph serve on {folder} (medians of {args.runs})")
    floor = median_time(
        lambda: subprocess.run([sys.executable, "-c", FLOOR, str(folder)], env=env, check=True), args.runs
    )
    starts = []
    for _ in range(args.runs):
        proc, url, took = start_server(folder, env)
        starts.append(took)
        proc.terminate()
        proc.wait(10)
    line("server start (until the first page answers)", statistics.median(starts), floor, TARGETS["start"])

    # the same library calls in this process, on a warmed service: the baseline of every page
    service = GraphService(open_backend(folder), ServeSettings())
    service.warm()
    proc, url, _ = start_server(folder, env)
    try:
        fetch(url + "/api/search?q=geo")  # the server's own index ...
        fetch(url + "/api/neighbourhood/palantir")  # ... and network built (nothing remembered yet)
        pages = []
        for slug in ENTITIES:
            first = median_time(lambda: fetch(f"{url}/entity/{quote(slug)}"), 1)
            again = median_time(lambda: fetch(f"{url}/entity/{quote(slug)}"), args.runs)
            lib = median_time(lambda: entity_view(service, slug), args.runs)
            line(f"entity page /entity/{slug}, first", first, lib, TARGETS["entity"])
            line(f"entity page /entity/{slug}, again", again, lib, TARGETS["entity"])
            pages.append(f"/entity/{quote(slug)}")
        for a, b in PATHS:
            query = urlencode({"from": a, "to": b})
            opts = dict(
                via=[],
                avoid=[],
                kinds=None,
                max_hops=4,
                max_paths=20,
                min_certainty=None,
                as_of=None,
                soft=False,
                time_budget=2.0,
            )

            def library() -> None:  # what the page asks the library, without HTTP or remembering
                g, result = paths_between(
                    service.backend, a, b, g=service.net(), index=service.index(), **opts
                )
                paths_dict(g, result, records=True)
                map_document(path_subgraph(g, result, Selection(path=(a, b))))

            first = median_time(lambda: fetch(f"{url}/paths?{query}"), 1)
            again = median_time(lambda: fetch(f"{url}/paths?{query}"), args.runs)
            lib = median_time(library, args.runs)
            line(f"path finder {a} -> {b}, first", first, lib, TARGETS["paths"])
            line(f"path finder {a} -> {b}, again", again, lib, TARGETS["paths"])
            pages.append(f"/paths?{query}")

        alone = {p: median_time(lambda: fetch(url + p), 1) for p in pages}
        latencies: dict[str, list[float]] = {p: [] for p in pages}
        failures: list[str] = []
        lock = threading.Lock()
        barrier = threading.Barrier(args.clients)

        def client(i: int) -> None:
            barrier.wait()
            for k in range(len(pages)):
                p = pages[(i + k) % len(pages)]
                t = time.perf_counter()
                try:
                    fetch(url + p)
                    with lock:
                        latencies[p].append(time.perf_counter() - t)
                except Exception as exc:
                    with lock:
                        failures.append(f"{p}: {exc}")

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - began
        done = sum(len(v) for v in latencies.values())
        print(
            f"load: {args.clients} clients x {len(pages)} pages in {wall:.1f} s, {done} answered, "
            f"{len(failures)} failed ({done / wall:.1f} pages/s)"
        )
        for p, times in latencies.items():
            times.sort()
            p95 = times[max(0, int(len(times) * 0.95) - 1)]
            print(
                f"  {p[:46]:46s} median {statistics.median(times) * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms  "
                f"max {times[-1] * 1000:6.0f} ms   alone {alone[p] * 1000:5.0f} ms"
            )
        for f in failures[:5]:
            print("  failed:", f)
    finally:
        proc.terminate()
        proc.wait(10)
        service.close()


if __name__ == "__main__":
    main()
