"""A bounded load test of `corpgraph serve` on the real-data graph (the cut real files of
tests/realfiles.py, imported in order): 50 concurrent clients on loopback, each asking for search, entity pages,
a path and a query; nothing fails, latencies are printed (no timed assertion: figures go in bench/)."""

from __future__ import annotations

import statistics
import threading
import time
import urllib.request
from urllib.parse import quote

import pytest

from web_server import RunningServer

pytestmark = pytest.mark.realdata

CLIENTS = 50
PATHS = [
    "/api/search?q=geo",
    "/entity/geo-group",
    "/entity/corecivic",
    "/api/paths?from=CoreCivic&to=ICE&max_hops=2",
    "/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?r a cg:Contract }"),
]


def test_fifty_concurrent_clients_all_answered(forward):
    _graph, backend, _net = forward
    server = RunningServer(backend, max_concurrent=4, timeout=60)
    try:
        latencies: dict[str, list[float]] = {p: [] for p in PATHS}
        failures: list[str] = []
        lock = threading.Lock()
        start = threading.Barrier(CLIENTS)

        def client(i: int) -> None:
            start.wait()
            for k in range(len(PATHS)):
                path = PATHS[(i + k) % len(PATHS)]
                t = time.perf_counter()
                try:
                    with urllib.request.urlopen(server.url + path, timeout=120) as resp:
                        resp.read()
                        ok = resp.status == 200
                except Exception as exc:  # any failure is counted, with its reason
                    ok, path = False, f"{path}: {exc}"
                with lock:
                    (latencies[path].append(time.perf_counter() - t) if ok else failures.append(path))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        wall = time.perf_counter() - began
        assert failures == []
        assert sum(len(v) for v in latencies.values()) == CLIENTS * len(PATHS)
        print(f"\n{CLIENTS} clients x {len(PATHS)} requests in {wall:.1f} s")
        for path, times in latencies.items():
            times.sort()
            print(
                f"  {path[:60]:60s} median {statistics.median(times) * 1000:7.0f} ms  "
                f"p95 {times[int(len(times) * 0.95) - 1] * 1000:7.0f} ms  max {times[-1] * 1000:7.0f} ms"
            )
    finally:
        server.close()
