"""Issue 5 §5 figures for imports: rows per second into a graph folder and into the local store.

For each size N, on a synthetic USAspending transactions file (``bench/synthetic_usaspending.py``)
and, when ``../shared/data/real`` is present, on the real FY2025 file (10,878 rows), measured in one run:

* baseline: reading the file with ``csv.reader`` alone (the floor any importer stands on);
* ``import`` into a copy of the bundled graph folder (memory backend: parse, resolve, build,
  write Turtle + decisions atomically), then the same import again (idempotent: nothing changes);
* ``import --store``: the same through the persistent Oxigraph store (``replace_part``), again
  (no change), and once more from the same file less its last 1% of rows (the store swaps only the
  difference).

Rates are input rows per second; ratios are against the csv.reader baseline of the same file.

Usage::

    python bench/bench_import.py                       # the real file and 100k synthetic rows
    python bench/bench_import.py --rows 10000,100000,300000
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_usaspending import write_transactions  # noqa: E402

from corpgraph.importing import import_file  # noqa: E402
from corpgraph.store import bundled_graph_dir  # noqa: E402

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
FY2025 = REAL / "wrags81-cbp-ice-dashboard" / "CBP_ICE_FY2025_Contract_Obligations.csv"
AIM = 20_000


def csv_rate(path: Path) -> tuple[int, float]:
    t = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as f:
        n = sum(1 for _ in csv.reader(f)) - 1
    return n, time.perf_counter() - t


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def changed_copy(path: Path, work: Path) -> Path:
    """The same file (same name, so the same part) without its last 1% of rows: a re-import that changes a little."""
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    keep = lines[: max(2, len(lines) - max(1, len(lines) // 100))]
    out = work / f"changed-{path.parent.name}" / path.name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(keep), encoding="utf-8")
    return out


def bench_file(label: str, path: Path, work: Path) -> list[tuple[str, int, float, float]]:
    rows, base = csv_rate(path)
    out = [(f"{label}: csv.reader only (baseline)", rows, base, 1.0)]
    folder = work / f"graph-{label}"
    shutil.copytree(bundled_graph_dir(), folder)
    r, t1 = timed(lambda: import_file("usaspending", path, graph_dir=folder))
    out.append((f"{label}: import into graph folder ({r.triples:,} triples)", rows, t1, t1 / base))
    r2, t2 = timed(lambda: import_file("usaspending", path, graph_dir=folder))
    assert not r2.changed, "a second import must change nothing"
    out.append((f"{label}: graph folder, import again (no change)", rows, t2, t2 / base))
    try:
        from corpgraph.backend.oxigraph_store import OxigraphBackend
    except ImportError:  # the store backend is absent
        return out
    folder2 = work / f"graph-{label}-store"
    shutil.copytree(bundled_graph_dir(), folder2)
    store = work / f"store-{label}"
    ox, t_open = timed(lambda: OxigraphBackend.open(store, graph_dir=folder2))
    try:
        r3, t3 = timed(lambda: import_file("usaspending", path, graph_dir=folder2, backend=ox))
        out.append((f"{label}: import --store (file + replace_part)", rows, t3, t3 / base))
        r4, t4 = timed(lambda: import_file("usaspending", path, graph_dir=folder2, backend=ox))
        assert not r4.changed, "a second import must change nothing"
        out.append((f"{label}: --store, import again (no change)", rows, t4, t4 / base))
        changed = changed_copy(path, work)
        r5, t5 = timed(lambda: import_file("usaspending", changed, graph_dir=folder2, backend=ox))
        assert r5.changed
        n5 = r5.stats.get("rows read", 0)
        out.append((f"{label}: --store, re-import with 1% of rows gone", n5, t5, t5 / base))
        assert len(ox) >= r5.triples
    finally:
        ox.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="100000", help="comma-separated sizes of the synthetic files")
    a = ap.parse_args()
    sizes = [int(x) for x in a.rows.split(",") if x]
    results = []
    with tempfile.TemporaryDirectory(prefix="corpgraph-bench-import-") as tmp:
        work = Path(tmp)
        if FY2025.is_file():
            results += bench_file("real FY2025", FY2025, work)
        for n in sizes:
            path = work / f"synthetic-{n}.csv"
            write_transactions(n, path)
            results += bench_file(f"synthetic {n:,}", path, work)
    width = max(len(r[0]) for r in results)
    print(f"{'what':<{width}}  {'rows':>9}  {'seconds':>8}  {'rows/s':>9}  {'x baseline time':>15}")
    for what, rows, secs, ratio in results:
        print(f"{what:<{width}}  {rows:>9,}  {secs:>8.2f}  {rows / secs:>9,.0f}  {ratio:>15.1f}")
    print(
        f"(aim: {AIM:,} rows/s into the store; 'x baseline time' = seconds / csv.reader seconds on the same file)"
    )


if __name__ == "__main__":
    main()
