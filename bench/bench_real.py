"""Issue 9 §7 figures on the real data: the seven files of ../shared/data/real imported whole into a
copy of the bundled graph, then the projection's size before and after aggregation (one edge per
record vs one per tie), and the time of paths, maps and figures over it.

Baselines in the same run: the per-record projection (what paths, maps and exports walked before
ties) against the aggregated one, for size and for the time of drawing a map.

Usage::

    python bench/bench_real.py                 # CORPGRAPH_SHARED or ../shared must hold data/real
    python bench/bench_real.py --keep /tmp/real-graph   # keep the imported graph folder and store
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from corpgraph import netgraph, paths, render, subgraph
from corpgraph.backend.oxigraph_store import OxigraphBackend
from corpgraph.errors import CorpgraphError
from corpgraph.importing import import_file
from corpgraph.store import bundled_graph_dir

# the seven files, in the order tests/test_real_money.py imports them
ORDER = [
    ("usaspending", "wrags81-cbp-ice-dashboard/CBP_ICE_FY2025_Contract_Obligations.csv"),
    ("usaspending", "alyssc-mn_ice_contracts/Contracts_PrimeAwardSummaries_2025-03-21_H19M57S23_1.csv"),
    ("usaspending", "alyssc-mn_ice_contracts/Contracts_Subawards_2025-03-28_H03M23S17_1.csv"),
    ("tornapart", "xpmethod-torn-apart/freezer.csv"),
    ("facilities", "xpmethod-torn-apart/iceFacs.csv"),
    ("tornapart", "xpmethod-torn-apart/graph.json"),
    ("facilities", "CarwilB-ice-detention/contractors-patch-fy26.csv"),
]
PATHS = [("CoreCivic", "ICE"), ("GEO Group", "ICE"), ("AWS", "ICE"), ("Citizens Financial Group", "ICE")]


def real_data_dir() -> Path:
    shared = Path(os.environ.get("CORPGRAPH_SHARED", Path(__file__).resolve().parents[2] / "shared"))
    return shared / "data" / "real"


def build_real_graph(folder: Path, real: Path) -> float:
    """Import the seven files into a copy of the bundled graph at ``folder``; returns seconds."""
    shutil.copytree(bundled_graph_dir(), folder)
    t0 = time.perf_counter()
    for kind, rel in ORDER:
        import_file(kind, real / rel, graph_dir=folder)
    return time.perf_counter() - t0


def timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", type=Path, help="build into this folder (graph/ and store/) and keep it")
    args = ap.parse_args()
    real = real_data_dir()
    if not real.is_dir():
        print(f"real data folder {real} is absent (set CORPGRAPH_SHARED)", file=sys.stderr)
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="corpgraph-real-"))
    folder, store = work / "graph", work / "store"
    if not folder.exists():
        print(f"import of the seven files: {build_real_graph(folder, real):.1f} s")
    backend, t_open = timed(OxigraphBackend.open, store, graph_dir=folder)
    print(f"store load: {t_open:.1f} s, {len(backend):,} triples")
    g, t_build = timed(netgraph.build_network, backend)
    ties, t_agg = timed(netgraph.aggregate, g)
    hard = netgraph.aggregate(g, soft=False)
    print(
        f"projection: {t_build:.2f} s; {g.number_of_nodes():,} entities, {g.number_of_edges():,} record edges"
    )
    print(
        f"aggregated: {t_agg:.3f} s; {ties.number_of_edges():,} ties "
        f"({g.number_of_edges() / max(ties.number_of_edges(), 1):.1f} records per tie); "
        f"{hard.number_of_edges():,} without soft ties"
    )
    biggest = max(ties.edges(data=True), key=lambda e: e[2]["count"])
    print(
        f"largest tie: {g.nodes[biggest[0]]['label']} {biggest[2]['label']} {g.nodes[biggest[1]]['label']}: "
        f"{biggest[2]['count']} records"
    )
    for a, b in PATHS:
        try:
            (_g, result), t = timed(paths.paths_between, backend, a, b, g=g)
        except CorpgraphError as exc:  # no path, or a name absent from this graph: say so and go on
            print(f"paths {a} -> {b}: {exc}")
            continue
        first = result.paths[0]
        print(
            f"paths {a} -> {b}: {t:.2f} s, {len(result.paths)} distinct paths; best: {paths.path_line(g, first)}"
            f" ({first.hops[0].count} records on its first hop)"
        )
    for focus in (["ICE"], ["GEO Group"]):
        sub = subgraph.select_subgraph(backend, focus=focus, depth=1, net=g)
        html, t = timed(render.render_map, sub)
        print(
            f"map focus {focus[0]}: {t:.2f} s, {sub.ties.number_of_nodes():,} entities, "
            f"{sub.net.number_of_edges():,} records drawn as {sub.ties.number_of_edges():,} lines, "
            f"{len(html) / 1e6:.1f} MB"
        )
    whole = subgraph.select_subgraph(backend, net=g)
    html, t = timed(render.render_map, whole)
    print(
        f"map whole graph: {t:.2f} s, {whole.net.number_of_edges():,} records as {whole.ties.number_of_edges():,} lines, "
        f"{len(html) / 1e6:.1f} MB"
    )
    # the figure of ICE's top contractors: one line per tie against one per record
    from corpgraph.export.figure import build_dot

    picked = subgraph.select_subgraph(backend, focus=["ICE"], depth=1, kinds=["Contract"], net=g)
    money = render.node_money(picked.ties, render.size_kind(picked.ties, "money"))
    top = sorted((n for n in picked.ties if n not in picked.highlight_nodes), key=lambda n: -money[n])[:30]
    keep = set(top) | picked.highlight_nodes
    picked.net.remove_nodes_from([n for n in list(picked.net) if n not in keep])
    picked.__dict__.pop("ties", None)  # drop the cached ties of the larger selection
    dot, t = timed(build_dot, picked)
    print(
        f"figure of ICE's top 30 contractors: {t:.2f} s, {picked.net.number_of_edges():,} records drawn as "
        f"{dot.source.count(' -> ')} lines"
    )
    backend.close()
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
