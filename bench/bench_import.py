"""Issue 10 §2 figures for imports: rows per second into a graph folder and into the local store.

For each size N, on a synthetic USAspending transactions file (``bench/synthetic_usaspending.py``;
120,000 rows give about a million triples) and, when ``../shared/data/real`` is present, on the real
FY2025 file (10,878 rows), measured in one run, each measurement in a fresh process:

* floors: reading the file with ``csv.reader`` alone (what any importer stands on), and Oxigraph's
  ``bulk_load`` of the part the import wrote into a new store (named graph + default graph, as the
  store keeps a part, and the default graph alone);
* ``import`` into a copy of the bundled graph folder (parse, resolve, build, write Turtle + decisions
  atomically), then the same import again (idempotent: nothing changes);
* ``import --store``: the same through a new persistent Oxigraph store (``replace_part``), again
  (no change), and once more from the same file less its last 1% of rows (the store swaps only the
  difference).

With ``--baseline SRC_DIR`` (a checkout of another commit, e.g. ``git worktree add /tmp/base HEAD~3``)
the same measurements run on that code too, interleaved with this code's runs, and the table gives
the ratio.  Every figure is the median of ``--runs`` runs; rates are input rows per second of wall
time and of CPU time (user + sys of the importing process: the machine may be shared).

Usage::

    python bench/bench_import.py                                   # the real file and 120k rows
    python bench/bench_import.py --rows 120000 --runs 3 --baseline /tmp/base
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_usaspending import write_transactions  # noqa: E402

HERE = Path(__file__).resolve().parents[1]
REAL = HERE.parent / "shared" / "data" / "real"
FY2025 = REAL / "wrags81-cbp-ice-dashboard" / "CBP_ICE_FY2025_Contract_Obligations.csv"
AIM = 20_000
STEPS = (
    ("folder", "import into graph folder"),
    ("folder-again", "graph folder, import again (no change)"),
    ("store", "import --store (new store)"),
    ("store-again", "--store, import again (no change)"),
    ("store-changed", "--store, re-import with 1% of rows gone"),
)

FLOORS = (
    ("floor-store", "store floor: bulk_load of the part, named + default graph"),
    ("floor-store-once", "store floor: bulk_load of the part, default graph only"),
)


def csv_seconds(path: Path) -> tuple[int, float, float]:
    t, c = time.perf_counter(), time.process_time()
    with open(path, newline="", encoding="utf-8") as f:
        n = sum(1 for _ in csv.reader(f)) - 1
    return n, time.perf_counter() - t, time.process_time() - c


def changed_copy(path: Path, work: Path) -> Path:
    """The same file (same name, so the same part) without its last 1% of rows: a re-import that changes a little."""
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    keep = lines[: max(2, len(lines) - max(1, len(lines) // 100))]
    out = work / f"changed-{path.parent.name}" / path.name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(keep), encoding="utf-8")
    return out


# -- one measurement, in a process of its own (the code under test is whatever corpgraph it imports) --
def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def child(path: Path, changed: Path, work: Path) -> dict[str, dict[str, float]]:
    from corpgraph.backend.oxigraph_store import OxigraphBackend
    from corpgraph.importing import import_file
    from corpgraph.store import bundled_graph_dir

    out: dict[str, dict[str, float]] = {}

    def step(name: str, fn):
        t, c = time.perf_counter(), _cpu()
        r = fn()
        out[name] = {
            "wall": time.perf_counter() - t,
            "cpu": _cpu() - c,
            "rows": r.stats.get("rows read", 0),
            "triples": r.triples,
            "changed": r.changed,
        }

    folder = work / "graph"
    shutil.copytree(bundled_graph_dir(), folder)
    step("folder", lambda: import_file("usaspending", path, graph_dir=folder))
    step("folder-again", lambda: import_file("usaspending", path, graph_dir=folder))
    part = next((folder / "imports").glob("*.ttl"))
    out.update(store_floor(part, work))
    assert not out["folder-again"]["changed"], "a second import must change nothing"
    folder2 = work / "graph-store"
    shutil.copytree(bundled_graph_dir(), folder2)
    ox = OxigraphBackend.open(work / "store", graph_dir=folder2)
    try:
        step("store", lambda: import_file("usaspending", path, graph_dir=folder2, backend=ox))
        step("store-again", lambda: import_file("usaspending", path, graph_dir=folder2, backend=ox))
        assert not out["store-again"]["changed"], "a second import must change nothing"
        step("store-changed", lambda: import_file("usaspending", changed, graph_dir=folder2, backend=ox))
        assert out["store-changed"]["changed"]
    finally:
        ox.close()
    return out


def store_floor(part: Path, work: Path) -> dict[str, dict[str, float]]:
    """What Oxigraph alone takes to load the part just written into a new store on disk: into a named
    graph and the default graph (what ``replace_part`` writes), and into the default graph only."""
    import pyoxigraph as ox

    out = {}
    for name, graphs in (
        ("floor-store", [ox.NamedNode("urn:corpgraph:part:x"), ox.DefaultGraph()]),
        ("floor-store-once", [ox.DefaultGraph()]),
    ):
        store = ox.Store(str(work / name))
        t, c = time.perf_counter(), _cpu()
        for g in graphs:
            store.bulk_load(path=str(part), format=ox.RdfFormat.TURTLE, to_graph=g)
        out[name] = {"wall": time.perf_counter() - t, "cpu": _cpu() - c, "rows": 0, "triples": len(store)}
        del store
    return out


def run_child(src: Path, path: Path, changed: Path, work: Path) -> dict[str, dict[str, float]]:
    """One measurement of the code in ``src`` (a checkout: its ``src/`` is put first on the path)."""
    work.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(src / "src")}
    env.pop("CORPGRAPH_GRAPH", None)
    env.pop("CORPGRAPH_STORE", None)
    cmd = [sys.executable, __file__, "--child", str(path), str(changed), str(work)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"measurement failed ({src}):\n{done.stderr[-3000:]}")
    shutil.rmtree(work, ignore_errors=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_file(label: str, path: Path, work: Path, versions: dict[str, Path], runs: int) -> list[list]:
    changed = changed_copy(path, work)
    floors = [csv_seconds(path) for _ in range(runs)]
    rows = floors[0][0]
    floor_wall = statistics.median(f[1] for f in floors)
    floor_cpu = statistics.median(f[2] for f in floors)
    table = [[f"{label}: csv.reader only (floor)", "", rows, floor_wall, floor_cpu, None]]
    seen: dict[str, list[dict]] = {name: [] for name in versions}
    for i in range(runs):  # interleaved, so that both versions meet the same load
        for name, src in versions.items():
            seen[name].append(run_child(src, path, changed, work / f"{name}-{i}"))
    mine = seen["this"]
    for step, what in FLOORS:
        wall = statistics.median(r[step]["wall"] for r in mine)
        cpu = statistics.median(r[step]["cpu"] for r in mine)
        triples = mine[0][step]["triples"]
        table.append([f"{label}: {what} ({triples:,} quads)", "oxigraph", rows, wall, cpu, None])
    for step, what in STEPS:
        base = None
        for name in versions:
            wall = statistics.median(r[step]["wall"] for r in seen[name])
            cpu = statistics.median(r[step]["cpu"] for r in seen[name])
            n = seen[name][0][step]["rows"]
            triples = seen[name][0][step]["triples"]
            if base is None:
                base = (wall, cpu)
            ratio = None if len(versions) == 1 or name == "baseline" else (base[0] / wall, base[1] / cpu)
            table.append([f"{label}: {what} ({triples:,} triples)", name, n, wall, cpu, ratio])
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="120000", help="comma-separated sizes of the synthetic files")
    ap.add_argument("--runs", type=int, default=3, help="runs per measurement (the median is shown)")
    ap.add_argument("--baseline", type=Path, help="a checkout of the code to compare with (its src/ is used)")
    ap.add_argument("--no-real", action="store_true", help="leave out the real FY2025 file")
    ap.add_argument("--child", nargs=3, type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(*a.child)))
        return
    versions = {"baseline": a.baseline.resolve()} if a.baseline else {}
    versions["this"] = HERE
    sizes = [int(x) for x in a.rows.split(",") if x]
    table: list[list] = []
    with tempfile.TemporaryDirectory(prefix="corpgraph-bench-import-") as tmp:
        work = Path(tmp)
        if FY2025.is_file() and not a.no_real:
            table += bench_file("real FY2025", FY2025, work / "real", versions, a.runs)
        for n in sizes:
            path = work / f"synthetic-{n}" / f"synthetic-{n}.csv"
            path.parent.mkdir(parents=True)
            write_transactions(n, path)
            table += bench_file(f"synthetic {n:,}", path, work / f"synthetic-{n}", versions, a.runs)
    width = max(len(r[0]) for r in table)
    print(
        f"{'what':<{width}}  {'code':<8}  {'rows':>9}  {'wall s':>7}  {'cpu s':>7}  {'rows/s':>8}  "
        f"{'rows/cpu-s':>10}  {'x baseline (wall, cpu)':>22}"
    )
    for what, code, rows, wall, cpu, ratio in table:
        r = f"{ratio[0]:.1f}x, {ratio[1]:.1f}x" if ratio else ""
        print(
            f"{what:<{width}}  {code:<8}  {rows:>9,}  {wall:>7.2f}  {cpu:>7.2f}  {rows / wall:>8,.0f}  "
            f"{rows / cpu:>10,.0f}  {r:>22}"
        )
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(
        f"(aim: {AIM:,} rows/s into a folder and into the store; medians of {a.runs} runs, each in a fresh "
        f"process; rows/cpu-s: per second of user+sys time of that process; load average {' '.join(load)})"
    )


if __name__ == "__main__":
    main()
