"""Issue 3 §5 figures: load, named queries, projection, paths and money on synthetic graphs.

Each figure is printed beside a baseline measured in the same run:

* load and queries: corpgraph's default rdflib memory backend vs a pyoxigraph in-memory Store
  (through the same Backend interface, so the same checked query text runs on both);
* paths: ``corpgraph.paths.find_paths`` (bounded, pruned) vs naive ``networkx.all_simple_paths`` on
  the undirected projection with the same cutoff, stopped after ``--naive-cap`` seconds;
* money: ``money_report`` on the Oxigraph backend vs the rdflib backend (same projection).

Usage::

    python bench/bench_core.py                       # 100k triples (a few minutes at most)
    python bench/bench_core.py --sizes 100000,1000000   # the full run (1M takes several minutes)
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import networkx as nx  # noqa: E402
import pyoxigraph as ox  # noqa: E402
import synthetic  # noqa: E402
from rdflib.term import Node  # noqa: E402

from corpgraph import netgraph  # noqa: E402
from corpgraph.backend import Backend, QueryOutcome  # noqa: E402
from corpgraph.backend.memory import MemoryBackend  # noqa: E402
from corpgraph.backend.oxigraph_store import outcome_from_ox  # noqa: E402
from corpgraph.backend.sparqltext import bind_inline, refuse_unsafe  # noqa: E402
from corpgraph.money import money_report  # noqa: E402
from corpgraph.paths import find_paths  # noqa: E402
from corpgraph.query import list_queries, run_query  # noqa: E402
from corpgraph.resolve import EntityIndex  # noqa: E402
from corpgraph.store import bundled_graph_dir, parse_turtle_file  # noqa: E402
from corpgraph.vocab import ENT, PREFIXES  # noqa: E402

# parameters for the synthetic graph: ordinary entities where a library default would pick a hub
QUERY_PARAMS: dict[str, dict[str, str]] = {
    "within-hops": {"start": "Company 1", "hops": "2"},
    "systems": {"system": "System 1"},
    "statements-beside-deeds": {},
    "contractors-of": {"agency": "ICE unit 1"},
}


class OxMemoryBackend(Backend):
    """A pyoxigraph in-memory Store behind the Backend interface (the baseline engine)."""

    name = "oxigraph-memory"

    def __init__(self, store: ox.Store):
        super().__init__("bench")
        self.store = store

    def _run(self, sparql: str, bindings: dict[str, Node]) -> QueryOutcome:
        form = refuse_unsafe(sparql)
        return outcome_from_ox(self.store.query(bind_inline(sparql, bindings)), form, PREFIXES.items())

    def to_graph(self):  # pragma: no cover - not needed by the bench
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self.store)


def timed(fn, *args, **kwargs) -> tuple[float, Any]:
    gc.collect()
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def naive_paths(g: nx.MultiDiGraph, s: str, t: str, cutoff: int, cap: float) -> tuple[float, int, bool]:
    """networkx.all_simple_paths on the undirected view, sorted by length; stopped after ``cap`` s."""
    u = g.to_undirected(as_view=True)
    start = time.perf_counter()
    found = []
    cut = False
    for p in nx.all_simple_paths(u, s, t, cutoff=cutoff):
        found.append(p)
        if len(found) % 64 == 0 and time.perf_counter() - start > cap:
            cut = True
            break
    found.sort(key=len)
    return time.perf_counter() - start, len(found), cut


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Table:
    def __init__(self):
        self.rows: list[tuple] = []

    def add(self, size: int, figure: str, ours: float | None, base: float | None, note: str = "") -> None:
        self.rows.append((size, figure, ours, base, note))
        ratio = f"{base / ours:.1f}x" if ours and base else ""
        print(f"  {figure:<42} {fmt(ours):>10} {fmt(base):>10} {ratio:>8}  {note}", flush=True)

    def dump(self) -> None:
        print("\n| triples | figure | corpgraph (s) | baseline (s) | baseline/corpgraph | note |")
        print("|---|---|---|---|---|---|")
        for size, figure, ours, base, note in self.rows:
            ratio = f"{base / ours:.1f}x" if ours and base else ""
            print(f"| {size:,} | {figure} | {fmt(ours)} | {fmt(base)} | {ratio} | {note} |")


def fmt(x: float | None) -> str:
    return "" if x is None else f"{x:.3f}"


def run_size(n: int, table: Table, args: argparse.Namespace) -> None:
    print(f"\n== {n:,} triples (synthetic) ==")
    print(f"  {'figure':<42} {'ours (s)':>10} {'base (s)':>10} {'ratio':>8}")
    text = synthetic.turtle(n)
    ontology = (bundled_graph_dir() / "ontology.ttl").read_text(encoding="utf-8")

    # load: rdflib (the default backend) vs pyoxigraph in memory
    def load_rdflib():
        g = parse_turtle_file(bundled_graph_dir() / "ontology.ttl")
        g.parse(data=text, format="turtle")
        return MemoryBackend(g, "bench")

    def load_ox():
        st = ox.Store()
        st.bulk_load(ontology.encode(), format=ox.RdfFormat.TURTLE)
        st.bulk_load(text.encode(), format=ox.RdfFormat.TURTLE)
        return OxMemoryBackend(st)

    t_ox, oxb = timed(load_ox)
    rdf_b = None
    t_rdf = None
    if n <= args.rdflib_max:
        t_rdf, rdf_b = timed(load_rdflib)
    table.add(
        n, "load (ours: oxigraph; base: rdflib)", t_ox, t_rdf, f"{len(oxb):,} triples; RSS {rss_mb():.0f} MB"
    )

    # named queries: oxigraph vs rdflib, same checked text, same parameters
    ix_ox = EntityIndex.from_backend(oxb)
    ix_rdf = EntityIndex.from_backend(rdf_b) if rdf_b else None
    for q in list_queries():
        params = QUERY_PARAMS.get(q.name, {})
        t1, a1 = timed(run_query, oxb, q, params, index=ix_ox)
        t2 = None
        note = f"{len(a1.outcome.rows)} rows"
        if rdf_b is not None and not (n > args.rdflib_query_max):
            t2, a2 = timed(run_query, rdf_b, q, params, index=ix_rdf)
            if len(a2.outcome.rows) != len(a1.outcome.rows):
                note += f" (rdflib: {len(a2.outcome.rows)} rows)"
        table.add(n, f"query {q.name}", t1, t2, note)

    # projection
    t_proj, g = timed(netgraph.project, oxb)
    table.add(
        n,
        "netgraph.project (oxigraph)",
        t_proj,
        None,
        f"{g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges",
    )

    # paths: two ordinary far-apart companies, and from hubs
    deg = dict(g.degree())
    companies = sorted((k for k in g if k.startswith(str(ENT) + "company-")), key=lambda k: (deg[k], k))
    ordinary = [c for c in companies if deg[c] >= 2]
    a, b = ordinary[len(ordinary) // 3], ordinary[2 * len(ordinary) // 3]
    cases = [
        ("paths ordinary -> ordinary (4 hops)", a, b),
        ("paths hub ICE -> ordinary (4 hops)", str(ENT.ice), b),
        ("paths hub Megacorp -> ordinary (4 hops)", str(ENT.megacorp), a),
    ]
    for label, s, t in cases:
        t_ours, res = timed(find_paths, g, s, t, max_hops=4, max_paths=50, time_budget=args.budget)
        t_naive, count, cut = naive_paths(g, s, t, 4, args.naive_cap)
        note = (
            f"ours {len(res.paths)} paths{' (cut)' if res.truncated else ''}; "
            f"naive {count} paths{f' (stopped at {args.naive_cap:g} s)' if cut else ''}; "
            f"degrees {deg[s]}/{deg[t]}"
        )
        table.add(n, label, t_ours, t_naive, note)
    t_sp, _ = timed(find_paths, g, a, b, max_hops=4, max_paths=1, time_budget=args.budget)
    table.add(n, "paths ordinary -> ordinary, best 1", t_sp, None)

    # money: ordinary company and a hub agency with its sub-agencies
    for label, who, units in (
        ("money ordinary company", a, False),
        ("money hub ICE with sub-agencies", str(ENT.ice), True),
    ):
        t1, rep = timed(money_report, oxb, who, g, with_units=units)
        t2 = None
        if rdf_b is not None:
            t2, _ = timed(money_report, rdf_b, who, g, with_units=units)
        table.add(n, label + " (base: rdflib)", t1, t2, f"{len(rep.flows)} flows")
    del rdf_b, oxb, g
    gc.collect()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000", help="comma-separated triple counts (default 100000)")
    ap.add_argument("--budget", type=float, default=2.0, help="time budget of find_paths (s)")
    ap.add_argument("--naive-cap", type=float, default=20.0, help="stop the naive enumeration after (s)")
    ap.add_argument("--rdflib-max", type=int, default=1_000_000, help="skip rdflib above this size")
    ap.add_argument(
        "--rdflib-query-max", type=int, default=1_000_000, help="skip rdflib queries above this size"
    )
    args = ap.parse_args()
    table = Table()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, pyoxigraph {ox.__version__}")
    for n in [int(x) for x in args.sizes.split(",") if x]:
        run_size(n, table, args)
    table.dump()


if __name__ == "__main__":
    main()


__all__ = ["OxMemoryBackend", "itertools"]
