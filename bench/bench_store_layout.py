"""Issue 10: where the store's write time goes, and what each way of laying out the parts would cost.

The store (``corpgraph.backend.oxigraph_store``) keeps each data file of a graph folder in its named
graph (a *part*) and all of them again in the default graph, which queries read.  On a synthetic graph
(``bench/synthetic.py``) and on the real-data graph (``bench/realdata.py``), measured in one run:

* loading the folder, each file with Oxigraph's ``bulk_load`` (``load`` below 1 MiB, as the store
  does), into a new store on disk, in a fresh process, under three layouts:

  - ``both``: the part's named graph and the default graph (the store as it is);
  - ``parts``: the part's named graph only;
  - ``default``: the default graph only (parts would be known only from their files);

* the named queries (``queries/*.rq``) and the network projection (``netgraph.build_network``) on
  each layout: ``both`` and ``default`` read the default graph; ``parts`` is read either with
  ``default_graph=[the parts' graphs]`` (``parts-list``) or with ``use_default_graph_as_union``
  (``parts-union``), and the rows each returns are compared with the default graph's (a triple held
  by two parts is counted twice by both of Oxigraph's multi-graph readings).

Every figure is CPU time (user + sys of this process, all threads), best of ``--runs``; the load
average is printed with the table.

Usage::

    python bench/bench_store_layout.py                       # 1M synthetic triples + the real-data graph
    python bench/bench_store_layout.py --triples 200000 --no-real --runs 1
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

LAYOUTS = ("both", "parts", "default")
READINGS = (  # (label, layout, query keyword arguments: filled in with the parts' graphs)
    ("both", "both", None),
    ("default", "default", None),
    ("parts-list", "parts", "list"),
    ("parts-union", "parts", "union"),
)
BULK_LOAD_BYTES = 1 << 20


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def part_node(folder: Path, path: Path) -> Any:
    import pyoxigraph as ox

    from corpgraph.backend.oxigraph_store import part_iri, part_name

    return ox.NamedNode(part_iri(part_name(path.relative_to(folder).as_posix())))


def load_child(layout: str, folder: Path, store_dir: Path) -> dict[str, float]:
    """Load every data file of ``folder`` into a new store under ``layout`` (run in a fresh process)."""
    import pyoxigraph as ox

    from corpgraph import store as graph_store

    t, c = time.perf_counter(), cpu()
    store = ox.Store(str(store_dir))
    for path in graph_store.data_files(folder):
        raw = path.read_bytes()
        base = path.resolve().as_uri()
        load = store.bulk_load if len(raw) > BULK_LOAD_BYTES else store.load
        if layout in ("both", "parts"):
            load(raw, ox.RdfFormat.TURTLE, base_iri=base, to_graph=part_node(folder, path))
        if layout in ("both", "default"):
            load(raw, ox.RdfFormat.TURTLE, base_iri=base)
    store.flush()
    del store
    return {"wall": time.perf_counter() - t, "cpu": cpu() - c}


def load(layout: str, folder: Path, store_dir: Path) -> dict[str, float]:
    shutil.rmtree(store_dir, ignore_errors=True)
    out = subprocess.run(
        [sys.executable, __file__, "--child-load", layout, str(folder), str(store_dir)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    figures["mb"] = sum(f.stat().st_size for f in store_dir.iterdir() if f.is_file()) / 2**20
    return figures


def reading_backend(store_dir: Path, folder: Path, how: str | None) -> Any:
    """The store at ``store_dir`` as a backend whose queries read the default graph (``how`` None),
    the list of the parts' graphs (``"list"``) or the union of all named graphs (``"union"``)."""
    import pyoxigraph as ox

    from corpgraph import store as graph_store
    from corpgraph.backend.oxigraph_store import OxigraphBackend, outcome_from_ox
    from corpgraph.backend.sparqltext import bind_inline, query_form

    store = ox.Store.read_only(str(store_dir))
    if how == "list":
        kwargs: dict[str, Any] = {
            "default_graph": [part_node(folder, p) for p in graph_store.data_files(folder)]
        }
    elif how == "union":
        kwargs = {"use_default_graph_as_union": True}
    else:
        kwargs = {}

    class Reading(OxigraphBackend):
        def _run(self, sparql: str, bindings: dict, max_rows: int | None = None) -> Any:
            result = self._store.query(bind_inline(sparql, bindings), **kwargs)
            return outcome_from_ox(
                result, query_form(sparql), graph_store.PREFIXES.items(), self._terms, max_rows
            )

        def cache_dir(self) -> Path | None:
            return None  # nothing kept between readings: each is measured from scratch

    return Reading(store, store_dir, None, {"version": f"bench {store_dir} {how}"}, read_only=True)


def best(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(runs):
        c = cpu()
        out = fn()
        times.append(cpu() - c)
    return min(times), out


def measure_queries(
    stores: dict[str, Path], folder: Path, runs: int, params: dict
) -> Iterator[tuple[str, dict]]:
    """(figure, {reading: (cpu seconds, rows)}) for each named query and the projection, as measured."""
    from corpgraph import netgraph
    from corpgraph.query import list_queries, run_query
    from corpgraph.resolve import EntityIndex

    backends = {label: reading_backend(stores[layout], folder, how) for label, layout, how in READINGS}
    indexes = {label: EntityIndex.from_backend(b) for label, b in backends.items()}
    for q in list_queries():
        cells: dict[str, tuple[float | None, Any]] = {}
        for label, b in backends.items():
            try:
                t, answer = best(
                    lambda b=b, label=label: run_query(b, q, params.get(q.name, {}), index=indexes[label]),
                    runs,
                )
                cells[label] = (t, len(answer.outcome.rows))
            except Exception as exc:  # noqa: BLE001 - a query the graph cannot answer is reported, not fatal
                cells[label] = (None, type(exc).__name__)
        yield f"query {q.name}", cells
    cells = {}
    for label, b in backends.items():
        t, g = best(lambda b=b: netgraph.build_network(b), runs)
        cells[label] = (t, f"{g.number_of_nodes()}n/{g.number_of_edges()}e")
    yield "netgraph.build_network", cells
    for b in backends.values():
        b.close()


def replace_child(layout: str, folder: Path, store_dir: Path, part: Path, changed: Path) -> dict[str, float]:
    """Replace ``part`` by ``changed`` (the same file less some triples) in the store at ``store_dir``,
    given the bytes of both files (as an import has them), under ``layout`` (run in a fresh process):

    * ``both``: the store's own ``_swap`` (the parsed files diffed; each triple gone from the part
      leaves the default graph unless another part's named graph holds it);
    * ``default``: the same diff, but whether another part holds a gone triple is read from the
      other parts' files (the store holds no parts), and only the default graph is written.
    """
    import pyoxigraph as ox

    from corpgraph import store as graph_store
    from corpgraph.backend.oxigraph_store import OxigraphBackend

    t, c = time.perf_counter(), cpu()
    store = ox.Store(str(store_dir))
    base = part.resolve().as_uri()

    def lines(raw: bytes, base_iri: str) -> set[bytes]:
        nt = ox.serialize(
            ox.parse(raw, ox.RdfFormat.TURTLE, base_iri=base_iri), format=ox.RdfFormat.N_TRIPLES
        )
        return set(nt.splitlines())

    old, new = lines(part.read_bytes(), base), lines(changed.read_bytes(), base)
    if layout == "both":
        backend = OxigraphBackend(store, store_dir, None, {})
        backend._swap(part_node(folder, part), new, old)
        backend.close()
    else:
        gone, added = old - new, new - old
        for other in graph_store.data_files(folder):
            if gone and other != part:
                gone -= lines(other.read_bytes(), other.resolve().as_uri())
        if gone:
            store.update("DELETE DATA { " + b"\n".join(sorted(gone)).decode() + " }")
        if added:
            store.load(b"\n".join(added) + b"\n", ox.RdfFormat.N_TRIPLES)
        store.flush()
        del store
    return {"wall": time.perf_counter() - t, "cpu": cpu() - c}


def measure_replace(
    stores: dict[str, Path], folder: Path, work: Path, runs: int
) -> list[tuple[str, float, float]]:
    """(layout, CPU s, wall s) of replacing the folder's largest part by itself less 1% of its triples."""
    import pyoxigraph as ox

    from corpgraph import store as graph_store

    part = max(graph_store.data_files(folder), key=lambda p: p.stat().st_size)
    nt = ox.serialize(
        ox.parse(part.read_bytes(), ox.RdfFormat.TURTLE, base_iri=part.resolve().as_uri()),
        format=ox.RdfFormat.N_TRIPLES,
    ).splitlines()
    changed = work / "changed-part.nt"
    changed.write_bytes(b"\n".join(nt[: len(nt) - len(nt) // 100]) + b"\n")
    out = []
    for layout in ("both", "default"):
        figures = []
        for _ in range(runs):
            copy = work / f"replace-{layout}"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(stores[layout], copy)
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child-replace",
                    layout,
                    str(folder),
                    str(copy),
                    str(part),
                    str(changed),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            figures.append(json.loads(done.stdout.strip().splitlines()[-1]))
            shutil.rmtree(copy, ignore_errors=True)
        out.append((layout, min(f["cpu"] for f in figures), min(f["wall"] for f in figures)))
    return out


def graph_sizes(stores: dict[str, Path], folder: Path) -> str:
    import pyoxigraph as ox

    from corpgraph import store as graph_store

    s = ox.Store.read_only(str(stores["both"]))
    union = sum(1 for _ in s.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    in_parts = sum(
        sum(1 for _ in s.quads_for_pattern(None, None, None, part_node(folder, p)))
        for p in graph_store.data_files(folder)
    )
    del s
    return (
        f"{union:,} triples in the default graph, {in_parts:,} in the parts ({in_parts - union:,} held twice)"
    )


def run_graph(name: str, folder: Path, work: Path, args: argparse.Namespace, params: dict) -> None:
    from corpgraph import store as graph_store

    files = graph_store.data_files(folder)
    print(
        f"\n## {name}: {folder} ({len(files)} data files, {sum(f.stat().st_size for f in files) / 2**20:.1f} MiB)"
    )
    slug = "".join(ch if ch.isalnum() else "-" for ch in name)
    stores = {layout: work / f"store-{slug}-{layout}" for layout in LAYOUTS}
    loads: dict[str, list[dict[str, float]]] = {layout: [] for layout in LAYOUTS}
    for _ in range(args.runs):
        for layout in LAYOUTS:  # interleaved: a load spike hits every layout alike
            loads[layout].append(load(layout, folder, stores[layout]))
    print(f"load average {os.getloadavg()[0]:.2f}; {graph_sizes(stores, folder)}", flush=True)
    print(f"\n{'load (fresh process, best of runs)':44} {'CPU s':>8} {'wall s':>8} {'MiB':>7} {'vs both':>8}")
    base = min(r["cpu"] for r in loads["both"])
    for layout in LAYOUTS:
        c = min(r["cpu"] for r in loads[layout])
        w = min(r["wall"] for r in loads[layout])
        mb = loads[layout][-1]["mb"]
        print(f"  {layout:42} {c:8.2f} {w:8.2f} {mb:7.0f} {c / base:7.2f}x")
    print(f"\n{'replace the largest part by itself less 1% of its triples':60} {'CPU s':>8} {'wall s':>8}")
    for layout, c, w in measure_replace(stores, folder, work, args.runs):
        print(f"  {layout:58} {c:8.2f} {w:8.2f}")
    if args.no_queries:
        return
    labels = [label for label, _, _ in READINGS]
    print(
        f"\nload average {os.getloadavg()[0]:.2f}; CPU ms, best of {args.runs}; ratio = reading / both; rows"
    )
    print(f"{'':36}" + "".join(f"{label:>26}" for label in labels))
    totals = dict.fromkeys(labels, 0.0)
    for figure, cells in measure_queries(stores, folder, args.runs, params):
        t0, n0 = cells["both"]
        out = f"{figure[:36]:36}"
        for label in labels:
            t, n = cells[label]
            if t is None:
                out += f"{'error ' + str(n):>26}"
                continue
            totals[label] += t
            ratio = f"{t / t0:5.2f}x" if t0 else "   - "
            mark = "" if n == n0 else "!"
            out += f"{t * 1000:9.1f} {ratio} {str(n) + mark:>9}"
        print(out, flush=True)
    print(
        f"{'total':36}"
        + "".join(f"{totals[lb] * 1000:9.1f} {totals[lb] / totals['both']:5.2f}x {'':>9}" for lb in labels)
    )
    print("(! = a row count that differs from the default graph's)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--triples", type=int, default=1_000_000, help="synthetic graph size (0: none)")
    ap.add_argument("--no-real", action="store_true", help="skip the real-data graph")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-queries", action="store_true", help="loads and part replacement only")
    ap.add_argument(
        "--work", default=None, help="folder for the graphs and stores (default: a temporary one)"
    )
    ap.add_argument("--child-load", nargs=3, metavar=("LAYOUT", "FOLDER", "STORE"), help=argparse.SUPPRESS)
    ap.add_argument("--child-replace", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_replace:
        layout, *paths = args.child_replace
        print(json.dumps(replace_child(layout, *map(Path, paths))))
        return
    if args.child_load:
        layout, folder, store_dir = args.child_load
        print(json.dumps(load_child(layout, Path(folder), Path(store_dir))))
        return
    os.environ.setdefault("CORPGRAPH_CACHE", "off")
    import synthetic
    from bench_core import QUERY_PARAMS

    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="bench-store-layout-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"# store layouts, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, work {work}")
    try:
        if args.triples:
            folder = work / f"synthetic-{args.triples}"
            if not (folder / "synthetic.ttl").is_file():
                synthetic.write(folder, args.triples)
            run_graph(f"synthetic {args.triples:,}", folder, work, args, QUERY_PARAMS)
        if not args.no_real:
            import realdata

            folder = realdata.build(work / "real-graph", quiet=True)
            run_graph("real data", folder, work, args, {})
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
